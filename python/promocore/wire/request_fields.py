"""Request fields every service reads the same way: a record's id, a page's size."""

from __future__ import annotations

import re

from promocore.errors import InvalidArgumentError

# Ids of campaigns, segments, distributions (what a request names a new record by).
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def page_size(page: object, field: str = "page.page_size") -> int:
    """The page size a list request asks for (its `page`), DEFAULT_PAGE_SIZE when unset."""
    size = getattr(page, "page_size", 0)
    if size < 0 or size > MAX_PAGE_SIZE:
        raise InvalidArgumentError(field, f"must be 0..{MAX_PAGE_SIZE}")
    return size or DEFAULT_PAGE_SIZE
