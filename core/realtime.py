"""Messages to WebSocket pages through the channel layer, sent once the transaction commits."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def group_send_now(group: str, event: dict) -> None:
    """Send an event to a channel-layer group from synchronous code."""
    async_to_sync(get_channel_layer().group_send)(group, event)


def group_send_on_commit(group: str, event: dict) -> None:
    """Send an event to a channel-layer group after the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: group_send_now(group, event))
