"""promocore: a self-hosted promotion engine (coupons, auto promotions, gift cards, loyalty and
referrals) decided at checkout over gRPC. See README.md for the tour."""

from promocore.client.core import Client
from promocore.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    PromocoreError,
)

__version__ = "0.1.0"

__all__ = [
    "AlreadyExistsError",
    "Client",
    "FailedPreconditionError",
    "InvalidArgumentError",
    "NotFoundError",
    "PromocoreError",
    "__version__",
]
