"""The fields the store appends to an encoded event read back as protobuf encodes them."""

from __future__ import annotations

import pytest

from promocore.cdp.integration_events import _encoded_channels, _encoded_sequence
from promocore.v1 import events_pb2


@pytest.mark.parametrize("sequence", [0, 1, 127, 128, 16_383, 16_384, 2**35 + 7, 2**62])
def test_the_appended_sequence_is_protobufs_encoding(sequence):
    assert _encoded_sequence(sequence) == (
        events_pb2.IntegrationEvent(sequence=sequence).SerializeToString()
    )


def test_appended_fields_merge_into_the_encoded_event():
    event = events_pb2.IntegrationEvent(type=events_pb2.EVENT_REDEEMED, customer_id="ann")
    merged = events_pb2.IntegrationEvent.FromString(
        event.SerializeToString() + _encoded_channels(("email", "sms")) + _encoded_sequence(300)
    )
    assert merged.sequence == 300
    assert list(merged.contactable_channels) == ["email", "sms"]
    assert merged.customer_id == "ann"
