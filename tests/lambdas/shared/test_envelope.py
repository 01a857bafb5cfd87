from __future__ import annotations

import re

import pytest
from shared.envelope import Event, InvalidEventError, utc_iso

ENVELOPE = {
    "id": "e-1",
    "type": "OrderPlaced",
    "aggregateId": "order-1",
    "version": 1,
    "occurredAt": "2024-05-01T12:00:00.000Z",
    "data": {"total": 9.99},
}


def test_an_envelope_round_trips_through_its_wire_shape():
    assert Event.from_dict(ENVELOPE).to_dict() == ENVELOPE


def test_a_new_event_gets_a_unique_id_and_a_utc_timestamp():
    first, second = Event.new("OrderPlaced", "order-1", 1, {}), Event.new("OrderPlaced", "order-1", 1, {})
    assert first.id != second.id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first.occurred_at)


def test_timestamps_share_one_format_so_they_compare_as_strings():
    assert utc_iso() > "2024-01-01T00:00:00.000Z"


@pytest.mark.parametrize("missing", ["id", "type", "aggregateId", "occurredAt"])
def test_a_missing_text_field_is_named(missing):
    raw = {name: value for name, value in ENVELOPE.items() if name != missing}
    with pytest.raises(InvalidEventError, match=f"'{missing}'"):
        Event.from_dict(raw)


@pytest.mark.parametrize("version", [0, "1", True, None, 1.5])
def test_the_version_must_be_an_integer_from_one(version):
    with pytest.raises(InvalidEventError, match="'version'"):
        Event.from_dict({**ENVELOPE, "version": version})


def test_data_must_be_an_object():
    with pytest.raises(InvalidEventError, match="'data'"):
        Event.from_dict({**ENVELOPE, "data": [1]})


def test_an_envelope_must_be_an_object():
    with pytest.raises(InvalidEventError, match="must be a JSON object, got list"):
        Event.from_dict([ENVELOPE])


def test_the_bus_event_carries_the_envelope_as_detail():
    assert Event.from_bridge({"detail-type": "OrderPlaced", "detail": ENVELOPE}) == Event.from_dict(ENVELOPE)


def test_a_bus_event_without_detail_is_rejected():
    with pytest.raises(InvalidEventError, match="'detail' field is missing"):
        Event.from_bridge({"detail-type": "OrderPlaced"})


def test_a_detail_type_that_contradicts_the_envelope_is_rejected():
    with pytest.raises(InvalidEventError, match="does not match the envelope type"):
        Event.from_bridge({"detail-type": "OrderCancelled", "detail": ENVELOPE})
