"""The WebSocket close codes are defined once, in core.protocol.CloseCode, for Python and JavaScript."""

import ast
import json
import re
from pathlib import Path

import pytest

from core.protocol import CloseCode

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {".venv", "node_modules", "staticfiles"}
SCRIPTS = sorted((ROOT / "static").rglob("*.js"))


def _consumer_modules() -> list[Path]:
    return [path for path in ROOT.rglob("consumers.py") if not SKIPPED & set(path.relative_to(ROOT).parts)]


def _close_codes(path: Path) -> list[ast.expr]:
    """The code argument of every `.close(...)` call in a module that passes one."""
    codes = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "close":
            codes += node.args[:1] + [keyword.value for keyword in node.keywords if keyword.arg == "code"]
    return codes


def _is_close_code_member(expression: ast.expr) -> bool:
    return (
        isinstance(expression, ast.Attribute)
        and isinstance(expression.value, ast.Name)
        and expression.value.id == "CloseCode"
        and expression.attr in CloseCode.__members__
    )


def test_consumers_close_sockets_only_with_a_close_code_member():
    found = {path: _close_codes(path) for path in _consumer_modules()}

    assert sum(len(codes) for codes in found.values()) >= 4
    strays = [
        f"{path.relative_to(ROOT)}:{code.lineno} {ast.unparse(code)}"
        for path, codes in found.items()
        for code in codes
        if not _is_close_code_member(code)
    ]
    assert strays == []


def test_no_script_writes_a_close_code_as_a_number():
    assert SCRIPTS
    literals = [
        f"{path.relative_to(ROOT)}: {match.group()}"
        for path in SCRIPTS
        for match in re.finditer(r"\b44\d\d\b", path.read_text())
    ]
    assert literals == []


def test_scripts_name_only_close_codes_that_exist():
    names = {name for path in SCRIPTS for name in re.findall(r"\bcloseCodes\.(\w+)", path.read_text())}

    assert names
    assert names - set(CloseCode.__members__) == set()


@pytest.mark.django_db
def test_every_page_hands_the_close_codes_to_its_scripts(client):
    response = client.get("/")

    found = re.search(r'<script id="lv-close-codes" type="application/json">(.*?)</script>', response.text)
    assert json.loads(found.group(1)) == {"NOT_SIGNED_IN": 4401, "FORBIDDEN": 4403, "NOT_FOUND": 4404, "CONFLICT": 4409}
