"""What the interview app tells (and asks) the apps above it, without importing them.
Receivers are connected in those apps' AppConfig.ready()."""

from django.dispatch import Signal

# A session changed state or a participant (dis)connected; sent inside the transaction that
# changed it, with session=. Operations moves the agent's state and tells dashboards.
session_changed = Signal()

# A participant's signaling socket is open; receivers return a list of channel-layer events
# (dicts with a dotted "type") to replay to that participant alone, e.g. a challenge on screen.
# Arguments: session_id=, role=.
participant_joined = Signal()

# Old call metadata is being purged: receivers delete their own rows about these sessions and
# return a dict of counts to add to the purge's result. Arguments: sessions= (a queryset).
metadata_purging = Signal()
