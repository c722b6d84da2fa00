"""No recording or face-processing facility is reachable from project code: checked on the
syntax tree of every project module and on our JavaScript, and each check is shown to fail."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_PROJECT_CODE = {"tests", "node_modules", "staticfiles", "locale", "static", "templates", "docs"}

# Module (top-level name) -> why it may not be imported.
FORBIDDEN_MODULES = {
    "cv2": "OpenCV (image capture and processing)",
    "face_recognition": "face recognition",
    "dlib": "face detection and recognition",
    "mediapipe": "face and body landmarks",
    "insightface": "face recognition",
    "deepface": "face recognition",
    "facenet": "face recognition",
    "facenet_pytorch": "face recognition",
    "PIL": "Pillow (writes image files; qrcode renders our QR codes as SVG without it)",
    "imageio": "writes image and video files",
    "skimage": "image processing",
    "moviepy": "writes video files",
    "ffmpeg": "ffmpeg-python (writes media files)",
    "pydub": "writes audio files",
    "soundfile": "writes audio files",
    "wave": "writes WAV files",
    "sounddevice": "records audio",
    "pyaudio": "records audio",
}
# aiortc.contrib.media: MediaRelay and MediaBlackhole only relay or discard; these write files.
FORBIDDEN_NAMES = {"MediaRecorder": "aiortc's recorder (writes tracks to a file)"}

# Browser APIs that turn live media into stored pictures, recordings or raw frames.
FORBIDDEN_JS = {
    r"\.drawImage\s*\(": "canvas drawImage (copies a video frame)",
    r"\.toDataURL\s*\(": "canvas toDataURL (encodes a picture)",
    r"\.toBlob\s*\(": "canvas toBlob (encodes a picture)",
    r"\.getImageData\s*\(": "canvas getImageData (reads pixels)",
    r"\.captureStream\s*\(": "captureStream (feeds a recorder)",
    r"\bMediaRecorder\b": "MediaRecorder (records)",
    r"\bImageCapture\b": "ImageCapture (takes photos)",
    r"\.takePhoto\s*\(": "takePhoto",
    r"\.grabFrame\s*\(": "grabFrame",
    r"\bOffscreenCanvas\b": "OffscreenCanvas (draws frames off screen)",
    r"\bMediaStreamTrackProcessor\b": "MediaStreamTrackProcessor (raw frames)",
    r"\bcreateEncodedStreams\b|\bRTCRtpScriptTransform\b": "encoded frame access",
}


def project_python_files(root: Path = ROOT) -> list[Path]:
    """manage.py and every module of every top-level package or folder of project code."""
    files = sorted(root.glob("*.py"))
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not folder.name.startswith(".") and folder.name not in NOT_PROJECT_CODE:
            files += sorted(path for path in folder.rglob("*.py") if "__pycache__" not in path.parts)
    return files


def _module_violation(name: str) -> str | None:
    top = name.split(".")[0]
    if top in FORBIDDEN_MODULES:
        return f"imports {name}: {FORBIDDEN_MODULES[top]}"
    if top.startswith("facenet"):
        return f"imports {name}: face recognition"
    return None


def recording_imports(paths: list[Path]) -> list[str]:
    """Imports and uses of recording or face-processing code: forbidden modules (also through
    __import__ or importlib), aiortc's MediaRecorder by any route, and av.open (PyAV's file
    writer; aiortc needs PyAV internally, project code never opens containers)."""
    violations = []
    for path in paths:
        tree = ast.parse(path.read_text(), filename=str(path))
        av_names = {"av"}
        for node in ast.walk(tree):
            found = []
            if isinstance(node, ast.Import):
                found += [_module_violation(alias.name) for alias in node.names]
                av_names |= {alias.asname for alias in node.names if alias.name == "av" and alias.asname}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.append(_module_violation(node.module))
                for alias in node.names if not found[-1] else []:
                    found.append(_module_violation(f"{node.module}.{alias.name}"))
                    if alias.name in FORBIDDEN_NAMES:
                        found.append(f"imports {alias.name}: {FORBIDDEN_NAMES[alias.name]}")
                    if node.module == "av" and alias.name == "open":
                        found.append("imports av.open: PyAV writes media files")
            elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
                found.append(f"uses {node.attr}: {FORBIDDEN_NAMES[node.attr]}")
            elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
                found.append(f"uses {node.id}: {FORBIDDEN_NAMES[node.id]}")
            elif isinstance(node, ast.Call):
                function = node.func
                dotted = ast.unparse(function)
                if dotted in ("__import__", "importlib.import_module", "import_module") and node.args:
                    argument = node.args[0]
                    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                        found.append(_module_violation(argument.value))
                if (
                    isinstance(function, ast.Attribute)
                    and function.attr == "open"
                    and ast.unparse(function.value) in av_names
                ):
                    found.append("calls av.open: PyAV writes media files")
            violations += [f"{path}:{getattr(node, 'lineno', 0)}: {what}" for what in found if what]
    return sorted(set(violations))


def our_javascript(root: Path = ROOT) -> list[Path]:
    """Our own scripts under static/ (vendored ones are served from node_modules, not kept here)."""
    return sorted(path for path in (root / "static").rglob("*.js") if "vendor" not in path.parts)


def js_capture_calls(paths: list[Path]) -> list[str]:
    """Uses of browser APIs that would copy, encode or record frames or sound."""
    violations = []
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for pattern, what in FORBIDDEN_JS.items():
                if re.search(pattern, line):
                    violations.append(f"{path}:{number}: {what}")
    return violations


def test_project_python_code_imports_no_recording_or_face_processing():
    files = project_python_files()
    folders = {path.relative_to(ROOT).parts[0] for path in files}
    assert {"manage.py", "accounts", "config", "interviews", "scheduling", "bench"} <= folders
    assert not any(path.is_relative_to(ROOT / "tests") for path in files)
    assert recording_imports(files) == []


def test_our_javascript_copies_encodes_or_records_no_frames():
    files = our_javascript()
    assert ROOT / "static" / "interviews" / "js" / "interview.js" in files
    assert js_capture_calls(files) == []


PLANTED_PYTHON = [
    ("import cv2\n", "imports cv2: OpenCV"),
    ("import cv2.data as haar\n", "imports cv2.data: OpenCV"),
    ("from face_recognition import face_encodings\n", "imports face_recognition: face recognition"),
    ("import dlib\n", "imports dlib"),
    ("from mediapipe.tasks import vision\n", "imports mediapipe.tasks"),
    ("import insightface\n", "imports insightface"),
    ("from deepface import DeepFace\n", "imports deepface"),
    ("from facenet_pytorch import MTCNN\n", "imports facenet_pytorch"),
    ("import facenet_keras\n", "imports facenet_keras"),
    ("from PIL import Image\n", "imports PIL: Pillow"),
    ("import imageio.v3 as iio\n", "imports imageio.v3"),
    ("import wave\n", "imports wave: writes WAV files"),
    ("from aiortc.contrib.media import MediaRecorder\n", "imports MediaRecorder: aiortc's recorder"),
    ("from aiortc.contrib.media import MediaRelay, MediaRecorder as Keep\n", "imports MediaRecorder"),
    ("from aiortc.contrib import media\nrecorder = media.MediaRecorder('call.webm')\n", "uses MediaRecorder"),
    ("import aiortc.contrib.media as m\nm.MediaRecorder('x.mp4')\n", "uses MediaRecorder"),
    ("import av\ncontainer = av.open('call.webm', 'w')\n", "calls av.open"),
    ("import av as pyav\npyav.open('call.webm', mode='w')\n", "calls av.open"),
    ("from av import open as av_open\n", "imports av.open"),
    ("__import__('cv2')\n", "imports cv2"),
    ("import importlib\nimportlib.import_module('face_recognition.api')\n", "imports face_recognition.api"),
]


@pytest.mark.parametrize(("source", "expected"), PLANTED_PYTHON)
def test_the_python_check_catches_a_planted_import(tmp_path, source, expected):
    (tmp_path / "interviews").mkdir()
    (tmp_path / "interviews" / "media.py").write_text("import asyncio\n" + source)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("import cv2\n")  # tests are not project code
    files = project_python_files(tmp_path)
    assert files == [tmp_path / "interviews" / "media.py"]
    [violation] = recording_imports(files)
    assert violation.startswith(f"{tmp_path / 'interviews' / 'media.py'}:")
    assert expected in violation


def test_the_python_check_allows_relaying_discarding_and_svg_qr_codes(tmp_path):
    module = tmp_path / "ok.py"
    module.write_text(
        "from aiortc.contrib.media import MediaBlackhole, MediaRelay\n"
        "import qrcode.image.svg\n"
        "import avatar\n"
        "open('notes.txt')\n"
        "self.open(x)\n"
    )
    assert recording_imports([module]) == []


PLANTED_JS = [
    "context.drawImage(video, 0, 0);",
    "var url = canvas.toDataURL('image/jpeg');",
    "canvas.toBlob(function (blob) { send(blob); });",
    "var pixels = ctx.getImageData(0, 0, 640, 480);",
    "var stream = canvas.captureStream(15);",
    "var recorder = new MediaRecorder(stream);",
    "var camera = new ImageCapture(track);",
    "camera.takePhoto().then(keep);",
    "capture.grabFrame().then(keep);",
    "var off = new OffscreenCanvas(640, 480);",
    "var processor = new MediaStreamTrackProcessor({ track: track });",
    "sender.createEncodedStreams();",
]


@pytest.mark.parametrize("line", PLANTED_JS)
def test_the_javascript_check_catches_a_planted_capture(tmp_path, line):
    script = tmp_path / "static" / "interviews" / "js" / "call.js"
    script.parent.mkdir(parents=True)
    script.write_text("(function () {\n  'use strict';\n  " + line + "\n})();\n")
    assert our_javascript(tmp_path) == [script]
    [violation] = js_capture_calls([script])
    assert violation.startswith(f"{script}:3: ")


def test_the_javascript_check_allows_live_preview_and_the_microphone_meter(tmp_path):
    script = tmp_path / "meter.js"
    script.write_text(
        "video.srcObject = stream;\nanalyser.getFloatTimeDomainData(samples);\n"
        "pc.getStats();\nrecordedAt = Date.now();\n"
    )
    assert js_capture_calls([script]) == []
