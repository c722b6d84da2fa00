"""Live updates after a queue or state change: the queue's places and estimates to each language's
group, and a nudge to every supervisor's dashboard and agent's page. Sent once per transaction,
after it commits."""

import threading
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from operations.events import OperationsChanged, QueueUpdate

STAFF_GROUP = "operations-staff"
_pending = threading.local()


def queue_group(language: str) -> str:
    return f"queue-{language}"


def queue_changed(language: str | None = None, *, taken=None) -> None:
    """Schedule the updates for after the commit; `language` None means every language's
    estimates may have moved (an agent's state changed)."""
    scheduled = _schedule()
    if language is None:
        _pending.all = True
    else:
        _pending.languages.add(language)
    if taken is not None:
        _pending.taken.append(taken.pk)
    if not scheduled:  # outside a transaction this sends at once, so the news is in place first
        transaction.on_commit(_flush)


def presence_changed() -> None:
    """A queue page closed or came back: places and estimates stay as they are, so only the
    staff's pages are told (500 pages closing at once must not mean 500 sends of the whole queue)."""
    if not _schedule():
        transaction.on_commit(_flush)


def _schedule() -> bool:
    """Start this transaction's news if it has none yet; whether it had."""
    scheduled = any(callback[1] is _flush for callback in transaction.get_connection().run_on_commit)
    if not scheduled:  # the first change of this transaction (or one rolled back left stale news)
        _pending.languages, _pending.all, _pending.taken = set(), False, []
    return scheduled


def _sharing(languages: set[str], agents) -> set[str]:
    """The languages whose estimates a change in `languages` moves: those an agent on duty
    serves together with one of them (bilingual agents link the lines), and so on."""
    linked = set(languages)
    grew = True
    while grew:
        grew = False
        for agent in agents:
            if agent.languages & linked and not agent.languages <= linked:
                linked |= agent.languages
                grew = True
    return linked


def queue_message(*, language: str, rows: list[dict], taken: list[int]) -> dict:
    """What every queue socket of a language is sent: each waiting entry's place and estimate
    (`rows`, the language's line from `selectors.queue_lines`)."""
    from operations import selectors

    rules = selectors.queue_settings_get()
    return QueueUpdate(
        open=language in rules.open_languages,
        entries=dict(_place(row) for row in rows),
        taken=[str(pk) for pk in taken],
        interview_url=reverse("interviews:join"),
    ).model_dump()


def _place(row: dict) -> tuple[str, dict]:
    """One entry's Place. A dict, which QueueUpdate checks as a Place: twice as fast for a long line
    as building each Place in Python."""
    entry, estimate = row["entry"], row["estimate"]
    return str(entry.pk), {
        "position": row["position"],
        "low": estimate[0] if estimate else None,
        "high": estimate[1] if estimate else None,
        "ask_ready": entry.ready_requested_at is not None and entry.ready_confirmed_at is None,
        "ready": entry.ready_confirmed_at is not None,
    }


def place_message(*, entry, now=None) -> dict:
    """The queue.update a socket that just opened is sent: its own place only, the whole queue unread."""
    from operations import selectors

    rules = selectors.queue_settings_get()
    key, place = _place(selectors.queue_place(entry=entry, now=now or timezone.now()))
    return QueueUpdate(
        open=entry.language in rules.open_languages,
        entries={key: place},
        taken=[],
        interview_url=reverse("interviews:join"),
    ).model_dump()


def _flush() -> None:
    from operations import selectors

    languages, everything, taken = _pending.languages, _pending.all, _pending.taken
    _pending.languages, _pending.all, _pending.taken = set(), False, []
    now = timezone.now()
    if everything:
        languages = set(selectors.queue_languages())
    elif languages:
        languages = _sharing(languages, selectors.agents_on_duty(now=now)) & set(selectors.queue_languages())
    layer = get_channel_layer()
    lines = selectors.queue_lines(now=now) if languages else {}
    for language in sorted(languages):
        message = queue_message(language=language, rows=lines.get(language, []), taken=taken)
        async_to_sync(layer.group_send)(queue_group(language), message)
    # The stamp lets the supervisors' dashboards in one process render each change once.
    async_to_sync(layer.group_send)(STAFF_GROUP, OperationsChanged(stamp=uuid.uuid4().hex).model_dump())
