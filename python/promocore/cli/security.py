"""The security side of the `promocore` command: `serve` flags (auth, TLS, limits), the bootstrap
admin key, `promocore keys ...`, and the client's TLS flags."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, cast

import grpc

from promocore.checkout.guess_guard import GuessLimits
from promocore.cli.output import print_table
from promocore.manage import api_keys
from promocore.server.load_shedding import (
    DEFAULT_IN_SERVICE,
    DEFAULT_MAX_QUEUE_MS,
    DEFAULT_TARGET_MS,
)
from promocore.server.request_guard import DEFAULT_MAX_MESSAGE_BYTES
from promocore.wire.tls import TlsFiles, channel_credentials

log = logging.getLogger("promocore.security")
_DEFAULT_GUESSES = GuessLimits()


def _in_service(value: str) -> int | None:
    """--in-service-rpcs: a positive number, or "auto" (None)."""
    if value == "auto":
        return None
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"a positive number or auto, got {value!r}")
    return int(value)


def add_client_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tls-ca", type=Path, help="CA of the server's certificate (TLS)")
    parser.add_argument("--tls-client-cert", type=Path, help="client certificate (mutual TLS)")
    parser.add_argument("--tls-client-key", type=Path, help="client private key (mutual TLS)")


def client_credentials(args: argparse.Namespace) -> grpc.ChannelCredentials | None:
    if not (args.tls_ca or args.tls_client_cert):
        return None
    return channel_credentials(args.tls_ca, args.tls_client_cert, args.tls_client_key)


def add_serve_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--no-auth", action="store_true", help="serve without API keys (trusted networks only)"
    )
    serve.add_argument("--tls-cert", type=Path, help="server certificate chain, PEM")
    serve.add_argument("--tls-key", type=Path, help="server private key, PEM")
    serve.add_argument(
        "--tls-client-ca", type=Path, help="require client certificates signed by this CA (mTLS)"
    )
    serve.add_argument(
        "--max-concurrent-rpcs",
        type=int,
        default=256,
        help="RPCs in progress or queued per process; beyond, RESOURCE_EXHAUSTED at once",
    )
    serve.add_argument(
        "--shed-target-ms",
        type=float,
        default=DEFAULT_TARGET_MS,
        help="queueing delay past which an overloaded process refuses RPCs (CoDel target)",
    )
    serve.add_argument(
        "--in-service-rpcs",
        type=_in_service,
        default=DEFAULT_IN_SERVICE,
        metavar="N|auto",
        help="checkout reads and admin RPCs running at once per process; the rest wait "
        "(default auto: as many as fit in --shed-target-ms at their measured cost)",
    )
    serve.add_argument(
        "--max-queue-ms",
        type=float,
        default=DEFAULT_MAX_QUEUE_MS,
        help="longest wait of those RPCs for their turn; beyond, RESOURCE_EXHAUSTED",
    )
    serve.add_argument(
        "--max-message-bytes",
        type=int,
        default=DEFAULT_MAX_MESSAGE_BYTES,
        help="largest request message; beyond, INVALID_ARGUMENT",
    )
    serve.add_argument(
        "--guess-window",
        type=float,
        default=_DEFAULT_GUESSES.window_ms / 1000,
        help="seconds over which unknown codes are counted (anti-enumeration)",
    )
    for kind, default in (
        ("key", _DEFAULT_GUESSES.per_key),
        ("customer", _DEFAULT_GUESSES.per_customer),
        ("address", _DEFAULT_GUESSES.per_address),
    ):
        serve.add_argument(
            f"--guesses-per-{kind}",
            type=int,
            default=default,
            help=f"unknown codes allowed per {kind} and window (0 = not counted)",
        )


def serve_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ServerOptions fields of the security flags."""
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ValueError("--tls-cert and --tls-key go together")
    if args.tls_client_ca and not args.tls_cert:
        raise ValueError("--tls-client-ca needs --tls-cert and --tls-key")
    tls = TlsFiles(args.tls_cert, args.tls_key, args.tls_client_ca) if args.tls_cert else None
    return {
        "auth": not args.no_auth,
        "tls": tls,
        "max_concurrent_rpcs": args.max_concurrent_rpcs,
        "shed_target_ms": args.shed_target_ms,
        "in_service_rpcs": args.in_service_rpcs,
        "max_queue_ms": args.max_queue_ms,
        "max_message_bytes": args.max_message_bytes,
        "guess_limits": GuessLimits(
            window_ms=int(args.guess_window * 1000),
            per_key=args.guesses_per_key,
            per_customer=args.guesses_per_customer,
            per_address=args.guesses_per_address,
        ),
    }


def ensure_admin_key(data_dir: Path | str, bootstrap_key: str | None) -> None:
    """On a store without keys: installs `bootstrap_key`, or creates one and prints it once on
    stdout (the log only ever shows its public prefix)."""
    from promocore.store import open_store

    store = open_store(data_dir)
    try:
        keys = api_keys.ApiKeys(store, store.clock)
        if keys.has_keys():
            return
        key = bootstrap_key or api_keys.new_key()
        if not keys.install_bootstrap(key):
            return
        key_id = api_keys.key_id_of(key)
        assert key_id is not None, "install_bootstrap refuses a key without an id"
        shown = api_keys.shown(key_id)
        if bootstrap_key:
            from promocore.server.grpc_server import BOOTSTRAP_KEY_ENV

            log.info("installed the bootstrap admin key %s from $%s", shown, BOOTSTRAP_KEY_ENV)
        else:
            log.info("created the bootstrap admin key %s", shown)
        if not bootstrap_key:
            print(
                f"bootstrap admin key (shown once; keep it, e.g. export PROMOCORE_API_KEY=...):\n"
                f"  {key}",
                flush=True,
            )
    finally:
        store.close()


def add_key_commands(commands: Any, client_of: Any) -> None:
    keys = commands.add_parser("keys", help="create, list and revoke API keys")
    sub = keys.add_subparsers(metavar="ACTION", required=True)
    local_help = "act on this store directly instead of through the server (no key needed)"

    create = sub.add_parser("create", help="create a key; its secret is shown only now")
    create.add_argument("--name", required=True, help="who uses the key, e.g. shop or pos-12")
    create.add_argument(
        "--role",
        required=True,
        choices=("checkout", "pos", "admin", "read_only", "support"),
        help="what the key may call (docs/security.md)",
    )
    create.add_argument("--data-dir", type=Path, help=local_help)
    create.set_defaults(run=lambda args: _keys_create(args, client_of))

    listing = sub.add_parser("list", help="list keys (never their secrets)")
    listing.set_defaults(run=lambda args: _keys_list(args, client_of))

    revoke = sub.add_parser("revoke", help="revoke a key (refused everywhere within 1 s)")
    revoke.add_argument("id")
    revoke.set_defaults(run=lambda args: _keys_revoke(args, client_of))


def _keys_create(args: argparse.Namespace, client_of: Any) -> int:
    if args.data_dir is not None:
        from promocore.store import open_store
        from promocore.v1 import admin_pb2
        from promocore.wire.plain import to_plain

        store = open_store(args.data_dir)
        try:
            # Role.Value refuses an unknown name; protobuf's stubs type its answer as an int.
            role = cast(admin_pb2.Role, admin_pb2.Role.Value(f"ROLE_{args.role.upper()}"))
            created = to_plain(api_keys.ApiKeys(store, store.clock).create(args.name, role))
        finally:
            store.close()
    else:
        created = client_of(args).create_api_key(args.name, args.role)
    key = created["api_key"]
    print(f"{key['id']}  {key['role'].removeprefix('ROLE_').lower()}  {key['name']}")
    print(f"secret (shown once): {created['secret']}")
    return 0


def _keys_list(args: argparse.Namespace, client_of: Any) -> int:
    rows = [
        (
            key["id"],
            key["role"].removeprefix("ROLE_").lower(),
            "revoked" if key.get("revoked_at") else "active",
            key["name"],
        )
        for key in client_of(args).list_api_keys()
    ]
    print_table(
        ("id", "role", "state", "name"), rows, lambda r: f"{r[0]}  {r[1]:<9}  {r[2]:<7}  {r[3]}"
    )
    return 0


def _keys_revoke(args: argparse.Namespace, client_of: Any) -> int:
    key = client_of(args).revoke_api_key(args.id)
    print(f"revoked {key['id']} ({key['name']})", file=sys.stdout)
    return 0
