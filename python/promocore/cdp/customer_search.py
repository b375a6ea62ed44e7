"""Finding a customer by what support staff are told: an e-mail address, a phone number, a word
of the name, the customer id, or a code the customer holds.

The `customer_search` table holds one key per searchable value of each customer,
`kind \\0 value \\0 customer id` (kind `e` e-mail, `p` phone, `n` name word), written when an
upsert changes the customer's attributes, so a search is a prefix walk, not a scan of every
customer. Values are normalized as people type them: e-mail addresses and names lower-cased
(names split into words), phone numbers to their digits. A code is looked up in the codes
table: its assigned customer, or a referral code's referrer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

from promocore.store import Store, Txn
from promocore.store.keys import normalize_code
from promocore.v1 import campaign_pb2
from promocore.v1.internal import store_pb2

EMAIL, PHONE, NAME = b"e", b"p", b"n"
NAME_ATTRIBUTES = ("name", "first_name", "last_name")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
# Shortest typed value a prefix search answers (a single letter would list half the customers).
MIN_PREFIX = 2


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def searchable(attributes: dict[str, Any]) -> set[tuple[bytes, str]]:
    """(kind, normalized value) of every searchable value of a customer's attributes."""
    values: set[tuple[bytes, str]] = set()
    email = attributes.get("email")
    if isinstance(email, str) and "@" in email:
        values.add((EMAIL, email.strip().lower()))
    phone = attributes.get("phone")
    if isinstance(phone, str | int) and len(_digits(str(phone))) >= MIN_PREFIX:
        values.add((PHONE, _digits(str(phone))))
    for attribute in NAME_ATTRIBUTES:
        name = attributes.get(attribute)
        if isinstance(name, str):
            values.update((NAME, word.lower()) for word in _WORDS.findall(name))
    return values


def _key(kind: bytes, value: str, customer_id: str = "") -> bytes:
    return kind + b"\0" + value.encode() + b"\0" + customer_id.encode()


class CustomerSearch:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._t = store.tables

    def reindex(
        self, txn: Txn, customer_id: str, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        """Keeps the customer's keys in step with a change of their attributes."""
        old, new = searchable(before), searchable(after)
        for kind, value in old - new:
            txn.delete(_key(kind, value, customer_id), db=self._t.customer_search)
        for kind, value in new - old:
            txn.put(_key(kind, value, customer_id), b"", db=self._t.customer_search)

    def index_all(self) -> int:
        """Indexes every stored customer when the table is empty and customers exist (a store
        written before the table existed); returns how many were indexed."""
        with self._store.read() as txn:
            if (
                txn.stat(self._t.customer_search)["entries"]
                or not txn.stat(self._t.customers)["entries"]
            ):
                return 0

        def index(txn: Txn) -> int:
            count = 0
            for _key_bytes, raw in txn.cursor(db=self._t.customers):
                stored = store_pb2.StoredCustomer.FromString(raw)
                attributes = orjson.loads(stored.customer.attributes_json or "{}")
                self.reindex(txn, stored.customer.id, {}, attributes)
                count += 1
            return count

        return self._store.transact(index)

    def find(self, txn: Txn, query: str) -> Iterator[str]:
        """Customer ids matching `query`, each once: the id and the holder of a code first, then
        e-mail, phone or name matches in key order (several words of a name: customers whose
        name has a word starting with each)."""
        text = query.strip()
        if not text:
            return
        seen: set[str] = set()
        exact = []
        if txn.get(text.encode(), db=self._t.customers) is not None:
            exact.append(text)
        holder = self._holder_of(txn, text)
        if holder:
            exact.append(holder)
        for customer_id in exact:
            if customer_id not in seen:
                seen.add(customer_id)
                yield customer_id
        kind, value, more_words = self._wanted(text)
        if not value:
            return
        for customer_id in self._walk(txn, kind, value):
            if customer_id in seen or not self._has_words(txn, customer_id, more_words):
                continue
            seen.add(customer_id)
            yield customer_id

    def _wanted(self, text: str) -> tuple[bytes, str, list[str]]:
        """What to walk: (kind, value prefix, further name words every match must have)."""
        if "@" in text:
            return EMAIL, text.lower(), []
        digits = _digits(text)
        if len(digits) >= MIN_PREFIX and not re.search(r"[^\d\s+().\-/]", text):
            return PHONE, digits, []
        words = [word.lower() for word in _WORDS.findall(text)]
        if not words or len(words[0]) < MIN_PREFIX:
            return NAME, "", []
        return NAME, words[0], words[1:]

    def _has_words(self, txn: Txn, customer_id: str, words: list[str]) -> bool:
        if not words:
            return True
        raw = txn.get(customer_id.encode(), db=self._t.customers)
        if raw is None:
            return False
        stored = store_pb2.StoredCustomer.FromString(raw)
        name_words = {
            value
            for kind, value in searchable(orjson.loads(stored.customer.attributes_json or "{}"))
            if kind == NAME
        }
        return all(any(have.startswith(word) for have in name_words) for word in words)

    def _walk(self, txn: Txn, kind: bytes, value: str) -> Iterator[str]:
        """Customer ids whose value of `kind` starts with `value`."""
        prefix = kind + b"\0" + value.encode()
        cursor = txn.cursor(db=self._t.customer_search)
        found = cursor.set_range(prefix)
        while found:
            key = bytes(cursor.key())
            if not key.startswith(prefix):
                return
            yield key.rsplit(b"\0", 1)[1].decode()
            found = cursor.next()

    def _holder_of(self, txn: Txn, text: str) -> str:
        raw = self._store.catalog.code_bytes(txn, normalize_code(text))
        if raw is None:
            return ""
        code = campaign_pb2.Code.FromString(raw)
        return code.assigned_customer_id or code.referrer_customer_id
