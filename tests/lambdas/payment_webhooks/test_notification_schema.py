"""The webhook payload model API Gateway validates against agrees with what the verifier accepts as a notification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from payment_webhooks.notification import REQUIRED_FIELDS, InvalidNotificationError, parse_notification

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "lambdas/payment_webhooks/notification.schema.json").read_text()
)
EVENT = {"eventId": "evt_1", "type": "payment.succeeded", "orderId": "order-1"}

ACCEPTED = {
    "minimal": EVENT,
    "with-provider-fields": {**EVENT, "amount": 19.98, "livemode": False},
}
REFUSED = {
    "not-an-object": [EVENT],
    "missing-event-id": {k: v for k, v in EVENT.items() if k != "eventId"},
    "empty-order-id": {**EVENT, "orderId": ""},
    "numeric-type": {**EVENT, "type": 7},
}


def parses(body) -> bool:
    try:
        parse_notification(json.dumps(body))
    except InvalidNotificationError:
        return False
    return True


def test_the_schema_is_a_valid_draft_4_schema():
    Draft4Validator.check_schema(SCHEMA)


def test_the_schema_requires_the_fields_the_verifier_requires():
    assert tuple(SCHEMA["required"]) == REQUIRED_FIELDS


@pytest.mark.parametrize("body", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_a_notification_the_verifier_accepts_passes_the_schema(body):
    assert parses(body) and Draft4Validator(SCHEMA).is_valid(body)


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_a_payload_the_verifier_refuses_is_refused_by_the_schema_first(body):
    assert not parses(body) and not Draft4Validator(SCHEMA).is_valid(body)
