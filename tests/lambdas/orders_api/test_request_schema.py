"""The request models API Gateway validates against: POST /orders' never refuses an order the handler accepts and
refuses the malformed ones before the function runs; POST /orders/{id}/invoice takes no payload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from lambda_testkit import api_request, load
from shared.orders import CURRENCY, MAX_ITEMS, MAX_QTY

MODELS = Path(__file__).resolve().parents[3] / "lambdas/orders_api"
SCHEMA = json.loads((MODELS / "place_order.schema.json").read_text())
INVOICE_SCHEMA = json.loads((MODELS / "request_invoice.schema.json").read_text())
LINE = {"sku": "SKU-1", "qty": 2, "unitPrice": 9.99}
ORDER = {"customerId": "cust-1", "items": [LINE], "currency": "EUR"}

ACCEPTED = {
    "number-price": ORDER,
    "text-price": {**ORDER, "items": [{**LINE, "unitPrice": "5.00"}]},
    "integer-price": {**ORDER, "items": [{**LINE, "unitPrice": 5}]},
    "free-item": {**ORDER, "items": [{**LINE, "unitPrice": 0}]},
    "most-items": {**ORDER, "items": [{**LINE, "sku": f"SKU-{n}"} for n in range(MAX_ITEMS)]},
    "most-qty": {**ORDER, "items": [{**LINE, "qty": MAX_QTY}]},
}
REFUSED = {
    "wrong-type": {**ORDER, "customerId": None},
    "no-items": {**ORDER, "items": []},
    "too-many-items": {**ORDER, "items": [{**LINE, "sku": f"SKU-{n}"} for n in range(MAX_ITEMS + 1)]},
    "zero-qty": {**ORDER, "items": [{**LINE, "qty": 0}]},
    "too-much-qty": {**ORDER, "items": [{**LINE, "qty": MAX_QTY + 1}]},
    "qty-as-text": {**ORDER, "items": [{**LINE, "qty": "2"}]},
    "negative-price": {**ORDER, "items": [{**LINE, "unitPrice": -1}]},
    "price-not-a-number": {**ORDER, "items": [{**LINE, "unitPrice": "cheap"}]},
    "missing-price": {**ORDER, "items": [{"sku": "A", "qty": 1}]},
    "unknown-field": {**ORDER, "items": [{**LINE, "quantity": 1}]},
    "unknown-top-field": {**ORDER, "coupon": "FREE"},
    "bad-currency": {**ORDER, "currency": "euro"},
    "missing-everything": {},
    "not-an-object": [ORDER],
}


@pytest.fixture
def accepts(event_store_table, orders_table, idempotency_table, invoice_queue, context):
    """Whether the handler takes ``body`` as an order (201) rather than refusing it (4xx)."""
    api = load("orders_api.api")

    def accepted(body) -> bool:
        status = api.handler(api_request("POST", "/orders", json.dumps(body)), context)["statusCode"]
        assert status in (201, 400, 422), status
        return status == 201

    return accepted


def valid(body) -> bool:
    return Draft4Validator(SCHEMA).is_valid(body)


@pytest.mark.parametrize("schema", [SCHEMA, INVOICE_SCHEMA], ids=["place-order", "request-invoice"])
def test_the_schema_is_a_valid_draft_4_schema(schema):
    Draft4Validator.check_schema(schema)


def test_the_schema_has_the_handlers_bounds():
    items = SCHEMA["properties"]["items"]
    assert items["maxItems"] == MAX_ITEMS and items["items"]["properties"]["qty"]["maximum"] == MAX_QTY
    assert SCHEMA["properties"]["currency"]["pattern"] == CURRENCY.pattern


@pytest.mark.parametrize("body", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_an_order_the_handler_accepts_passes_the_schema(accepts, body):
    assert accepts(body) and valid(body)


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_an_order_the_handler_refuses_is_refused_by_the_schema_first(accepts, body):
    assert not accepts(body) and not valid(body)


def test_an_invoice_request_without_a_body_passes_its_schema_as_api_gateway_validates_it():
    # API Gateway validates an absent body as an empty object.
    assert Draft4Validator(INVOICE_SCHEMA).is_valid({})


def test_an_invoice_request_with_a_payload_is_refused_by_its_schema():
    assert not Draft4Validator(INVOICE_SCHEMA).is_valid({"orderId": "order-1"})
