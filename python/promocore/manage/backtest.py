"""Backtests: a campaign replayed on a file of past orders before launch (docs/backtest.md).

The file arrives in chunks (`AdminService.Backtest`, a request stream); each chunk is
decompressed here when gzip and handed as bytes to the engine (`_engine.Backtest`), which parses
and evaluates every order in Rust at the order's own time, with the usage counters simulated in
memory. Python only reads: the catalog (with_live), the campaign when given by id, and the
profiles of the customers the engine asks for. Nothing is written to the store and the
campaign is never published.
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar, cast

from promocore import _engine
from promocore.checkout.compiled import CampaignEntry, CompiledCampaigns, compile_campaign
from promocore.clock import Clock
from promocore.errors import InvalidArgumentError
from promocore.store import Store, Txn
from promocore.v1 import backtest_pb2, campaign_pb2
from promocore.v1.internal import evaluation_pb2

T = TypeVar("T")

# The engine evaluates at most this much of the file between two progress messages: a message
# of the stream (512 KiB from the CLI) is one piece. Each piece costs a progress message and the
# Python around two engine calls: 1,000,000 orders took 5.73 and 5.98 s in 256 KiB pieces, 5.20
# and 5.24 s one piece per message.
PROGRESS_BYTES = 1024 * 1024
INFLATED_BYTES = 4 * 1024 * 1024
# Messages of the stream received while the engine evaluates the ones before (its thread holds
# no GIL meanwhile): receiving and evaluating overlap on two cores.
READ_AHEAD_MESSAGES = 4
# How often a read-ahead thread whose reader has gone looks whether it should stop.
_READ_AHEAD_POLL_S = 0.5
MAX_SAMPLES_PER_OUTCOME = 50
DEFAULT_SAMPLES_PER_OUTCOME = 5
_GZIP_MAGIC = b"\x1f\x8b"
_FORMATS = {
    backtest_pb2.ORDERS_FORMAT_UNSPECIFIED: None,
    backtest_pb2.ORDERS_FORMAT_JSONL: "jsonl",
    backtest_pb2.ORDERS_FORMAT_CSV: "csv",
}
_BACKTESTED_TYPES = (campaign_pb2.PROMOTION, campaign_pb2.DISCOUNT_COUPONS)

# The stored profile of a customer (customer.segments, .aggregates, ...); None when unknown.
ProfileSource = Callable[[Txn, str, int], "evaluation_pb2.CustomerProfile | None"]
# Validates and compiles a campaign as CreateCampaign would, without storing it.
CampaignCheck = Callable[[campaign_pb2.Campaign], campaign_pb2.Campaign]


class Backtests:
    def __init__(
        self,
        store: Store,
        campaigns: CompiledCampaigns,
        clock: Clock,
        check_campaign: CampaignCheck,
        profiles: ProfileSource | None = None,
    ) -> None:
        self._store = store
        self._campaigns = campaigns
        self._clock = clock
        self._check_campaign = check_campaign
        self._profiles = profiles

    def run(
        self, requests: Iterable[backtest_pb2.BacktestRequest]
    ) -> Iterator[backtest_pb2.BacktestProgress]:
        """Progress after every PROGRESS_BYTES of the file; the last message has the report."""
        messages = iter(requests)
        first = next(messages, None)
        if first is None:
            raise InvalidArgumentError("request", "a backtest needs a first message")
        backtest = self._start(first)
        total = max(first.orders_size, 0)
        received = 0
        gunzip: zlib._Decompress | None = None
        started = False
        for request in _with_rest(first, _read_ahead(messages, READ_AHEAD_MESSAGES)):
            chunk = request.orders
            if not started and chunk:
                started = True
                if chunk.startswith(_GZIP_MAGIC):
                    gunzip = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
            # Pieces are views: the engine copies each once, into the buffer its parser takes.
            view = memoryview(chunk)
            for offset in range(0, len(chunk), PROGRESS_BYTES):
                piece = view[offset : offset + PROGRESS_BYTES]
                received += len(piece)
                for data in _inflated(gunzip, piece):
                    self._feed(backtest, data, last=False)
                yield _progress(backtest, received, total)
        if gunzip is not None:
            tail = gunzip.flush()
            if not gunzip.eof:
                raise InvalidArgumentError("orders", "the gzip file is cut short")
            self._feed(backtest, tail, last=False)
        self._feed(backtest, b"", last=True)
        done = _progress(backtest, received, total)
        done.done = True
        done.fraction = 1.0
        done.report.ParseFromString(backtest.report())
        yield done

    def _start(self, request: backtest_pb2.BacktestRequest) -> _engine.Backtest:
        samples = request.samples_per_outcome or DEFAULT_SAMPLES_PER_OUTCOME
        if not 0 <= request.samples_per_outcome <= MAX_SAMPLES_PER_OUTCOME:
            raise InvalidArgumentError(
                "samples_per_outcome", f"must be 0..{MAX_SAMPLES_PER_OUTCOME}"
            )
        if request.format not in _FORMATS:
            raise InvalidArgumentError("format", "ORDERS_FORMAT_JSONL or ORDERS_FORMAT_CSV")
        with self._store.read() as txn:
            campaign = self._subject(txn, request)
            if campaign.type not in _BACKTESTED_TYPES:
                field = "campaign.type" if request.HasField("campaign") else "campaign_id"
                raise InvalidArgumentError(
                    field, "a backtest takes a promotion or a coupon campaign"
                )
            tried = CampaignEntry(campaign=campaign, compiled=compile_campaign(campaign))
            snapshot = self._campaigns.snapshot(txn) if request.with_live else None
        code_record = None
        if campaign.type == campaign_pb2.DISCOUNT_COUPONS:
            # Every order presents a code of it (the engine lifts the code's own limit).
            code_record = campaign_pb2.Code(
                campaign_id=campaign.id, kind=campaign_pb2.CODE_KIND_DISCOUNT, active=True
            ).SerializeToString()
        baseline = None
        if snapshot is None:
            plan = _engine.CheckoutPlan([tried.compiled])
        else:
            live = [entry for entry in snapshot.entries if entry.campaign.id != campaign.id]
            stacking = (
                None
                if snapshot.stacking_rules is None
                else snapshot.stacking_rules.SerializeToString()
            )
            # Promotions join in id order, the tried campaign among them.
            with_tried = sorted([*live, tried], key=lambda entry: entry.campaign.id)
            plan = _engine.CheckoutPlan([e.compiled for e in with_tried], stacking)
            baseline = _engine.CheckoutPlan([e.compiled for e in snapshot.entries], stacking)
        return _engine.Backtest(
            plan,
            campaign.id,
            baseline=baseline,
            code_record=code_record,
            format=_FORMATS[request.format],
            samples_per_outcome=samples,
            per_order=request.per_order,
            now_ms=self._clock.now_ms(),
        )

    def _subject(self, txn: Txn, request: backtest_pb2.BacktestRequest) -> campaign_pb2.Campaign:
        """The campaign to try, as if active and published."""
        which = request.WhichOneof("subject")
        if which == "campaign_id":
            campaign = self._store.catalog.get_campaign(txn, request.campaign_id)
        elif which == "campaign":
            campaign = campaign_pb2.Campaign()
            campaign.CopyFrom(request.campaign)
            if not campaign.id:
                campaign.id = "backtest"
        else:
            raise InvalidArgumentError("campaign", "a campaign or a campaign_id is required")
        campaign.active = True
        campaign.draft = False
        return campaign if which == "campaign_id" else self._check_campaign(campaign)

    def _feed(self, backtest: _engine.Backtest, data: bytes | memoryview, *, last: bool) -> None:
        """Hands the engine a piece of the file and the profiles of the customers it names."""
        customers = _engine_call(backtest.feed, data, last)
        profiles: list[bytes | None] = []
        if customers and self._profiles is not None:
            now_ms = self._clock.now_ms()
            with self._store.read() as txn:
                for customer_id in customers:
                    profile = self._profiles(txn, customer_id, now_ms)
                    profiles.append(None if profile is None else profile.SerializeToString())
        else:
            profiles = [None] * len(customers)
        _engine_call(backtest.evaluate, profiles)


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_END = object()


def _read_ahead(messages: Iterator[T], depth: int) -> Iterator[T]:
    """`messages`, received by a thread of its own up to `depth` ahead of their reader. The
    thread ends with the stream, or soon after the reader stops (its queue no longer drained)."""
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def hand_over(item: object) -> bool:
        while not stopped.is_set():
            try:
                ready.put(item, timeout=_READ_AHEAD_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def receive() -> None:
        try:
            for message in messages:
                if not hand_over(message):
                    return
        except BaseException as error:  # handed to the reader, raised there
            hand_over(_Failed(error))
            return
        hand_over(_END)

    threading.Thread(target=receive, name="promocore-backtest-receive", daemon=True).start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield cast(T, item)
    finally:
        stopped.set()


def _with_rest(
    first: backtest_pb2.BacktestRequest, rest: Iterator[backtest_pb2.BacktestRequest]
) -> Iterator[backtest_pb2.BacktestRequest]:
    yield first
    yield from rest


def _inflated(
    gunzip: zlib._Decompress | None, data: bytes | memoryview
) -> Iterator[bytes | memoryview]:
    """The file's bytes in `data`, decompressed when gzip, at most INFLATED_BYTES at a time (a
    small compressed chunk may hold a lot)."""
    if gunzip is None:
        yield data
        return
    while data:
        if gunzip.eof:
            raise InvalidArgumentError("orders", "bytes after the end of the gzip file")
        try:
            inflated = gunzip.decompress(data, INFLATED_BYTES)
        except zlib.error as error:
            raise InvalidArgumentError("orders", f"not a valid gzip file: {error}") from None
        data = gunzip.unconsumed_tail
        yield inflated


def _engine_call(method: Callable[..., T], *args: object) -> T:
    """An engine call; a line that is not an order is INVALID_ARGUMENT on "orders"."""
    try:
        return method(*args)
    except _engine.InvalidRequestError as error:
        raise InvalidArgumentError(error.field, error.reason) from None


def _progress(
    backtest: _engine.Backtest, received: int, total: int
) -> backtest_pb2.BacktestProgress:
    return backtest_pb2.BacktestProgress(
        orders=backtest.orders,
        bytes_received=received,
        bytes_total=total,
        fraction=min(received / total, 1.0) if total else 0.0,
    )
