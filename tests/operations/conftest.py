# Fixtures shared with the interview tests: a channel layer per test's loop, and a media host.
from tests.interviews.conftest import _channel_layer_per_test  # noqa: F401
from tests.interviews.test_media_host import host  # noqa: F401
