import pytest
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers


@pytest.fixture(autouse=True)
def _channel_layer_per_test():
    """A channel layer instance of its own for each test, as each test runs in an event loop of its own:
    channels-redis keeps asyncio locks per instance (bound to the loop that first waits on them), and one
    left behind by an earlier test's loop fails the next test with "bound to a different event loop"."""
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
    yield
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
