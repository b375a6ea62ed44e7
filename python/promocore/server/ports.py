"""The addresses `promocore serve` listens on, claimed before anything else starts.

A claim is a bound, never listening socket that holds its address for this server alone. It is
bound exclusively (no SO_REUSEPORT at bind time), so it fails when anything else holds the
address: another promocore, or any other program. Once bound, it turns SO_REUSEPORT on, so this
server's own workers (and the single process's gRPC and HTTP servers) can bind the same address
beside it, and SO_REUSEADDR off, so that a second claim always conflicts with it even while no
worker is listening (between restarts). Binding first and widening after leaves no window in
which an unrelated process could slip in.

SO_REUSEADDR at bind time only lets a restarted server take its address back while connections
of the previous one are in TIME_WAIT; it never lets two sockets share a listening address.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass, field


class AddressInUse(OSError):
    """The address is held by a process that is not one of this server's workers."""


def split_listen(listen: str, flag: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"{flag} must be HOST:PORT, got {listen!r}")
    return host.strip("[]"), int(port)


def join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass
class Claim:
    """One claimed address: `listen` names it with the real port (port 0 picks one)."""

    flag: str
    socket: socket.socket = field(repr=False)

    @property
    def host(self) -> str:
        return str(self.socket.getsockname()[0])

    @property
    def port(self) -> int:
        return int(self.socket.getsockname()[1])

    @property
    def listen(self) -> str:
        return join_host_port(self.host, self.port)

    def close(self) -> None:
        self.socket.close()


def claim(listen: str, flag: str) -> Claim:
    """Claims `listen` (HOST:PORT) for this server, or raises AddressInUse naming it and `flag`."""
    host, port = split_listen(listen, flag)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    holder = socket.socket(family, socket.SOCK_STREAM)
    try:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind((host, port))
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    except OSError as error:
        holder.close()
        if error.errno == errno.EADDRINUSE:
            raise AddressInUse(
                f"{flag} {join_host_port(host, port)} is already in use by another process "
                "(another promocore serve, or any other program); stop it or choose another "
                "address. Nothing was started and no data was touched",
            ) from None
        raise OSError(f"{flag} {listen}: {error.strerror}") from None
    return Claim(flag, holder)


@dataclass
class ServePorts:
    """The addresses of one `promocore serve`: gRPC always, HTTP and metrics when asked for."""

    grpc: Claim
    http: Claim | None = None
    metrics: Claim | None = None

    @classmethod
    def claim(
        cls, listen: str, http_listen: str | None = None, metrics_listen: str | None = None
    ) -> ServePorts:
        """Claims them all or none (AddressInUse names the first one held elsewhere)."""
        held = cls(claim(listen, "--listen"))
        try:
            if http_listen is not None:
                held.http = claim(http_listen, "--http-listen")
            if metrics_listen is not None:
                held.metrics = claim(metrics_listen, "--metrics-listen")
        except OSError:
            held.close()
            raise
        return held

    def close(self) -> None:
        for taken in (self.grpc, self.http, self.metrics):
            if taken is not None:
                taken.close()
