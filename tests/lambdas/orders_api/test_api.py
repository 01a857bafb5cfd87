from __future__ import annotations

import json

import pytest
from lambda_testkit import api_request, load, metrics_emitted, put, received, scan

ORDER = {
    "customerId": "cust-1",
    "items": [{"sku": "SKU-1", "qty": 2, "unitPrice": 9.99}, {"sku": "SKU-2", "qty": 1, "unitPrice": "5.00"}],
    "currency": "EUR",
}


@pytest.fixture
def api(event_store_table, orders_table, idempotency_table, invoice_queue):
    return load("orders_api.api")


@pytest.fixture
def call(api, context):
    """Send one request through the handler; returns (status, body, headers)."""

    def send(method, path, body=None, headers=None, **options):
        raw = body if body is None or isinstance(body, str) else json.dumps(body)
        response = api.handler(api_request(method, path, raw, headers, **options), context)
        multi = {name: ", ".join(values) for name, values in (response.get("multiValueHeaders") or {}).items()}
        return response["statusCode"], json.loads(response["body"]), multi | (response.get("headers") or {})

    return send


def projected(order_id, status="Pending"):
    """A read-model item as the projector writes it."""
    return {
        "orderId": order_id,
        "status": status,
        "customerId": "cust-1",
        "items": [{"sku": "SKU-1", "qty": 2, "unitPrice": 9.99}],
        "total": 19.98,
        "currency": "EUR",
        "createdAt": "2024-05-01T12:00:00.000Z",
        "updatedAt": "2024-05-01T12:00:00.000Z",
        "version": 1,
    }


# --- POST /orders ------------------------------------------------------------------------------------------------


def test_placing_an_order_appends_order_placed_and_answers_201(call, event_store_table):
    status, body, headers = call("POST", "/orders", ORDER)
    assert status == 201
    assert body["status"] == "Pending" and body["total"] == 24.98 and body["currency"] == "EUR"
    assert headers["Location"] == f"/orders/{body['orderId']}"
    [stored] = scan(event_store_table)
    assert (stored["type"], stored["aggregateId"], stored["version"]) == ("OrderPlaced", body["orderId"], 1)
    assert stored["data"] == {
        "customerId": "cust-1",
        "items": [{"sku": "SKU-1", "qty": 2, "unitPrice": 9.99}, {"sku": "SKU-2", "qty": 1, "unitPrice": 5.0}],
        "total": 24.98,
        "currency": "EUR",
    }


def test_a_placed_order_is_counted_in_the_orders_placed_metric(call, capsys):
    call("POST", "/orders", ORDER)
    assert metrics_emitted(capsys.readouterr().out)["OrdersPlaced"] == 1


def test_a_base64_encoded_body_is_accepted(call):
    status, _, _ = call("POST", "/orders", json.dumps(ORDER), base64_encoded=True)
    assert status == 201


def test_each_request_without_idempotency_key_places_a_new_order(call, event_store_table):
    first, second = call("POST", "/orders", ORDER)[1], call("POST", "/orders", ORDER)[1]
    assert first["orderId"] != second["orderId"]
    assert len(scan(event_store_table)) == 2


def test_a_retry_with_the_same_idempotency_key_returns_the_same_order(call, event_store_table):
    headers = {"Idempotency-Key": "checkout-42"}
    first = call("POST", "/orders", ORDER, headers)
    retry = call("POST", "/orders", ORDER, {"idempotency-key": "checkout-42"})  # header names are case-insensitive
    assert first[0] == retry[0] == 201
    assert retry[1] == first[1]
    assert len(scan(event_store_table)) == 1


def test_an_idempotency_key_reused_with_another_body_is_refused(call, event_store_table):
    call("POST", "/orders", ORDER, {"Idempotency-Key": "checkout-42"})
    status, body, _ = call("POST", "/orders", {**ORDER, "currency": "USD"}, {"Idempotency-Key": "checkout-42"})
    assert (status, body["message"]) == (422, "Idempotency-Key was already used with a different request body")
    assert len(scan(event_store_table)) == 1


def test_a_retry_while_the_first_request_is_in_flight_gets_409(call, api, monkeypatch):
    retries, real_append = [], api.store.append

    def append_while_the_client_retries(event):
        retries.append(call("POST", "/orders", ORDER, {"Idempotency-Key": "checkout-42"}))
        real_append(event)

    monkeypatch.setattr(api.store, "append", append_while_the_client_retries)
    assert call("POST", "/orders", ORDER, {"Idempotency-Key": "checkout-42"})[0] == 201
    [(status, body, _)] = retries
    assert (status, body["message"]) == (
        409,
        "A request with this Idempotency-Key is still being processed; retry shortly",
    )


def test_an_overlong_idempotency_key_is_rejected(call):
    status, body, _ = call("POST", "/orders", ORDER, {"Idempotency-Key": "k" * 256})
    assert (status, body["message"]) == (400, "Idempotency-Key must be 1 to 255 characters long")


def test_a_missing_body_is_a_400(call):
    status, body, _ = call("POST", "/orders")
    assert status == 400
    assert body["message"].startswith("Request body is required")


def test_malformed_json_is_a_400_that_says_so(call):
    status, body, _ = call("POST", "/orders", '{"customerId": "c-1",')
    assert status == 400
    assert body["message"].startswith("Request body is not valid JSON")


def test_an_oversized_body_is_a_413(call, event_store_table):
    status, body, _ = call("POST", "/orders", {**ORDER, "customerId": "x" * 40_000})
    assert status == 413
    assert body["message"].endswith("the limit is 32768 bytes")
    assert scan(event_store_table) == []


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"customerId": None}, "customerId", "Input should be a valid string"),
        ({"items": []}, "items", "List should have at least 1 item after validation, not 0"),
        ({"items": [{"sku": "A", "qty": 0, "unitPrice": 1}]}, "items.0.qty", "Input should be greater than 0"),
        ({"items": [{"sku": "A", "qty": "2", "unitPrice": 1}]}, "items.0.qty", "Input should be a valid integer"),
        (
            {"items": [{"sku": "A", "qty": 1, "unitPrice": -1}]},
            "items.0.unitPrice",
            "Input should be greater than or equal to 0",
        ),
        ({"items": [{"sku": "A", "qty": 1}]}, "items.0.unitPrice", "Field required"),
        (
            {"items": [{"sku": "A", "quantity": 1, "qty": 1, "unitPrice": 1}]},
            "items.0.quantity",
            "Extra inputs are not permitted",
        ),
        ({"currency": "euro"}, "currency", "String should match pattern '^[A-Z]{3}$'"),
    ],
    ids=[
        "wrong-type",
        "no-items",
        "zero-qty",
        "qty-as-text",
        "negative-price",
        "missing-price",
        "unknown-field",
        "bad-currency",
    ],
)
def test_an_invalid_order_is_a_422_naming_the_field(call, event_store_table, change, field, problem):
    status, body, _ = call("POST", "/orders", {**ORDER, **change})
    assert status == 422
    assert body["message"] == "Request body is not a valid order"
    assert {"field": field, "problem": problem} in body["errors"]
    assert scan(event_store_table) == []


def test_missing_fields_are_all_named(call):
    status, body, _ = call("POST", "/orders", {})
    assert status == 422
    assert [error["field"] for error in body["errors"]] == ["customerId", "items", "currency"]


def test_a_body_that_is_not_an_object_is_a_422(call):
    status, body, _ = call("POST", "/orders", [ORDER])
    assert status == 422
    assert body["errors"] == [{"field": "(body)", "problem": "Input should be an object"}]


# --- GET /orders/{id} --------------------------------------------------------------------------------------------


def test_an_order_is_read_from_the_projection(call, orders_table):
    put(orders_table, projected("order-1"))
    status, body, _ = call("GET", "/orders/order-1")
    assert (status, body) == (200, projected("order-1"))


def test_the_open_index_shard_is_not_part_of_the_order_read(call, orders_table):
    put(orders_table, {**projected("order-1"), "openShard": 2})
    status, body, _ = call("GET", "/orders/order-1")
    assert (status, body) == (200, projected("order-1"))


def test_an_unknown_order_is_a_404(call):
    status, body, _ = call("GET", "/orders/nope")
    assert (status, body["message"]) == (404, "Order nope not found")


# --- POST /orders/{id}/invoice -----------------------------------------------------------------------------------


def test_an_invoice_request_is_enqueued_and_answered_202(call, orders_table, invoice_queue):
    put(orders_table, projected("order-1"))
    status, body, _ = call("POST", "/orders/order-1/invoice")
    assert (status, body) == (202, {"orderId": "order-1", "invoice": "requested"})
    assert received(invoice_queue) == [{"orderId": "order-1"}]


def test_an_invoice_for_an_unknown_order_is_a_404_and_enqueues_nothing(call, invoice_queue):
    status, _, _ = call("POST", "/orders/nope/invoice")
    assert status == 404
    assert received(invoice_queue) == []


def test_a_cancelled_order_cannot_be_invoiced(call, orders_table, invoice_queue):
    put(orders_table, projected("order-1", status="Cancelled"))
    status, body, _ = call("POST", "/orders/order-1/invoice")
    assert (status, body["message"]) == (409, "Order order-1 is cancelled; it cannot be invoiced")
    assert received(invoice_queue) == []


# --- routing -----------------------------------------------------------------------------------------------------


def test_an_unknown_route_is_a_404_naming_it(call):
    status, body, _ = call("GET", "/customers")
    assert (status, body["message"]) == (404, "No route for GET /customers")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("DELETE", "/orders", "POST"), ("PUT", "/orders/o-1", "GET"), ("GET", "/orders/o-1/invoice", "POST")],
)
def test_a_wrong_method_is_a_405_listing_the_allowed_one(call, method, path, allowed):
    status, body, headers = call(method, path)
    assert status == 405
    assert headers["Allow"] == allowed
    assert body["message"] == f"Method {method} is not allowed on {path}; use {allowed}"


def test_logs_carry_the_api_request_id_as_correlation_id(api, context):
    request = api_request("POST", "/orders", json.dumps(ORDER))
    api.handler(request, context)
    assert api.logger.get_correlation_id() == request["requestContext"]["requestId"]
