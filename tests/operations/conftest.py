from tests.interviews.conftest import _channel_layer_per_test  # noqa: F401  (a channel layer per test's loop)
