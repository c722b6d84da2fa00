"""What the server and the browser's scripts must agree on, defined once here.

The pages receive these values from `core.context_processors.protocol` (rendered in base.html
with json_script), so no script repeats a number.
"""

from enum import IntEnum


class CloseCode(IntEnum):
    """Why the server closed a WebSocket; the scripts do not reconnect after any of these."""

    # The browser has no signed-in session (it expired, or the person logged out elsewhere).
    NOT_SIGNED_IN = 4401
    # Signed in, but not allowed here: wrong role, second factor not passed, not a participant.
    FORBIDDEN = 4403
    # What the socket follows no longer exists: the taxpayer is no longer in the talk-now queue.
    NOT_FOUND = 4404
    # The interview's state refuses this connection: it has ended or is not open yet, it was
    # opened in another window, or the call is not live to monitor.
    CONFLICT = 4409
