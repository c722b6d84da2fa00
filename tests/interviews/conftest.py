import sys
import types

try:
    import daphne.testing  # noqa: F401
except ImportError:
    # channels.testing imports daphne for ChannelsLiveServerTestCase alone, and LiveVerify does not
    # install daphne (uvicorn serves it). WebsocketCommunicator needs only asgiref, so stand in an
    # empty daphne.testing until daphne (channels[daphne]) is a dev requirement.
    daphne_testing = types.ModuleType("daphne.testing")
    daphne_testing.DaphneProcess = None
    sys.modules.setdefault("daphne", types.ModuleType("daphne"))
    sys.modules["daphne.testing"] = daphne_testing
