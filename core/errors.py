"""The one domain error: a refused change, with a message the person can read."""


class DomainError(Exception):
    """A service refused a change; `message` is for the person, `code` for programs."""

    def __init__(self, message: str, *, code: str = "invalid", suggestions: list | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.suggestions = suggestions or []  # other choices to offer, e.g. the nearest open times
