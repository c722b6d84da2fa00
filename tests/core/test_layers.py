"""The import contracts in pyproject.toml hold, and they catch an upward import."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["core", "audit", "accounts", "scheduling", "interviews", "verification", "operations", "config"]


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layers_hold_today(tmp_path):
    result = _lint_imports(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_an_import_from_a_lower_app_into_a_higher_one_fails_the_lint(tmp_path):
    tree = _copy(tmp_path)
    (tree / "accounts" / "upward.py").write_text("from operations import selectors  # noqa: F401\n")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert "Apps import only the layers below them BROKEN" in result.stdout
    assert "accounts.upward -> operations.selectors" in result.stdout


def test_the_media_host_may_not_import_a_django_app(tmp_path):
    tree = _copy(tmp_path)
    (tree / "interviews" / "media" / "leak.py").write_text("from interviews import models  # noqa: F401\n")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert "interviews.media.leak -> interviews.models" in result.stdout


def test_the_audit_trail_may_not_import_accounts(tmp_path):
    tree = _copy(tmp_path)
    (tree / "audit" / "users.py").write_text("from accounts.models import User  # noqa: F401\n")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert "audit is not allowed to import accounts" in result.stdout
    assert "audit.users -> accounts.models" in result.stdout
