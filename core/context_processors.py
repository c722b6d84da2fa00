from django.http import HttpRequest

from core.protocol import CloseCode

_CLOSE_CODES = {code.name: code.value for code in CloseCode}


def protocol(request: HttpRequest) -> dict:
    """The WebSocket close codes, for base.html to hand to the scripts."""
    return {"close_codes": _CLOSE_CODES}
