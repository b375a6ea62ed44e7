"""Campaigns as files: YAML (or JSON) documents in, `apply` that creates or updates idempotently.

A document with `kind: stacking_rules` holds the deployment's stacking rules under `rules` (the
plain form of a promocore.v1.StackingRules); `apply` sets them when they differ.

A document is the plain form of a promocore.v1.Campaign (as `promocore.Client` takes it) without
the output-only fields (status, version, created_at, updated_at) and without unset fields, so
`promocore get campaign X -o yaml` prints a file that `promocore apply -f` reads back unchanged.
Two definitions are compared as campaigns (JSON fields decoded, the server's defaults applied),
so formatting, key order or a default spelled out never counts as a change.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import yaml
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from promocore.errors import InvalidArgumentError, NotFoundError
from promocore.v1 import campaign_pb2
from promocore.wire.plain import JSON_SUFFIX, fields_of, from_plain, to_plain

OUTPUT_ONLY = ("status", "version", "created_at", "updated_at")
STACKING_KIND = "stacking_rules"


def definition(campaign: campaign_pb2.Campaign | dict[str, Any]) -> campaign_pb2.Campaign:
    """The campaign as its author defines it: output-only fields cleared, defaults applied as
    the server applies them on create (`active` unset means true)."""
    if isinstance(campaign, dict):
        campaign = from_plain(campaign_pb2.Campaign, campaign, "campaign")
    defined = campaign_pb2.Campaign()
    defined.CopyFrom(campaign)
    for field in OUTPUT_ONLY:
        defined.ClearField(field)
    if not defined.HasField("active"):
        defined.active = True
    return defined


def to_document(campaign: campaign_pb2.Campaign | dict[str, Any]) -> dict[str, Any]:
    """The file form: plain values of the fields that are set, in proto field order."""
    defined = definition(campaign)
    return _present(defined, to_plain(defined))


def dump_yaml(documents: list[dict[str, Any]]) -> str:
    return yaml.dump_all(
        [_yaml_ready(document) for document in documents],
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
    )


def load_documents(path: Path) -> list[dict[str, Any]]:
    """Every campaign document of a YAML file (several separated by `---`) or a JSON file (one
    object or a list)."""
    text = path.read_text()
    if path.suffix.lower() == ".json":
        loaded = orjson.loads(text)
        documents = loaded if isinstance(loaded, list) else [loaded]
    else:
        try:
            documents = [doc for doc in yaml.safe_load_all(text) if doc is not None]
        except yaml.YAMLError as error:
            raise InvalidArgumentError(str(path), f"not YAML: {error}") from None
    for index, document in enumerate(documents):
        if not isinstance(document, dict):
            raise InvalidArgumentError(f"{path}[{index}]", "a campaign document is a mapping")
        if "kind" in document:
            if document["kind"] != STACKING_KIND:
                raise InvalidArgumentError(
                    f"{path}[{index}].kind", f"only {STACKING_KIND!r} (or none, a campaign)"
                )
            if not isinstance(document.get("rules", {}), dict):
                raise InvalidArgumentError(f"{path}[{index}].rules", "a mapping")
            continue
        if not document.get("id"):
            raise InvalidArgumentError(f"{path}[{index}].id", "required: apply matches by id")
    return documents


@dataclass(frozen=True)
class Applied:
    campaign_id: str
    action: str  # "created", "updated" or "unchanged"
    diff: str
    version: int


def stacking_document(rules: dict[str, Any]) -> dict[str, Any]:
    """The file form of the stacking rules (what `promocore stacking get` prints)."""
    return {"kind": STACKING_KIND, "rules": rules}


def apply_stacking_document(client: Any, document: dict[str, Any]) -> Applied:
    """Sets the stacking rules when they differ from the ones in force."""
    desired = from_plain(campaign_pb2.StackingRules, document.get("rules") or {}, "rules")
    current = from_plain(campaign_pb2.StackingRules, client.get_stacking_rules(), "rules")
    if desired == current:
        return Applied(STACKING_KIND, "unchanged", "", 0)
    before, after = to_plain(current), to_plain(desired)
    client.set_stacking_rules(after)
    return Applied(STACKING_KIND, "updated", _diff(before, after, STACKING_KIND), 0)


def apply_document(client: Any, document: dict[str, Any]) -> Applied:
    """Creates the campaign, updates it when its definition differs, or leaves it alone; a
    stacking rules document sets the rules when they differ."""
    if document.get("kind") == STACKING_KIND:
        return apply_stacking_document(client, document)
    desired = definition(document)
    try:
        current = client.get_campaign(desired.id)
    except NotFoundError:
        created = client.create_campaign(document)
        diff = _diff({}, to_document(created), desired.id)
        return Applied(desired.id, "created", diff, created["version"])
    before = to_document(current)
    after = to_document(desired)
    if before == after:
        return Applied(desired.id, "unchanged", "", current["version"])
    updated = client.update_campaign(
        {**document, "id": desired.id}, expected_version=current["version"]
    )
    return Applied(desired.id, "updated", _diff(before, after, desired.id), updated["version"])


def _diff(before: dict[str, Any], after: dict[str, Any], campaign_id: str) -> str:
    old = dump_yaml([before]).splitlines(keepends=True) if before else []
    new = dump_yaml([after]).splitlines(keepends=True)
    return "".join(
        difflib.unified_diff(
            old, new, f"campaign/{campaign_id} (server)", f"campaign/{campaign_id}"
        )
    )


def _present(message: Message, plain: dict[str, Any]) -> dict[str, Any]:
    """`plain` without the fields that are unset in `message` (recursively)."""
    kept: dict[str, Any] = {}
    for field in fields_of(message):
        name = _plain_name(field)
        value = getattr(message, field.name)
        if field.is_repeated:
            if not len(value):
                continue
            if field.message_type is not None and not _is_map(field):
                kept[name] = [_present(m, p) for m, p in zip(value, plain[name], strict=True)]
            else:
                kept[name] = plain[name]
        elif field.has_presence:
            if not message.HasField(field.name):
                continue
            if field.message_type is not None and not _is_timestamp(field):
                kept[name] = _present(value, plain[name])
            else:
                kept[name] = plain[name]
        elif value != field.default_value:
            kept[name] = plain[name]
    return kept


def _plain_name(field: FieldDescriptor) -> str:
    is_json = field.type == FieldDescriptor.TYPE_STRING and field.name.endswith(JSON_SUFFIX)
    return field.name[: -len(JSON_SUFFIX)] if is_json else field.name


def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _is_timestamp(field: FieldDescriptor) -> bool:
    return (
        field.message_type is not None
        and field.message_type.full_name == "google.protobuf.Timestamp"
    )


def _yaml_ready(value: Any) -> Any:
    """Timestamps as RFC 3339 strings (what from_plain reads back exactly)."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {key: _yaml_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_yaml_ready(item) for item in value]
    return value
