"""Errors of the reference evaluator, shaped like the engine's."""


class CompileError(ValueError):
    """A campaign that does not compile; ``path`` names the offending field."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason


class InvalidRequestError(ValueError):
    """Invalid caller input; ``field`` is the request field path."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason)
        self.field = field
        self.reason = reason


class ContextError(ValueError):
    """A malformed evaluation context (a server bug)."""
