"""Find image, video and audio data wherever LiveVerify can write: the proof behind invariant 2.

`find_media()` recognises media by its signature in bytes or text, raw or encoded (base64,
URL-safe base64, data: URLs, hex, escaped bytes as in a logged `repr`, percent-encoding, JSON
\\u00XX escapes, zlib/gzip), and the `scan_*` functions feed it every value of every place the
system writes to: database, files, logs, cache, channel layer, Redis and the Celery broker.

Short magic numbers are only reported when the header around them is consistent (a BMP's
reserved bytes and header size, a VP8 frame tag before its start code, an MP4 box size), so
words such as "BM" or "RIFF" in a note never count as media.
"""

import base64
import binascii
import json
import logging
import os
import re
import struct
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_DEPTH = 6  # encodings inside encodings: a Celery message is JSON whose base64 body is JSON holding base64
MAX_GLUED_BYTES = 48
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_INFLATED_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Finding:
    """One piece of media: what it is, how it was encoded and where it was found."""

    kind: str
    encoding: str
    where: str
    offset: int

    def __str__(self) -> str:
        return f"{self.kind} ({self.encoding}) at offset {self.offset} of {self.where}"


# ---- Signatures: each checks the header at `at`, where its anchor was found ----


def _u16le(data: bytes, at: int) -> int:
    return struct.unpack_from("<H", data, at)[0]


def _u32le(data: bytes, at: int) -> int:
    return struct.unpack_from("<I", data, at)[0]


def _u32be(data: bytes, at: int) -> int:
    return struct.unpack_from(">I", data, at)[0]


JPEG_MARKERS = {*range(0xE0, 0xF0), 0xDB, 0xC0, 0xC1, 0xC2, 0xC4, 0xDD, 0xFE}


def _jpeg(data: bytes, at: int) -> int | None:
    # SOI, then a real first marker whose segment (length at least 2) ends at the next marker;
    # JFIF and Exif segments name themselves.
    if len(data) < at + 6 or data[at + 3] not in JPEG_MARKERS:
        return None
    length = struct.unpack_from(">H", data, at + 4)[0]
    following = at + 4 + length
    if length < 2 or (following < len(data) and data[following] != 0xFF):
        return None
    name = data[at + 6 : at + 11]
    if data[at + 3] == 0xE0 and len(name) == 5 and name[:4] not in (b"JFIF", b"JFXX"):
        return None
    if data[at + 3] == 0xE1 and len(name) == 5 and name[:4] not in (b"Exif", b"http"):
        return None
    return at


def _png(data: bytes, at: int) -> int | None:
    # The 8-byte signature is always followed by the 13-byte IHDR chunk.
    return at if data[at + 8 : at + 16] == b"\x00\x00\x00\x0dIHDR" else None


def _gif(data: bytes, at: int) -> int | None:
    # Logical screen descriptor with a non-zero size, then (after the global colour table, if
    # any) an extension, an image or the trailer.
    if len(data) < at + 13 or not _u16le(data, at + 6) or not _u16le(data, at + 8):
        return None
    flags = data[at + 10]
    following = at + 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    return at if following >= len(data) or data[following] in b"!,;" else None


def _riff(form: bytes, chunks: tuple[bytes, ...]) -> Callable[[bytes, int], int | None]:
    def check(data: bytes, at: int) -> int | None:
        if data[at + 8 : at + 12] == form and data[at + 12 : at + 16] in chunks and _u32le(data, at + 4) >= 4:
            return at
        return None

    return check


BMP_DIB_SIZES = {12, 40, 52, 56, 64, 108, 124}


def _bmp(data: bytes, at: int) -> int | None:
    # "BM" alone is two letters; a real file header has zero reserved bytes, a pixel offset
    # inside the file and a known DIB header size, and a bitmap has one plane.
    if len(data) < at + 30:
        return None
    size, reserved, offset, dib = struct.unpack_from("<IIII", data, at + 2)
    if reserved != 0 or dib not in BMP_DIB_SIZES or not 14 + dib <= offset <= size:
        return None
    planes, bits = struct.unpack_from("<HH", data, at + 22 if dib == 12 else at + 26)
    return at if planes == 1 and bits in (1, 4, 8, 16, 24, 32) else None


def _ivf(data: bytes, at: int) -> int | None:
    # Version 0, a 32-byte header and a codec FourCC such as VP80.
    if data[at + 4 : at + 8] == b"\x00\x00\x20\x00" and data[at + 8 : at + 12].isalnum():
        return at
    return None


def _vp8_keyframe(data: bytes, at: int) -> int | None:
    # The start code 9D 01 2A sits after a 3-byte frame tag: key frame, version 0-3, shown,
    # a non-empty first partition; then a non-zero 14-bit width and height.
    if at < 3 or len(data) < at + 7:
        return None
    tag = data[at - 3] | data[at - 2] << 8 | data[at - 1] << 16
    key, version, shown, partition = tag & 1, tag >> 1 & 7, tag >> 4 & 1, tag >> 5
    width, height = _u16le(data, at + 3) & 0x3FFF, _u16le(data, at + 5) & 0x3FFF
    if key == 0 and version <= 3 and shown and partition and width and height:
        return at - 3
    return None


def _ebml(data: bytes, at: int) -> int | None:
    # The EBML header names its DocType: webm or matroska.
    window = data[at + 4 : at + 64]
    return at if b"\x42\x82\x84webm" in window or b"\x42\x82\x88matroska" in window else None


def _mp4(data: bytes, at: int) -> int | None:
    # An ftyp box: a plausible size before it, a printable major brand after it (MP4, MOV,
    # 3GP, and also HEIC and AVIF images).
    if at < 4 or len(data) < at + 8:
        return None
    size = _u32be(data, at - 4)
    brand = data[at + 4 : at + 8]
    if 16 <= size <= 4096 and size % 4 == 0 and all(32 < byte < 127 for byte in brand):
        return at - 4
    return None


def _ogg(data: bytes, at: int) -> int | None:
    # Stream structure version 0, header type flags 0-7, a full 27-byte page header.
    return at if len(data) >= at + 27 and data[at + 4] == 0 and data[at + 5] <= 7 else None


def _opus(data: bytes, at: int) -> int | None:
    # OpusHead version 1-15 and at least one channel.
    return at if len(data) >= at + 10 and 1 <= data[at + 8] <= 15 and data[at + 9] >= 1 else None


def _flac(data: bytes, at: int) -> int | None:
    # The first metadata block is STREAMINFO, 34 bytes long.
    return at if data[at + 4 : at + 8] in (b"\x00\x00\x00\x22", b"\x80\x00\x00\x22") else None


def _id3(data: bytes, at: int) -> int | None:
    # ID3v2.2-2.4 (MP3 audio): a known version, no undefined flags, a syncsafe size.
    header = data[at : at + 10]
    if len(header) == 10 and 2 <= header[3] <= 4 and header[4] == 0 and not header[5] & 0x0F:
        return at if all(byte < 0x80 for byte in header[6:]) else None
    return None


_webp = _riff(b"WEBP", (b"VP8 ", b"VP8L", b"VP8X"))
_wav = _riff(b"WAVE", (b"fmt ", b"JUNK", b"LIST", b"bext", b"fact"))
_avi = _riff(b"AVI ", (b"LIST", b"JUNK"))

# anchor -> what may start there, and the check that says where it starts (None: not media)
SIGNATURES: dict[bytes, list[tuple[str, Callable[[bytes, int], int | None]]]] = {
    b"\xff\xd8\xff": [("JPEG image", _jpeg)],
    b"\x89PNG\r\n\x1a\n": [("PNG image", _png)],
    b"GIF87a": [("GIF image", _gif)],
    b"GIF89a": [("GIF image", _gif)],
    b"BM": [("BMP image", _bmp)],
    b"RIFF": [("WebP image", _webp), ("WAV audio", _wav), ("AVI video", _avi)],
    b"DKIF": [("IVF video", _ivf)],
    b"\x9d\x01\x2a": [("VP8 key frame", _vp8_keyframe)],
    b"\x1a\x45\xdf\xa3": [("WebM/Matroska video", _ebml)],
    b"ftyp": [("MP4/ISO media", _mp4)],
    b"OggS": [("Ogg page", _ogg)],
    b"OpusHead": [("Opus audio header", _opus)],
    b"fLaC": [("FLAC audio", _flac)],
    b"ID3": [("MP3 (ID3) audio", _id3)],
}
# A lookahead, so that anchors overlapping one another are all tried.
_ANCHORS = re.compile(b"(?=(" + b"|".join(re.escape(anchor) for anchor in SIGNATURES) + b"))")


def _signatures(data: bytes) -> Iterator[tuple[str, int]]:
    for match in _ANCHORS.finditer(data):
        for kind, check in SIGNATURES[match.group(1)]:
            start = check(data, match.start())
            if start is not None:
                yield kind, start


# ---- Encodings: text that may carry media in another form ----

_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
_HEX_RUN = re.compile(r"(?:[0-9a-fA-F]{2}){8,}")
_ESCAPES = re.compile(r"\\(x[0-9a-fA-F]{2}|u00[0-9a-fA-F]{2}|[nrt0\\'\"])")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", "'": "'", '"': '"'}
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")


def _unescape(match: re.Match) -> str:
    code = match.group(1)
    return chr(int(code[1:], 16)) if code[0] in "xu" else _SIMPLE_ESCAPES[code]


def _base64_decodings(text: str) -> Iterator[tuple[str, int, int, bytes]]:
    """Every base64 run decoded at each of the four alignments (a run may begin with a few
    characters of a word that are not part of the payload): label, position, shift, bytes."""
    for match in _BASE64_RUN.finditer(text):
        run = match.group().rstrip("=")
        before = text[max(0, match.start() - 8) : match.start()]
        label = "data: URL" if before.endswith(";base64,") else "base64"
        if "-" in run or "_" in run:
            label = "URL-safe " + label
            run = run.replace("-", "+").replace("_", "/")
        for shift in range(4):
            part = run[shift:]
            part = part[: len(part) - len(part) % 4]
            if len(part) >= 12:
                try:
                    yield label, match.start() + shift, shift, binascii.a2b_base64(part)
                except binascii.Error:
                    continue


def _inflated(data: bytes) -> bytes | None:
    """zlib or gzip data (Django's signed sessions, compressed caches) inflated, else None."""
    if len(data) < 4:
        return None
    if data[:2] == b"\x1f\x8b":
        wbits = 16 + zlib.MAX_WBITS
    elif data[0] == 0x78 and (data[0] << 8 | data[1]) % 31 == 0:
        wbits = zlib.MAX_WBITS
    else:
        return None
    try:
        return zlib.decompressobj(wbits).decompress(data, MAX_INFLATED_BYTES)
    except zlib.error:
        return None


def _scan_bytes(data: bytes, encoding: str, depth: int) -> Iterator[tuple[str, str, int]]:
    for kind, offset in _signatures(data):
        yield kind, encoding, offset
    inflated = _inflated(data)
    if inflated is not None and depth < MAX_DEPTH:
        yield from _scan_bytes(inflated, f"{encoding} > zlib", depth + 1)
    if depth < MAX_DEPTH:
        # Text carried inside binary (msgpack, pickle, a database page) may hold encoded media.
        yield from _scan_encodings(data.decode("latin-1"), encoding, depth + 1)


def _scan_text(text: str, encoding: str, depth: int) -> Iterator[tuple[str, str, int]]:
    yield from _signatures_only(text.encode("utf-8", "surrogatepass"), encoding)
    if not text.isascii():
        # Bytes smuggled into a str one code point each (bytes.decode("latin-1")).
        yield from _signatures_only(text.encode("latin-1", "ignore"), encoding)
    yield from _scan_encodings(text, encoding, depth)


def _scan_encodings(text: str, encoding: str, depth: int) -> Iterator[tuple[str, str, int]]:
    """Media carried by the text in base64, hex, escapes or percent-encoding."""
    if depth >= MAX_DEPTH:
        return
    prefix = "" if encoding == "raw" else f"{encoding} > "
    for label, at, shift, decoded in _base64_decodings(text):
        hits = list(_scan_bytes(decoded, prefix + label, depth + 1))
        # Off the run's own alignment, media counts only if some starts right at the beginning
        # (a few letters were glued to the payload); else it is noise from re-slicing the run.
        if shift == 0 or any(offset <= MAX_GLUED_BYTES for _kind, _enc, offset in hits):
            yield from ((kind, enc, at + offset * 4 // 3) for kind, enc, offset in hits)
    for match in _HEX_RUN.finditer(text):
        for kind, enc, offset in _signatures_only(bytes.fromhex(match.group()), prefix + "hex"):
            yield kind, enc, match.start() + offset * 2
    if not _mostly_printable(text):
        return  # escapes and percent signs in binary data are noise, not a logged repr or a URL
    if "\\" in text and _ESCAPES.search(text):
        # Escaped once (a logged repr), else maybe twice (that repr inside JSON).
        unescaped = _ESCAPES.sub(_unescape, text).encode("latin-1", "ignore")
        hits = list(_signatures_only(unescaped, prefix + "escaped bytes"))
        if not hits and "\\\\" in text:
            unescaped = _ESCAPES.sub(_unescape, text.replace("\\\\", "\\")).encode("latin-1", "ignore")
            hits = list(_signatures_only(unescaped, prefix + "escaped bytes"))
        yield from hits
    if "%" in text and _PERCENT.search(text):
        from urllib.parse import unquote_to_bytes

        yield from _signatures_only(unquote_to_bytes(text), prefix + "percent-encoded")


def _mostly_printable(text: str) -> bool:
    sample = text[:4096]
    return sum(char.isprintable() or char in "\t\r\n" for char in sample) >= 0.9 * len(sample)


def _signatures_only(data: bytes, encoding: str) -> Iterator[tuple[str, str, int]]:
    for kind, offset in _signatures(data):
        yield kind, encoding, offset


def _leaves(value: object) -> Iterator[str | bytes]:
    """The strings and bytes inside a value (a message dict, a JSON document, a row)."""
    if isinstance(value, str | bytes):
        yield value
    elif isinstance(value, memoryview | bytearray):
        yield bytes(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(key)
            yield from _leaves(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _leaves(item)
    elif value is not None and not isinstance(value, bool | int | float):
        yield repr(value)


def find_media(value: object, where: str) -> list[Finding]:
    """Every image, video or audio signature in `value` (bytes, str, or containers of them),
    raw or encoded, each reported once with what it is, its encoding and where it was found."""
    seen = set()
    findings = []
    for leaf in _leaves(value):
        hits = _scan_bytes(leaf, "raw", 0) if isinstance(leaf, bytes) else _scan_text(leaf, "raw", 0)
        for kind, encoding, offset in hits:
            if (kind, encoding, offset) not in seen:
                seen.add((kind, encoding, offset))
                findings.append(Finding(kind, encoding, where, offset))
    return findings


# ---- What was scanned, and what was found ----


@dataclass
class ScanReport:
    """Findings of a scan, counts of what it looked at, and notes on what it could not."""

    findings: list[Finding] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def check(self, value: object, where: str) -> None:
        self.findings.extend(find_media(value, where))

    def summary(self) -> str:
        lines = ["Scanned:"]
        lines += [f"  {what}: {number}" for what, number in sorted(self.counts.items())]
        lines += [f"  note: {note}" for note in self.notes]
        lines.append(f"Media found: {len(self.findings)}")
        lines += [f"  {finding}" for finding in self.findings[:50]]
        return "\n".join(lines)


# ---- The database ----


def scan_database(report: ScanReport, using: str = "default") -> None:
    """Every row of every table (Django's, Celery's, axes', django-otp's, ours), every column,
    text and binary alike. Signed session data is covered: its base64 is inflated and read."""
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - introspected names
            columns = [column[0] for column in cursor.description]
            report.counts["database tables"] += 1
            report.counts["database columns"] += len(columns)
            for row in cursor.fetchall():
                report.counts["database rows"] += 1
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        report.counts["database values"] += 1
                        report.check(value, f"database {table}.{column} ({columns[0]}={row[0]})")


def database_files() -> set[Path]:
    """The SQLite files behind the database (scanned row by row instead, so not as files)."""
    from django.db import connections

    paths = set()
    for connection in connections.all():
        if connection.vendor == "sqlite":
            name = Path(str(connection.settings_dict["NAME"])).resolve()
            paths |= {name, *(name.with_name(name.name + suffix) for suffix in ("-journal", "-wal", "-shm"))}
    return paths


# ---- Files: media and temporary folders, the project directory ----

PROJECT_SKIP_DIRS = {".venv", "node_modules", ".git", ".pytest_cache", ".ruff_cache", "__pycache__"}
# The browser is the client, not the system: Playwright's Chromium profile (with its HTTP
# cache of pages and images) and artifacts live in the temporary folder.
TEMP_SKIP_PREFIXES = ("playwright_chromiumdev_profile-", "playwright-artifacts-", "playwright-")


def _files(root: Path, skip: Callable[[Path], bool]) -> Iterator[Path]:
    for directory, dirnames, filenames in os.walk(root, onerror=lambda error: None):
        base = Path(directory)
        dirnames[:] = [name for name in dirnames if not skip(base / name)]
        for name in filenames:
            path = base / name
            if not skip(path):
                yield path


def scan_files(report: ScanReport, paths: Iterable[Path], *, label: str, since: float | None = None) -> None:
    """The content (and name) of each regular file, if modified at or after `since`."""
    for path in paths:
        try:
            stat = path.stat()
            if not path.is_file() or (since is not None and stat.st_mtime < since):
                continue
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES)
        except OSError:  # gone or unreadable between listing and reading (another process's file)
            continue
        report.counts[f"{label} files"] += 1
        report.counts[f"{label} bytes"] += len(data)
        report.check(data, f"file {path}")
        report.check(path.name, f"file name {path}")


@dataclass(frozen=True)
class Since:
    """When a test started, and what the temporary folder held then (see `scan_folders`)."""

    time: float
    temp_entries: frozenset[str]


def start_watching() -> Since:
    """Mark the start of what a later `scan_folders` looks at. File times come from a coarser
    clock than time.time(), so the start is set a second early."""
    return Since(time.time() - 1, frozenset(os.listdir(tempfile.gettempdir())))


def scan_folders(report: ScanReport, *, since: Since, own_pytest_temp: Path | None = None) -> None:
    """MEDIA_ROOT (if set), the temporary folder and the project directory: files written since
    the start. Skipped: the virtualenv, node_modules, git and tool caches, the database files
    (scanned as rows), Playwright's browser profiles, and in the temporary folder the folders
    that were there before the start (other programs' and other test runs'), except this
    pytest run's own temporary folder. New files anywhere in it are read, whoever wrote them."""
    from django.conf import settings

    project = Path(settings.BASE_DIR).resolve()
    database = database_files()
    for label in ("temporary folder", "project directory"):
        report.counts[f"{label} files"] += 0
    media_root = getattr(settings, "MEDIA_ROOT", "")
    if media_root:
        root = Path(media_root).resolve()
        scan_files(report, _files(root, lambda path: False), label="MEDIA_ROOT", since=None)
    else:
        report.notes.append("MEDIA_ROOT is not set: nothing can be uploaded or stored as a media file")

    temp = Path(tempfile.gettempdir()).resolve()
    own = own_pytest_temp.resolve() if own_pytest_temp else None
    keep = {temp / part for part in own.relative_to(temp).parts[:1]} if own and own.is_relative_to(temp) else set()

    def skip_temp(path: Path) -> bool:
        if path.name.startswith(TEMP_SKIP_PREFIXES) or path.is_symlink():
            return True
        if path.parent == temp and path.name in since.temp_entries and path.is_dir() and path not in keep:
            return True
        # Another pytest run's numbered folder (pytest-of-<user>/pytest-<n>) is not ours.
        return bool(own and path.parent == own.parent and path != own)

    scan_files(report, _files(temp, skip_temp), label="temporary folder", since=since.time)

    def skip_project(path: Path) -> bool:
        return path.name in PROJECT_SKIP_DIRS or path.resolve() in database or path.is_symlink()

    scan_files(report, _files(project, skip_project), label="project directory", since=since.time)


# ---- Logs ----

CAPTURED_MARK = "_privacy_scan_captured"
_STANDARD_RECORD_KEYS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    CAPTURED_MARK,
}
CAPTURED_LOGGERS = (
    "",
    "django",
    "django.request",
    "django.server",
    "django.db.backends",
    "django.channels.server",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "aiortc",
    "aioice",
    "channels",
    "channels_redis",
    "daphne",
    "celery",
    "kombu",
    "asyncio",
    "websockets",
    "axes",
    "accounts",
    "scheduling",
    "interviews",
    "config",
)


class LogCapture(logging.Handler):
    """Everything logged while active, at DEBUG level, by the root logger and the loggers of
    Django, uvicorn, aiortc, aioice, Channels, Celery and ours (some do not propagate).

    Each record is kept as the text a log handler would write, plus its extra fields (which a
    structured log formatter would also write). Existing handlers keep their own level, so the
    console does not fill up with DEBUG records.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []
        self._saved: list[tuple[logging.Logger, int]] = []
        self._handler_levels: list[tuple[logging.Handler, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, CAPTURED_MARK, False):  # reached through more than one captured logger
            return
        setattr(record, CAPTURED_MARK, True)
        try:
            text = self.format(record)
        except Exception:  # a record that cannot be formatted is still kept, as its parts
            text = f"{record.msg!r} {record.args!r}"
        extras = {key: value for key, value in vars(record).items() if key not in _STANDARD_RECORD_KEYS}
        if extras:
            text += " " + repr(extras)
        self.lines.append(text)

    def __enter__(self) -> "LogCapture":
        for name in CAPTURED_LOGGERS:
            logger = logging.getLogger(name)
            for handler in logger.handlers:
                if handler.level == logging.NOTSET:
                    self._handler_levels.append((handler, handler.level))
                    handler.setLevel(logger.getEffectiveLevel())
            self._saved.append((logger, logger.level))
            logger.setLevel(logging.DEBUG)
            logger.addHandler(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for logger, level in self._saved:
            logger.removeHandler(self)
            logger.setLevel(level)
        for handler, level in self._handler_levels:
            handler.setLevel(level)
        self._saved.clear()
        self._handler_levels.clear()


def scan_logs(report: ScanReport, capture: LogCapture, *, log_files: Iterable[tuple[Path, int]] = ()) -> None:
    """Every captured log line, and what log files (such as the media host process's output)
    gained since the given offsets."""
    report.counts["log lines captured"] += 0
    for number, line in enumerate(capture.lines):
        report.counts["log lines captured"] += 1
        report.check(line, f"log line {number + 1}: {line[:120]!r}")
    for path, offset in log_files:
        with path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
        report.counts["log file lines (media host process)"] += data.count(b"\n")
        report.counts["log file bytes (media host process)"] += len(data)
        report.check(data, f"log file {path}")


# ---- Cache, channel layer, Redis, Celery broker, outgoing mail ----


def scan_cache(report: ScanReport) -> None:
    """Every entry of every local-memory cache (the pickled values as stored). A Redis cache is
    read key by key by `scan_redis`."""
    from django.conf import settings
    from django.core.cache.backends import locmem

    report.counts["local-memory cache entries"] += 0
    for name, store in locmem._caches.items():
        for key, value in list(store.items()):
            report.counts["local-memory cache entries"] += 1
            report.check(key, f"cache {name!r} key {key!r}")
            report.check(value, f"cache {name!r} value of {key!r}")
    backends = {alias: config["BACKEND"].rsplit(".", 1)[-1] for alias, config in settings.CACHES.items()}
    report.notes.append(f"caches: {backends}")


def scan_channel_layer(report: ScanReport) -> None:
    """Queued messages and groups of the in-memory channel layer. channels-redis keeps all of
    its state in Redis, which `scan_redis` reads."""
    from channels.layers import InMemoryChannelLayer, channel_layers

    for alias, layer in list(channel_layers.backends.items()):
        if not isinstance(layer, InMemoryChannelLayer):
            report.notes.append(f"channel layer {alias!r} is {type(layer).__name__}: scanned in Redis")
            continue
        for what in ("channels", "messages", "groups"):
            report.counts[f"in-memory channel layer {what}"] += 0
        for channel, queue in list(layer.channels.items()):
            report.counts["in-memory channel layer channels"] += 1
            for _expiry, message in list(queue._queue):
                report.counts["in-memory channel layer messages"] += 1
                report.check(message, f"channel layer message on {channel}")
        for group, members in list(layer.groups.items()):
            report.counts["in-memory channel layer groups"] += 1
            report.check([group, *members], f"channel layer group {group}")


def _redis_owner(key: bytes) -> str:
    if key.startswith(b"asgi"):
        return "channel layer"
    if key.startswith(b":"):
        return "cache"
    if key in (b"celery", b"unacked", b"unacked_index", b"unacked_mutex") or key.startswith((b"_kombu", b"celery")):
        return "Celery broker"
    if key.startswith(b"liveverify:"):
        return "media host registry"
    return "other"


def scan_redis(report: ScanReport, url: str) -> None:
    """Every key of the Redis database, of every type: with REDIS_URL this one database holds
    the cache, the channel layer (msgpack messages in sorted sets, groups), the Celery broker
    (the `celery` queue list, `unacked`, kombu bindings) and the media host registry."""
    import redis

    client = redis.from_url(url)
    readers = {
        b"string": lambda key: [client.get(key)],
        b"list": lambda key: client.lrange(key, 0, -1),
        b"set": lambda key: list(client.smembers(key)),
        b"zset": lambda key: client.zrange(key, 0, -1),
        b"hash": lambda key: [part for pair in client.hgetall(key).items() for part in pair],
        b"stream": lambda key: [json.dumps(entry, default=repr) for entry in client.xrange(key)],
    }
    report.counts["redis keys"] += 0
    for key in client.scan_iter(count=500):
        kind = client.type(key)
        report.counts["redis keys"] += 1
        values = readers.get(kind, lambda key: [])(key)
        owner = _redis_owner(key)
        report.counts[f"redis keys: {kind.decode()}"] += 1
        report.counts[f"redis keys of the {owner}"] += 1
        report.counts["redis values"] += len(values)
        report.check(key, f"redis key name {key!r}")
        for value in values:
            if value is not None:
                report.check(value, f"redis {kind.decode()} {key!r} ({owner})")


def scan_celery_broker(report: ScanReport) -> None:
    """The Celery broker: Redis (read by `scan_redis`), or kombu's in-memory transport queues."""
    from django.conf import settings
    from kombu.transport import memory

    broker = settings.CELERY_BROKER_URL
    if broker.startswith("redis"):
        report.notes.append("Celery broker: Redis, the same database as the cache and channel layer (scanned above)")
        if settings.CELERY_TASK_ALWAYS_EAGER:
            report.notes.append(
                "tasks ran eagerly in this run (tests/conftest.py sets CELERY_TASK_ALWAYS_EAGER), "
                "so the broker received only what was published with send_task"
            )
        return
    report.notes.append(
        "Celery broker: kombu's in-memory transport; tasks run eagerly in the calling process "
        "(CELERY_TASK_ALWAYS_EAGER), so no message reaches a broker in this mode"
    )
    report.counts["in-memory broker messages"] += 0
    for name, queue in list(memory.Channel.queues.items()):
        report.counts["in-memory broker queues"] += 1
        for message in list(queue.queue):
            report.counts["in-memory broker messages"] += 1
            report.check(message, f"Celery in-memory queue {name}")


def scan_outbox(report: ScanReport) -> None:
    """Mail sent while testing (the locmem backend's outbox), attachments included."""
    from django.core import mail

    report.counts["mails sent"] += 0
    for number, message in enumerate(getattr(mail, "outbox", [])):
        report.counts["mails sent"] += 1
        report.check(message.message().as_bytes(), f"mail {number + 1} to {message.to}")


def scan_stores(report: ScanReport) -> None:
    """The stores that hold data in passing: cache, channel layer, Redis and the Celery broker."""
    from django.conf import settings

    scan_cache(report)
    scan_channel_layer(report)
    if settings.REDIS_URL:
        scan_redis(report, settings.REDIS_URL)
    scan_celery_broker(report)


def scan_everything(
    *,
    since: Since,
    logs: LogCapture,
    log_files: Iterable[tuple[Path, int]] = (),
    own_pytest_temp: Path | None = None,
) -> ScanReport:
    """Scan every place the system can write to; the report lists what was read and what was found."""

    report = ScanReport()
    started = time.monotonic()
    scan_database(report)
    scan_folders(report, since=since, own_pytest_temp=own_pytest_temp)
    scan_logs(report, logs, log_files=log_files)
    scan_stores(report)
    scan_outbox(report)
    report.notes.append(f"scan took {time.monotonic() - started:.1f} s")
    return report


def flush_redis(url: str) -> None:
    """Empty the one Redis database of `url` (only that one), keeping the media hosts' registry
    entries: a running media host announces itself only every few seconds."""
    import redis

    from interviews.media.registry import HOSTS_KEY

    client = redis.from_url(url)
    hosts = client.hgetall(HOSTS_KEY)
    client.flushdb()
    if hosts:
        client.hset(HOSTS_KEY, mapping=hosts)


def encode_everywhere(data: bytes, mime: str) -> dict[str, str]:
    """The text forms a frame could be written in, for planting: base64, URL-safe base64 and
    a data: URL."""
    return {
        "base64": base64.b64encode(data).decode(),
        "urlsafe": base64.urlsafe_b64encode(data).decode().rstrip("="),
        "data URL": f"data:{mime};base64," + base64.b64encode(data).decode(),
    }
