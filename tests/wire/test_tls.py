"""TLS and mutual TLS round trips with a CA made inside the test."""

from __future__ import annotations

import pytest
from certs import Authority

from promocore import Client
from promocore.errors import UnavailableError
from promocore.server.grpc_server import ServerOptions, start_server
from promocore.wire.tls import TlsFiles, channel_credentials

from support import TEST_ADMIN_KEY, cart, coupon


@pytest.fixture
def authority(tmp_path) -> Authority:
    (tmp_path / "pki").mkdir()
    return Authority(tmp_path / "pki")


def serve(tmp_path, clock, tls: TlsFiles):
    return start_server(
        tmp_path / "data", "127.0.0.1:0", clock=clock, options=ServerOptions(tls=tls)
    )


def round_trip(client: Client) -> None:
    code = coupon(client, "c1", "SAVE1")
    answer = client.validate(cart(("A", 1000, 1)), codes=[code])
    assert answer["redeemables"][0]["status"] == "APPLICABLE"


def test_a_tls_round_trip(tmp_path, clock, authority):
    issued = authority.issue("server", server=True)
    running = serve(tmp_path, clock, TlsFiles(issued.cert, issued.key))
    target = f"127.0.0.1:{running.port}"
    try:
        secure = channel_credentials(ca=authority.files.cert)
        with Client(target, api_key=TEST_ADMIN_KEY, credentials=secure, timeout=10) as client:
            round_trip(client)
        with (
            Client(target, api_key=TEST_ADMIN_KEY, timeout=2) as plaintext,
            pytest.raises(UnavailableError),
        ):
            plaintext.list_campaigns()
    finally:
        running.stop(grace=None)


def test_an_mtls_round_trip_and_a_client_without_a_certificate_is_refused(
    tmp_path, clock, authority
):
    issued = authority.issue("server", server=True)
    tls = TlsFiles(issued.cert, issued.key, client_ca=authority.files.cert)
    running = serve(tmp_path, clock, tls)
    target = f"127.0.0.1:{running.port}"
    till = authority.issue("till-7", server=False)
    stranger_ca = Authority(tmp_path / "pki", name="other CA")
    stranger = stranger_ca.issue("stranger", server=False)
    try:
        mutual = channel_credentials(authority.files.cert, till.cert, till.key)
        with Client(target, api_key=TEST_ADMIN_KEY, credentials=mutual, timeout=10) as client:
            round_trip(client)
        for credentials in (
            channel_credentials(ca=authority.files.cert),
            channel_credentials(authority.files.cert, stranger.cert, stranger.key),
        ):
            with (
                Client(target, api_key=TEST_ADMIN_KEY, credentials=credentials, timeout=2) as c,
                pytest.raises(UnavailableError),
            ):
                c.list_campaigns()
    finally:
        running.stop(grace=None)
