"""TrackEvent through the real server: what an event must carry, and an idempotency key that
comes back with another event."""

from __future__ import annotations

import pytest
from programs_support import loyalty_program

from promocore.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from promocore.v1 import events_pb2

NEWSLETTER = {
    "id": "news",
    "trigger": "EARN_ON_CUSTOM_EVENT",
    "event_name": "newsletter_signup",
    "points": 25,
}


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"customer_id": "", "name": "newsletter_signup"}, "customer_id"),
        ({"customer_id": "ann smith", "name": "newsletter_signup"}, "customer_id"),
        ({"customer_id": "ann", "name": "Newsletter-Signup"}, "name"),
        # 64 characters is the longest name.
        ({"customer_id": "ann", "name": "e" * 65}, "name"),
        (
            {"customer_id": "ann", "name": "newsletter_signup", "properties_json": "{not json"},
            "properties_json",
        ),
        (
            {"customer_id": "ann", "name": "newsletter_signup", "properties_json": "[1, 2]"},
            "properties_json",
        ),
        (
            {"customer_id": "ann", "name": "newsletter_signup", "idempotency_key": "k" * 129},
            "idempotency_key",
        ),
    ],
)
def test_an_event_the_server_cannot_record_names_its_field(client, request_fields, field):
    request = events_pb2.TrackEventRequest(**request_fields)
    with pytest.raises(InvalidArgumentError) as error:
        client._call(client._events.TrackEvent, request)
    assert error.value.field == field
    # Nothing was recorded: the customer an event would have made does not exist.
    with pytest.raises(NotFoundError):
        client.get_customer("ann")


def test_an_idempotency_key_is_one_event(client):
    loyalty_program(client, earning_rules=[NEWSLETTER])
    card = client.enroll_loyalty("club", "ann")["code"]
    properties = {"list": "weekly"}
    first = client.track_event("ann", "newsletter_signup", properties, idempotency_key="ev-1")
    assert first["points_earned"] == 25
    with pytest.raises(AlreadyExistsError) as reused:
        client.track_event("ann", "newsletter_signup", {"list": "daily"}, idempotency_key="ev-1")
    assert reused.value.reason == "idempotency_key_reused"
    replay = client.track_event("ann", "newsletter_signup", properties, idempotency_key="ev-1")
    assert replay["points_earned"] == 25
    # Earned once: 25 points, not 50.
    assert client.get_loyalty_card(card)["points"] == 25
