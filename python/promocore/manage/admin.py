"""Campaign and code management over the store (the logic behind AdminService).

Every campaign is compiled by the engine before it is stored, so a campaign that is in the store
always compiles; a compile error comes back as INVALID_ARGUMENT naming the path in the campaign.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from promocore import _engine
from promocore.checkout.compiled import compile_campaign
from promocore.clock import Clock
from promocore.errors import AlreadyExistsError, InvalidArgumentError
from promocore.manage.code_files import export_chunks, parse_code_rows, qr_image
from promocore.manage.reports import campaign_report
from promocore.programs.loyalty.settings import validate_program_settings
from promocore.store import Store, Txn, audit_log
from promocore.store.catalog import require_code
from promocore.store.code_batches import add_code_batch
from promocore.store.codegen import (
    CODE_KIND_BY_CAMPAIGN_TYPE,
    MAX_COLLISIONS_IN_A_ROW,
    CodePattern,
)
from promocore.store.counters import CounterKeys
from promocore.store.failures import STORE_FAILURES, store_answer
from promocore.store.keys import decode_counter, normalize_code
from promocore.v1 import admin_pb2, campaign_pb2, checkout_pb2
from promocore.wire.request_fields import ID_PATTERN, page_size

MAX_CODE_LENGTH = 64
MAX_CODES_PER_BATCH = 10_000_000
MAX_RETURNED_CODES = 10_000
# Codes written per LMDB transaction (one sync and one progress message each) during bulk
# generation; large, because each commit rewrites the B-tree pages the chunk touched.
GENERATION_CHUNK = 100_000
# Gift cards and loyalty cards (a balance credited per code) go through the slower path.
BALANCE_GENERATION_CHUNK = 5_000
# Generous bounds of the store's bytes per generated code (record, index entry, B-tree pages),
# and per card with a balance (its ledger entries and counters too): the disk space reserved
# before a chunk's transaction (Store.reserve).
CODE_BYTES_ON_DISK = 512
CARD_BYTES_ON_DISK = 2048

# A reason given with a change, as people type it.
MAX_REASON_LENGTH = 200


class Admin:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    # Campaigns -----------------------------------------------------------------------------

    def create_campaign(self, campaign: campaign_pb2.Campaign) -> campaign_pb2.Campaign:
        return self._store_new_campaign(self._prepared(campaign, assign_id=True), "CreateCampaign")

    def update_campaign(
        self, campaign: campaign_pb2.Campaign, expected_version: int = 0
    ) -> campaign_pb2.Campaign:
        if not campaign.id:
            raise InvalidArgumentError("campaign.id", "required")
        campaign = self._prepared(campaign, assign_id=False)
        with self._store.write() as txn:
            current = self._store.catalog.get_campaign(txn, campaign.id)
            campaign.created_at.CopyFrom(current.created_at)
            campaign.updated_at.FromMilliseconds(self._clock.now_ms())
            stored = self._store.catalog.put_new_version(
                txn, campaign, create=False, expected_version=expected_version
            )
            self._audit(txn, "UpdateCampaign", f"campaign/{stored.id}", current, stored)
        return self._with_status(stored)

    def set_campaign_active(
        self, campaign_id: str, active: bool, reason: str = ""
    ) -> campaign_pb2.Campaign:
        """The kill switch: a new version whose only change is `active`; `reason` goes into the
        audit entry."""
        if len(reason) > MAX_REASON_LENGTH:
            raise InvalidArgumentError("reason", f"at most {MAX_REASON_LENGTH} characters")
        with self._store.write() as txn:
            campaign = self._store.catalog.get_campaign(txn, _required(campaign_id, "id"))
            before = campaign_pb2.Campaign()
            before.CopyFrom(campaign)
            campaign.active = active
            campaign.updated_at.FromMilliseconds(self._clock.now_ms())
            stored = self._store.catalog.put_new_version(txn, campaign, create=False)
            after = {"reason": reason, "campaign": stored} if reason else stored
            self._audit(txn, "SetCampaignActive", f"campaign/{stored.id}", before, after)
        return self._with_status(stored)

    def duplicate_campaign(
        self, campaign_id: str, new_id: str = "", new_name: str = ""
    ) -> campaign_pb2.Campaign:
        """A copy as a new campaign at version 1, created disabled (nothing goes live until
        someone enables it); its id is `new_id`, or when empty the original's with `-copy`
        (`-copy-2`, ... when taken). Codes and redemptions stay with the original."""
        with self._store.read() as txn:
            source = self._store.catalog.get_campaign(txn, _required(campaign_id, "id"))
            if not new_id:
                # Readable: the new name's words, else the original's id, with "-copy".
                named = re.sub(r"[^A-Za-z0-9]+", "-", new_name).strip("-").lower()[:48]
                base = named or f"{source.id}-copy"
                new_id, taken = base, 1
                while self._store.catalog.head_version(txn, new_id) is not None:
                    taken += 1
                    new_id = f"{base}-{taken}"
        copy = campaign_pb2.Campaign()
        copy.CopyFrom(source)
        copy.id = new_id
        copy.name = new_name or f"{source.name} (copy)"
        copy.active = False
        prepared = self._prepared(copy, assign_id=True)
        return self._store_new_campaign(prepared, "DuplicateCampaign", copied_from=campaign_id)

    def checked_campaign(self, campaign: campaign_pb2.Campaign) -> campaign_pb2.Campaign:
        """The campaign as CreateCampaign would store it (validated, compiled), not stored."""
        return self._prepared(campaign, assign_id=True)

    def _store_new_campaign(
        self, campaign: campaign_pb2.Campaign, action: str, copied_from: str = ""
    ) -> campaign_pb2.Campaign:
        """Stores a prepared campaign as version 1, audited as `action`."""
        now_ms = self._clock.now_ms()
        campaign.created_at.FromMilliseconds(now_ms)
        campaign.updated_at.FromMilliseconds(now_ms)
        with self._store.write() as txn:
            stored = self._store.catalog.put_new_version(txn, campaign, create=True)
            after = {"duplicated_from": copied_from, "campaign": stored} if copied_from else stored
            self._audit(txn, action, f"campaign/{stored.id}", None, after)
        return self._with_status(stored)

    def get_campaign(self, campaign_id: str, version: int = 0) -> campaign_pb2.Campaign:
        with self._store.read() as txn:
            campaign = self._store.catalog.get_campaign(txn, _required(campaign_id, "id"), version)
        return self._with_status(campaign)

    def list_campaigns(
        self, request: admin_pb2.ListCampaignsRequest
    ) -> admin_pb2.ListCampaignsResponse:
        limit = page_size(request.page)
        response = admin_pb2.ListCampaignsResponse()
        with self._store.read() as txn:
            for campaign in self._store.catalog.iter_campaigns(txn, request.page.page_token):
                if request.type and campaign.type != request.type:
                    continue
                if len(response.campaigns) == limit:
                    response.next_page_token = response.campaigns[-1].id
                    break
                response.campaigns.append(self._with_status(campaign))
        return response

    def _prepared(
        self, campaign: campaign_pb2.Campaign, *, assign_id: bool
    ) -> campaign_pb2.Campaign:
        """A copy with output-only fields cleared, validated and compiled."""
        prepared = campaign_pb2.Campaign()
        prepared.CopyFrom(campaign)
        for output_only in ("status", "version", "created_at", "updated_at"):
            prepared.ClearField(output_only)
        if not prepared.name.strip():
            raise InvalidArgumentError("campaign.name", "required")
        if assign_id and not prepared.id:
            slug = re.sub(r"[^A-Za-z0-9]+", "-", prepared.name).strip("-").lower()[:48]
            prepared.id = f"{slug or 'campaign'}-{secrets.token_hex(3)}"
        if not ID_PATTERN.match(prepared.id):
            raise InvalidArgumentError("campaign.id", "1..64 characters of [A-Za-z0-9_-]")
        if prepared.type == campaign_pb2.CAMPAIGN_TYPE_UNSPECIFIED:
            raise InvalidArgumentError("campaign.type", "required")
        if not prepared.HasField("active"):
            prepared.active = True
        try:
            compile_campaign(prepared)
        except _engine.CompileError as error:
            raise InvalidArgumentError(f"campaign.{error.path}", error.reason) from None
        validate_program_settings(prepared)
        return prepared

    def _with_status(self, campaign: campaign_pb2.Campaign) -> campaign_pb2.Campaign:
        campaign.status = campaign_status(campaign, self._clock.now_ms())
        return campaign

    # Codes ---------------------------------------------------------------------------------

    def create_code(
        self,
        code: campaign_pb2.Code,
        *,
        publish: Callable[[Any, campaign_pb2.Code], object] | None = None,
    ) -> campaign_pb2.Code:
        """Stores a new code. `publish(txn, code)`, in the same transaction, puts a code assigned
        to a customer in that customer's wallet (cdp's publications), as PublishCode does."""
        self._check_new_code(code, "code.")
        new_code = campaign_pb2.Code()
        new_code.CopyFrom(code)
        new_code.ClearField("redeemed_quantity")
        with self._store.write() as txn:
            campaign = self._store.catalog.get_campaign(
                txn, _required(code.campaign_id, "code.campaign_id")
            )
            self._fill_code_defaults(new_code, campaign)
            if not self._store.catalog.add_code(txn, new_code):
                raise AlreadyExistsError(f"code {code.code!r} already exists")
            self._credit_issued_balance(txn, new_code)
            if publish is not None and new_code.assigned_customer_id:
                publish(txn, new_code)
            self._audit(txn, "CreateCode", f"code/{new_code.code}", None, new_code)
        return new_code

    def generate_codes(
        self, request: admin_pb2.GenerateCodesRequest
    ) -> Iterator[admin_pb2.GenerateCodesProgress]:
        """Generates and stores codes in chunks, yielding progress after each durable chunk."""
        count = request.count
        if not 1 <= count <= MAX_CODES_PER_BATCH:
            raise InvalidArgumentError("count", f"must be 1..{MAX_CODES_PER_BATCH}")
        if request.return_codes and count > MAX_RETURNED_CODES:
            raise InvalidArgumentError("return_codes", f"only for count <= {MAX_RETURNED_CODES}")
        with self._store.read() as txn:
            campaign = self._store.catalog.get_campaign(
                txn, _required(request.campaign_id, "campaign_id")
            )
        use_request_config = request.HasField("code_config")
        config = request.code_config if use_request_config else campaign.code_config
        pattern = CodePattern.from_config(
            config, "code_config" if use_request_config else "campaign.code_config"
        )
        pattern.check_unguessable(count, "count")
        template = campaign_pb2.Code(campaign_id=campaign.id, gift_balance=request.gift_balance)
        if request.HasField("redemption_quantity"):
            template.redemption_quantity = request.redemption_quantity
        self._fill_code_defaults(template, campaign)
        # Records (bytes) from the bulk path, code strings from the other.
        in_bulk = not (template.gift_balance or template.points)
        batches: Iterator[list[Any]]
        if in_bulk:
            batches = self._generate_in_bulk(template, pattern, count)
        else:
            batches = self._generate_with_balances(template, pattern, count)

        def codes_of(batch: list[Any]) -> Iterable[str]:
            return map(pattern.code_of, batch) if in_bulk else batch

        codes: list[str] = []
        generated = 0
        try:
            for batch in batches:
                generated += len(batch)
                if request.return_codes:
                    codes.extend(codes_of(batch))
                done = generated == count
                yield admin_pb2.GenerateCodesProgress(
                    generated=generated, total=count, done=done, codes=codes if done else []
                )
        except STORE_FAILURES as failure:
            # The stream says how far it got: the chunks before this one are committed.
            answer = store_answer(failure)
            raise type(answer)(
                f"{answer.message}; {generated} of the {count} codes were committed before the "
                "failure (see them with ListCodes); generate the rest again"
            ) from None
        finally:
            if generated:  # one entry for the batch (each chunk is committed on its own)
                self._audit_generated(campaign.id, count, generated, pattern.pattern)

    def _audit_generated(self, campaign_id: str, count: int, generated: int, pattern: str) -> None:
        after = {"requested": count, "generated": generated, "pattern": pattern}
        try:
            with self._store.write() as txn:
                self._audit(txn, "GenerateCodes", f"campaign/{campaign_id}/codes", None, after)
        except STORE_FAILURES as failure:
            # The store is failing (it is logged); the caller hears of the failure that ended
            # the stream, not of its audit entry's.
            store_answer(failure)

    def _generate_in_bulk(
        self, template: campaign_pb2.Code, pattern: CodePattern, count: int
    ) -> Iterator[list[bytes]]:
        """Codes without balances: records built and inserted in sorted chunks (see
        store/code_batches.py); yields each durable chunk's Code records."""
        record_tail = template.SerializeToString()
        index_prefix = template.campaign_id.encode() + b"\0"
        generated = 0
        while generated < count:
            chunk = min(GENERATION_CHUNK, count - generated)

            def add_chunk(txn: Txn, chunk: int = chunk) -> list[bytes]:
                added: list[bytes] = []
                fruitless_rounds = 0
                while len(added) < chunk:
                    batch = pattern.records(chunk - len(added), record_tail, index_prefix)
                    stored = add_code_batch(txn, self._store.tables, *batch)
                    added.extend(stored)
                    fruitless_rounds = 0 if stored else fruitless_rounds + 1
                    if fruitless_rounds == MAX_COLLISIONS_IN_A_ROW:
                        raise _space_exhausted()
                return added

            # A chunk that lost a race (shared store) is run again alone: none is added twice.
            self._store.reserve(chunk * CODE_BYTES_ON_DISK)
            yield self._store.transact(add_chunk)
            generated += chunk

    def _generate_with_balances(
        self, template: campaign_pb2.Code, pattern: CodePattern, count: int
    ) -> Iterator[list[str]]:
        """Gift cards and loyalty cards: each code's balance is credited in the log as well."""
        generate = pattern.generator()
        generated = 0
        while generated < count:
            chunk = min(BALANCE_GENERATION_CHUNK, count - generated)

            def add_chunk(txn: Txn, chunk: int = chunk) -> list[str]:
                return [self._add_unique(txn, template, generate) for _ in range(chunk)]

            self._store.reserve(chunk * CARD_BYTES_ON_DISK)
            yield self._store.transact(add_chunk)
            generated += chunk

    def _add_unique(
        self, txn: Txn, template: campaign_pb2.Code, generate: Callable[[], str]
    ) -> str:
        for _ in range(MAX_COLLISIONS_IN_A_ROW):
            template.code = generate()
            if self._store.catalog.add_code(txn, template):
                self._credit_issued_balance(txn, template)
                return template.code
        raise _space_exhausted()

    def get_code(self, code: str) -> campaign_pb2.Code:
        with self._store.read() as txn:
            found = require_code(self._store.catalog, txn, _required(code, "code"))
            return self._with_redeemed(txn, found)

    def list_codes(self, request: admin_pb2.ListCodesRequest) -> admin_pb2.ListCodesResponse:
        limit = page_size(request.page)
        response = admin_pb2.ListCodesResponse()
        with self._store.read() as txn:
            campaign_id = _required(request.campaign_id, "campaign_id")
            self._store.catalog.get_campaign(txn, campaign_id)
            codes = self._store.catalog.iter_campaign_codes(
                txn, campaign_id, request.page.page_token, request.prefix
            )
            response.total = self._store.catalog.count_campaign_codes(
                txn, campaign_id, request.prefix
            )
            for code in codes:
                if len(response.codes) == limit:
                    response.next_page_token = response.codes[-1].code
                    break
                response.codes.append(self._with_redeemed(txn, code))
        return response

    def set_code_active(self, code: str, active: bool) -> campaign_pb2.Code:
        with self._store.write() as txn:
            found = require_code(self._store.catalog, txn, _required(code, "code"))
            before = campaign_pb2.Code()
            before.CopyFrom(found)
            found.active = active
            self._store.catalog.replace_code(txn, found)
            self._audit(txn, "SetCodeActive", f"code/{found.code}", before, found)
            return self._with_redeemed(txn, found)

    def import_codes(self, chunks: Iterable[admin_pb2.ImportCodesChunk]) -> int:
        """CSV rows (code_files.py) added to the campaign named by the first chunk, all or
        nothing: one bad row or one code that exists already and nothing is stored."""
        chunks = iter(chunks)
        first = next(chunks, None)
        if first is None:
            raise InvalidArgumentError("campaign_id", "required in the first chunk")
        campaign_id = _required(first.campaign_id, "campaign_id")

        def csv_bytes() -> Iterator[bytes]:
            yield first.csv
            for chunk in chunks:
                yield chunk.csv

        imported = 0
        with self._store.write() as txn:
            campaign = self._store.catalog.get_campaign(txn, campaign_id)
            for path, code in parse_code_rows(csv_bytes()):
                code.campaign_id = campaign.id
                self._check_new_code(code, f"{path}.")
                self._fill_code_defaults(code, campaign)
                if not self._store.catalog.add_code(txn, code):
                    raise AlreadyExistsError(f"{path}: code {code.code!r} already exists")
                self._credit_issued_balance(txn, code)
                imported += 1
            target = f"campaign/{campaign.id}/codes"
            self._audit(txn, "ImportCodes", target, None, {"imported": imported})
        return imported

    def export_codes(self, campaign_id: str, prefix: str = "") -> Iterator[bytes]:
        """The campaign's codes (those starting with `prefix`) as CSV chunks, with their live
        redeemed quantities and balances, read from one snapshot."""
        with self._store.read() as txn:
            campaign_id = _required(campaign_id, "campaign_id")
            self._store.catalog.get_campaign(txn, campaign_id)
            codes = self._store.catalog.iter_campaign_codes(txn, campaign_id, code_prefix=prefix)
            yield from export_chunks(self._with_redeemed(txn, code) for code in codes)

    def code_qr(self, request: admin_pb2.GetCodeQrRequest) -> admin_pb2.GetCodeQrResponse:
        code = self.get_code(request.code)
        content_type, image = qr_image(code.code, request.format, request.scale)
        return admin_pb2.GetCodeQrResponse(content_type=content_type, image=image)

    @staticmethod
    def _check_new_code(code: campaign_pb2.Code, path: str) -> None:
        if not code.code or len(code.code) > MAX_CODE_LENGTH or not code.code.isprintable():
            raise InvalidArgumentError(f"{path}code", f"1..{MAX_CODE_LENGTH} printable characters")
        for field in ("gift_balance", "points", "redemption_quantity"):
            if getattr(code, field) < 0:
                raise InvalidArgumentError(f"{path}{field}", "must be >= 0")

    def _credit_issued_balance(self, txn: Txn, code: campaign_pb2.Code) -> None:
        """A gift card's balance or a loyalty card's points live in a counter from issue on."""
        normalized = normalize_code(code.code)
        now_ms = self._clock.now_ms()
        if code.gift_balance:
            self._store.balances.credit_gift(
                txn, normalized, code.gift_balance, at_ms=now_ms, reason="issued"
            )
        if code.points:
            # Points given at issue are active at once and never expire (one earn bucket).
            self._store.balances.credit_points(
                txn,
                normalized,
                code.points,
                earned_at_ms=now_ms,
                active_at_ms=now_ms,
                expires_at_ms=0,
                source="issued",
            )

    def _with_redeemed(self, txn: Txn, code: campaign_pb2.Code) -> campaign_pb2.Code:
        """The code with its live usage and balances (the record keeps what was issued)."""
        normalized = normalize_code(code.code)
        counters = self._store.tables.counters

        def counter(key: bytes) -> int:
            return decode_counter(txn.get(key, db=counters))

        code.redeemed_quantity = counter(CounterKeys.code_key(normalized))
        if code.kind == campaign_pb2.CODE_KIND_GIFT_CARD:
            code.gift_balance = counter(CounterKeys.gift_balance_key(normalized))
        if code.kind == campaign_pb2.CODE_KIND_LOYALTY_CARD:
            # Spendable now: pending and expired points are held by the card but not spendable.
            code.points = self._store.balances.buckets.spendable(
                txn, normalized, self._clock.now_ms()
            )
        return code

    def _fill_code_defaults(self, code: campaign_pb2.Code, campaign: campaign_pb2.Campaign) -> None:
        if not code.kind:
            code.kind = CODE_KIND_BY_CAMPAIGN_TYPE.get(
                campaign.type, campaign_pb2.CODE_KIND_DISCOUNT
            )
        if not code.HasField("active"):
            code.active = True
        if not code.HasField("created_at"):
            code.created_at.FromMilliseconds(self._clock.now_ms())

    # Stacking rules ------------------------------------------------------------------------

    def get_support_limits(self) -> admin_pb2.SupportLimits:
        with self._store.read() as txn:
            return self._store.catalog.support_limits(txn)

    def set_support_limits(self, limits: admin_pb2.SupportLimits) -> admin_pb2.SupportLimits:
        for field in ("max_points_adjustment", "max_gift_card_change"):
            if getattr(limits, field) < 0:
                raise InvalidArgumentError(f"limits.{field}", "must be >= 0 (0 = nothing)")
        with self._store.write() as txn:
            before = self._store.catalog.support_limits(txn)
            self._store.catalog.put_support_limits(txn, limits)
            self._audit(txn, "SetSupportLimits", "settings/support_limits", before, limits)
        return limits

    def get_stacking_rules(self) -> campaign_pb2.StackingRules:
        """The rules in force; an empty message means the defaults (docs/rules.md)."""
        with self._store.read() as txn:
            return self._store.catalog.stacking_rules(txn) or campaign_pb2.StackingRules()

    def set_stacking_rules(self, rules: campaign_pb2.StackingRules) -> campaign_pb2.StackingRules:
        """Validated by the engine, then in force on every worker for the next request."""
        try:
            _engine.validate_stacking_rules(rules.SerializeToString())
        except _engine.CompileError as error:
            raise InvalidArgumentError(f"rules.{error.path}", error.reason) from None
        with self._store.write() as txn:
            before = self._store.catalog.stacking_rules(txn)
            self._store.catalog.put_stacking_rules(txn, rules)
            self._audit(txn, "SetStackingRules", "settings/stacking_rules", before, rules)
        return rules

    def describe_rules(
        self, request: admin_pb2.DescribeRulesRequest
    ) -> admin_pb2.DescribeRulesResponse:
        """The rule in words as the engine reads it; nothing is stored or read from the store."""
        if not re.fullmatch(r"[A-Z]{3}", request.currency):
            raise InvalidArgumentError("currency", "an ISO 4217 code of 3 capital letters")
        try:
            text = _engine.describe_rules(request.rules_json, request.currency)
        except _engine.CompileError as error:
            raise InvalidArgumentError(error.path, error.reason) from None
        return admin_pb2.DescribeRulesResponse(text=text)

    # Redemptions ---------------------------------------------------------------------------

    def get_redemption(self, redemption_id: str) -> checkout_pb2.Redemption:
        with self._store.read() as txn:
            return self._store.redemptions.get(txn, _required(redemption_id, "id")).redemption

    def list_redemptions(
        self, request: admin_pb2.ListRedemptionsRequest
    ) -> admin_pb2.ListRedemptionsResponse:
        """Newest first, as they stand now (a rolled-back one says so); filtered by campaign
        and/or customer and/or code. The page token is the log sequence of the last one
        returned."""
        limit = page_size(request.page)
        code = normalize_code(request.code) if request.code else None
        token = request.page.page_token
        if token and not token.isdigit():
            raise InvalidArgumentError("page.page_token", "not a token from a previous page")
        response = admin_pb2.ListRedemptionsResponse()
        log = self._store.redemptions
        last_sequence = 0  # of the last redemption on this page
        with self._store.read() as txn:
            for sequence, redemption_id in log.newest_first(txn, int(token or 0)):
                redemption = log.get(txn, redemption_id).redemption
                if request.customer_id and redemption.customer_id != request.customer_id:
                    continue
                if request.campaign_id and all(
                    r.campaign_id != request.campaign_id for r in redemption.redeemables
                ):
                    continue
                if code and all(
                    normalize_code(r.redeemable.code) != code for r in redemption.redeemables
                ):
                    continue
                if len(response.redemptions) == limit:
                    response.next_page_token = str(last_sequence)
                    break
                response.redemptions.append(redemption)
                last_sequence = sequence
        return response

    def campaign_report(
        self, request: admin_pb2.GetCampaignReportRequest
    ) -> admin_pb2.CampaignReport:
        with self._store.read() as txn:
            campaign = self._store.catalog.get_campaign(
                txn, _required(request.campaign_id, "campaign_id")
            )
            codes = self._store.catalog.count_campaign_codes(txn, campaign.id)
        report = campaign_report(self._store, campaign, request.range)
        report.codes = codes
        return report

    # Audit log -----------------------------------------------------------------------------

    def _audit(self, txn: Txn, action: str, target: str, before: object, after: object) -> None:
        entry = audit_log.entry(action, target, before, after)
        entry.created_at.FromMilliseconds(self._clock.now_ms())
        self._store.audit.append(txn, entry)

    def list_audit_log(
        self, request: admin_pb2.ListAuditLogRequest
    ) -> admin_pb2.ListAuditLogResponse:
        """Newest first; the page token is the sequence of the last entry returned."""
        limit = page_size(request.page)
        token = request.page.page_token
        if token and not token.isdigit():
            raise InvalidArgumentError("page.page_token", "not a token from a previous page")
        response = admin_pb2.ListAuditLogResponse()
        with self._store.read() as txn:
            for entry in self._store.audit.newest_first(txn, int(token or 0)):
                if not entry.target.startswith(request.target_prefix):
                    continue
                if len(response.entries) == limit:
                    response.next_page_token = str(response.entries[-1].sequence)
                    break
                response.entries.append(entry)
        return response


def campaign_status(campaign: campaign_pb2.Campaign, now_ms: int) -> campaign_pb2.CampaignStatus:
    if campaign.draft:
        return campaign_pb2.CAMPAIGN_STATUS_DRAFT
    if campaign.HasField("active") and not campaign.active:
        return campaign_pb2.CAMPAIGN_STATUS_PAUSED
    if campaign.HasField("start_at") and now_ms < campaign.start_at.ToMilliseconds():
        return campaign_pb2.CAMPAIGN_STATUS_SCHEDULED
    if campaign.HasField("expire_at") and now_ms >= campaign.expire_at.ToMilliseconds():
        return campaign_pb2.CAMPAIGN_STATUS_EXPIRED
    return campaign_pb2.CAMPAIGN_STATUS_ACTIVE


def _space_exhausted() -> AlreadyExistsError:
    return AlreadyExistsError(
        "the code pattern's space is exhausted: every new code collides with an existing one",
        reason="code_space_exhausted",
    )


def _required(value: str, field: str) -> str:
    if not value:
        raise InvalidArgumentError(field, "required")
    return value
