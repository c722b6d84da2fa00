class AccountError(Exception):
    """A refused account change, with a message the person can read."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
