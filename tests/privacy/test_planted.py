"""The scanner finds a real frame planted in each place the system writes to, in each form it
could take there, and finds nothing in a clean system: a guard is only worth its failures."""

import base64
import json
import logging
import os
import random
import tempfile
import zlib
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import TaxpayerProfile
from audit.models import AuditRecord
from config.celery import app as celery_app
from tests import factories
from tests.privacy import scan
from tests.privacy.samples import KINDS, sample, vp8_rtp_payloads

NAMES = list(KINDS)


def _expected(name: str) -> set[str]:
    return KINDS[name][1]


def _kinds(findings: list[scan.Finding], where: str) -> set[str]:
    return {finding.kind for finding in findings if finding.where == where}


def _forms(name: str) -> dict[str, str | bytes]:
    """Every way a frame could be written: raw, the text encodings, and as code would log it."""
    data = sample(name)
    mime = KINDS[name][0]
    return {
        "raw": data,
        **scan.encode_everywhere(data, mime),
        "hex": data.hex(),
        "repr": repr(data),
        "json of latin-1 text": json.dumps(data.decode("latin-1")),
        "base64 of zlib": base64.b64encode(zlib.compress(data)).decode(),
        "base64 inside JSON inside base64": base64.b64encode(
            json.dumps({"frame": scan.encode_everywhere(data, mime)["base64"]}).encode()
        ).decode(),
        "glued to a word": "frame" + scan.encode_everywhere(data, mime)["base64"],
        "in a sentence": f"the picture was {scan.encode_everywhere(data, mime)['data URL']} (sent by chat)",
    }


@pytest.mark.parametrize("name", NAMES)
def test_each_sample_is_recognised_raw_and_in_every_encoding(name):
    for form, value in _forms(name).items():
        assert {finding.kind for finding in scan.find_media(value, "here")} == _expected(name), form


def test_findings_say_what_how_and_where():
    [finding] = scan.find_media("note: " + scan.encode_everywhere(sample("png"), "image/png")["data URL"], "a note")
    assert (finding.kind, finding.encoding, finding.where) == ("PNG image", "data: URL", "a note")
    assert str(finding).startswith("PNG image (data: URL) at offset ")


def test_a_photo_sized_frame_is_reported_once():
    """Binary noise after the header (a real photo's entropy-coded data) adds no second finding."""
    photo = sample("jpeg") + random.Random(5).randbytes(60_000)
    findings = scan.find_media(scan.encode_everywhere(photo, "image/jpeg")["data URL"], "a note")
    assert [(finding.kind, finding.encoding, finding.offset) for finding in findings] == [
        ("JPEG image", "data: URL", len("data:image/jpeg;base64,"))
    ]


def test_random_binary_and_its_base64_are_not_media():
    """Plenty of non-media bytes, raw and as base64, at every alignment: no chance matches."""
    noise = random.Random(7).randbytes(300_000)
    assert scan.find_media(noise, "noise") == []
    assert scan.find_media(base64.b64encode(noise).decode(), "noise") == []


def test_a_vp8_key_frame_as_aiortc_packetises_and_depacketises_it_is_recognised(db):
    """The fake camera's video travels as VP8: a key frame written from the relay would be
    an RTP payload (with its VP8 descriptor) or a depacketised frame."""
    from aiortc.codecs.vpx import vp8_depayload

    payload = vp8_rtp_payloads()[0]
    frame = vp8_depayload(payload)
    assert payload != frame
    report = scan.ScanReport()
    with scan.LogCapture() as logs:
        logging.getLogger("interviews.media.host").debug("relayed %r", payload)
    handle, path = tempfile.mkstemp(suffix=".vp8")
    start = os.stat(path).st_mtime
    try:
        os.write(handle, frame)
        os.close(handle)
        scan.scan_logs(report, logs)
        scan.scan_files(report, [Path(path)], label="temporary folder", since=start)
    finally:
        os.unlink(path)
    assert [(f.kind, f.encoding, f.where.split(":")[0]) for f in report.findings] == [
        ("VP8 key frame", "escaped bytes", "log line 1"),
        ("VP8 key frame", "raw", f"file {path}"),
    ]


def test_frames_planted_in_database_columns_are_found(db):
    profile = factories.TaxpayerFactory().taxpayer_profile
    profile.other_needs = scan.encode_everywhere(sample("png"), "image/png")["data URL"]
    profile.save()
    # The audit trail is append-only (PostgreSQL refuses updates): plant by inserting.
    records = {}
    for number, name in enumerate(NAMES):
        records[name] = AuditRecord.objects.create(
            at=timezone.now(),
            action="planted",
            object_type="test",
            object_id=name,
            details={form: value for form, value in _forms(name).items() if form != "raw"},
            previous_hash=f"{number:064x}",
            hash=f"{number + 1:064x}",
        )
    report = scan.ScanReport()
    scan.scan_database(report)
    assert _kinds(report.findings, f"database accounts_taxpayerprofile.other_needs (id={profile.pk})") == {"PNG image"}
    for name, record in records.items():
        assert _kinds(report.findings, f"database interviews_auditrecord.details (id={record.pk})") == _expected(name)
    assert {finding.where.split(".")[0] for finding in report.findings} == {
        "database accounts_taxpayerprofile",
        "database interviews_auditrecord",
    }
    assert report.counts["database tables"] >= 20


def test_a_frame_planted_in_a_signed_session_is_found(db):
    """Session data is signed, compressed base64: the scan inflates it and reads what is inside."""
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["snapshot"] = _forms("png")["data URL"] * 3  # repeated, so that signing compresses it
    session.save()
    stored = session.model.objects.get(session_key=session.session_key).session_data
    assert stored.startswith(".")  # compressed
    report = scan.ScanReport()
    scan.scan_database(report)
    assert {(f.kind, f.encoding, f.where) for f in report.findings} == {
        (
            "PNG image",
            "URL-safe base64 > zlib > data: URL",
            f"database django_session.session_data (session_key={session.session_key})",
        )
    }


def test_frames_planted_in_temporary_files_are_found():
    start = scan.start_watching()
    paths = {}
    try:
        for name in NAMES:
            for form in ("raw", "base64"):
                handle, path = tempfile.mkstemp(prefix=f"planted-{name}-")
                value = _forms(name)[form]
                os.write(handle, value if isinstance(value, bytes) else value.encode())
                os.close(handle)
                paths[name, form] = path
        report = scan.ScanReport()
        scan.scan_folders(report, since=start)
    finally:
        for path in paths.values():
            os.unlink(path)
    for (name, form), path in paths.items():
        assert _kinds(report.findings, f"file {path}") == _expected(name), (name, form)


def test_frames_planted_in_log_messages_are_found():
    logger = logging.getLogger("interviews.media.host")
    with scan.LogCapture() as logs:
        for name in NAMES:
            logger.debug("frame %r", sample(name))
            logger.info("frame %s", _forms(name)["base64"])
            logger.warning("frame", extra={"picture": _forms(name)["data URL"]})
    assert len(logs.lines) == 3 * len(NAMES)
    report = scan.ScanReport()
    scan.scan_logs(report, logs)
    for number, name in enumerate(NAMES):
        for line in range(3 * number + 1, 3 * number + 4):
            where = next(f.where for f in report.findings if f.where.startswith(f"log line {line}:"))
            assert _kinds(report.findings, where) == _expected(name), (name, line)
    # The capture is over: records are no longer kept and levels are as they were.
    logger.info("after")
    assert len(logs.lines) == 3 * len(NAMES)
    assert logger.level == logging.NOTSET


def _found_in(report: scan.ScanReport, marker: str) -> set[str]:
    return {finding.kind for finding in report.findings if marker in finding.where}


def test_frames_planted_in_the_cache_are_found(fresh_redis):
    for name in NAMES:
        cache.set(f"planted-raw-{name}", sample(name))
        cache.set(f"planted-text-{name}", {"note": _forms(name)["data URL"]})
    try:
        report = scan.ScanReport()
        scan.scan_stores(report)
    finally:
        cache.delete_many([f"planted-{form}-{name}" for name in NAMES for form in ("raw", "text")])
    for name in NAMES:
        assert _found_in(report, f"planted-raw-{name}'") == _expected(name)
        assert _found_in(report, f"planted-text-{name}'") == _expected(name)


def test_frames_planted_in_channel_layer_messages_are_found(fresh_redis):
    layer = get_channel_layer()
    async_to_sync(layer.group_add)("planted", "planted.member")
    for name in NAMES:
        async_to_sync(layer.send)(f"planted.{name}", {"type": "planted", "frame": sample(name)})
    async_to_sync(layer.group_send)("planted", {"type": "planted", "text": _forms("jpeg")["base64"]})
    try:
        report = scan.ScanReport()
        scan.scan_stores(report)
    finally:
        async_to_sync(layer.flush)()
    for name in NAMES:
        assert _found_in(report, f"planted.{name}") == _expected(name)
    assert _found_in(report, "planted.member") == {"JPEG image"}


@pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task")
def test_frames_planted_in_celery_broker_messages_are_found(fresh_redis, settings):
    """send_task publishes even when tasks run eagerly: to Redis with REDIS_URL, else to kombu's
    in-memory transport, which is scanned too."""
    try:
        celery_app.send_task("planted.task", args=[_forms("webm")["data URL"]])
        report = scan.ScanReport()
        scan.scan_stores(report)
    finally:
        if not settings.REDIS_URL:
            from kombu.transport import memory

            memory.Channel.queues.pop("celery", None)
    broker = "redis list b'celery' (Celery broker)" if settings.REDIS_URL else "Celery in-memory queue celery"
    assert _found_in(report, broker) == _expected("webm")
    assert {finding.where for finding in report.findings} == {broker}


def test_demo_data_sessions_and_logins_are_clean(db):
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed with the test
    taxpayer = factories.TaxpayerFactory()
    client = Client()
    assert client.post("/accounts/login/", {"email": taxpayer.email, "password": "wrong"}).status_code in (200, 429)
    client.force_login(taxpayer)
    assert client.get("/me/").status_code == 200
    report = scan.ScanReport()
    scan.scan_database(report)
    assert report.findings == []
    assert report.counts["database rows"] > 50
    assert report.counts["database tables"] >= 20


NOT_MEDIA = [
    "BM",
    "Please bring your BMW papers. BM is my initials.",
    "RIFF and WAVE and WEBP are words; RIFFxxxxWEBP is not a picture",
    "OggS OpusHead ftyp DKIF fLaC ID3 JFIF Exif",
    "GIF89a is the name of a picture format, like PNG",
    "iVBORw0KGgo",  # base64 of the PNG signature alone, without its IHDR chunk
    "/9j/",  # base64 of the JPEG start alone
    "ffd8ff",
    "a3f1c2e4b5d6978812345678abcdef0123456789abcdef0123456789abcdef01",  # a SHA-256
    "Réservé à l'agent : numéro 42 ✓",
    b"BM\x10\x00\x00\x00\x01\x00\x00\x00",
    b"RIFF\x10\x00\x00\x00AVI?",
    b"\x9d\x01\x2a\x00\x00",
]


@pytest.mark.parametrize("value", NOT_MEDIA)
def test_ordinary_text_and_near_misses_are_not_media(value):
    assert scan.find_media(value, "note") == []


def test_words_in_notes_do_not_count_as_media(db):
    profile = factories.TaxpayerFactory().taxpayer_profile
    profile.other_needs = " ".join(value for value in NOT_MEDIA if isinstance(value, str))[:300]
    profile.save()
    report = scan.ScanReport()
    scan.scan_database(report)
    assert report.findings == []
    assert TaxpayerProfile.objects.get(pk=profile.pk).other_needs.startswith("BM Please bring")
