"""StoreRefused: a store that promocore will not open (damaged, foreign, truncated), said in one
line that names the file and what to do. A ValueError, so the CLI prints it and exits 2 (a
problem with what it was given, like a bad flag), never a traceback."""

from __future__ import annotations


class StoreRefused(ValueError):
    """The store at a location must not be opened; the message says why and what to do."""
