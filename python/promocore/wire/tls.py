"""TLS and mutual TLS from PEM files (`promocore serve --tls-cert --tls-key [--tls-client-ca]`).

With a client CA, the server asks every client for a certificate signed by it and refuses the
connection without one (mTLS); API keys are still checked on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    # CA that signs client certificates; set = mutual TLS required.
    client_ca: Path | None = None

    def server_credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.key.read_bytes(), self.cert.read_bytes())],
            root_certificates=self.client_ca.read_bytes() if self.client_ca else None,
            require_client_auth=self.client_ca is not None,
        )


def channel_credentials(
    ca: Path | None = None, cert: Path | None = None, key: Path | None = None
) -> grpc.ChannelCredentials:
    """What a client presents: the CA that signed the server (default: the system's), and for
    mTLS its own certificate and key."""
    return grpc.ssl_channel_credentials(
        root_certificates=ca.read_bytes() if ca else None,
        private_key=key.read_bytes() if key else None,
        certificate_chain=cert.read_bytes() if cert else None,
    )
