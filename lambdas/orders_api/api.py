"""orders-api: the REST (v1 proxy) front door of the order platform.

POST /orders                 validate (Powertools parser), append OrderPlaced (conditional write), 201
GET /orders/{id}             the order from the read model (projection), 404 when unknown
POST /orders/{id}/invoice    enqueue an invoice task, 202

Bad requests always get a 4xx whose ``message`` names the problem; an ``Idempotency-Key`` header makes a retried
POST /orders return the order it created the first time (Powertools idempotency on DynamoDB).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    RequestEntityTooLargeError,
    ServiceError,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.parser import ValidationError, parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.aws import client
from shared.config import require
from shared.dynamo import get
from shared.envelope import Event
from shared.event_store import EventStore
from shared.idempotency import idempotent_on_first_use
from shared.observability import count, entrypoint, logger
from shared.orders import CANCELLED, OPEN_SHARD_ATTRIBUTE, ORDER_PLACED, PENDING, order_placed_data

from orders_api.models import PlaceOrder

ORDERS_TABLE = require("ORDERS_TABLE")
INVOICE_QUEUE_URL = require("INVOICE_QUEUE_URL")
MAX_BODY_BYTES = 32 * 1024  # an order of MAX_ITEMS lines is ~5 KiB; anything far larger is not an order
MAX_IDEMPOTENCY_KEY_LENGTH = 255

app = APIGatewayRestResolver()
store = EventStore(require("EVENT_STORE_TABLE"))
idempotency_config = IdempotencyConfig(
    event_key_jmespath="key",
    payload_validation_jmespath="order",  # the same key with a different body is refused, not replayed
    expires_after_seconds=24 * 3600,
)
IDEMPOTENCY_TABLE = require("IDEMPOTENCY_TABLE")

_methods_by_path: dict[re.Pattern[str], list[str]] = {}


def route(rule: str, method: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``app.route`` that also remembers the method per path, so a wrong method gets 405 instead of 404."""
    pattern = re.compile("^" + re.sub(r"<\w+>", "[^/]+", rule) + "/*$")  # Powertools' <name> segment syntax
    _methods_by_path.setdefault(pattern, []).append(method)
    return app.route(rule, method=method)


def error(status: HTTPStatus, message: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """The one error shape of this API: ``{"statusCode", "message", ...}``, like Powertools' ServiceError."""
    body = {"statusCode": status.value, "message": message, **extra}
    return Response(status.value, content_types.APPLICATION_JSON, body, headers=headers)


# --- domain -----------------------------------------------------------------------------------------------------


def place_order(order: PlaceOrder) -> dict[str, Any]:
    """Append OrderPlaced for a new order id (version 1, conditional write) and describe the new order."""
    lines = [line.model_dump(by_alias=True) for line in order.items]
    event = Event.new(ORDER_PLACED, str(uuid.uuid4()), 1, order_placed_data(order.customer_id, lines, order.currency))
    store.append(event)
    count("OrdersPlaced")
    logger.info("Order placed", extra={"orderId": event.aggregate_id, "total": event.data["total"]})
    return {"orderId": event.aggregate_id, "status": PENDING, **event.data, "createdAt": event.occurred_at}


@idempotent_on_first_use(IDEMPOTENCY_TABLE, idempotency_config, data_keyword_argument="request")
def place_order_once(order: PlaceOrder, *, request: dict[str, Any]) -> dict[str, Any]:
    """``place_order`` at most once per Idempotency-Key; ``request`` ({"key", "order"}) is what Powertools hashes."""
    return place_order(order)


def find_order(order_id: str) -> dict[str, Any]:
    order = get(ORDERS_TABLE, {"orderId": order_id})
    if order is None:
        # ServiceError, not NotFoundError: that one is reserved for unknown routes (see no_route)
        raise ServiceError(HTTPStatus.NOT_FOUND.value, f"Order {order_id} not found")
    return order


# --- routes -----------------------------------------------------------------------------------------------------


def read_order_request() -> PlaceOrder:
    body = app.current_event.decoded_body
    if not body:
        raise BadRequestError("Request body is required: a JSON order with customerId, items and currency")
    size = len(body.encode())
    if size > MAX_BODY_BYTES:
        raise RequestEntityTooLargeError(f"Request body is {size} bytes; the limit is {MAX_BODY_BYTES} bytes")
    return parse(event=body, model=PlaceOrder)  # type: ignore[call-overload]  # parse() validates JSON text too


@route("/orders", "POST")
def create_order() -> Response:
    order = read_order_request()
    key = app.current_event.headers.get("Idempotency-Key")
    if key is None:
        created = place_order(order)
    elif not 0 < len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise BadRequestError(f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters long")
    else:
        request = {"key": key, "order": order.model_dump(mode="json", by_alias=True)}
        created = place_order_once(order, request=request)
    location = {"Location": f"/orders/{created['orderId']}"}
    return Response(HTTPStatus.CREATED.value, content_types.APPLICATION_JSON, created, headers=location)


@route("/orders/<order_id>", "GET")
def read_order(order_id: str) -> dict[str, Any]:
    # The open index's shard is the read model's bookkeeping for reconcile, not part of the order.
    return {name: value for name, value in find_order(order_id).items() if name != OPEN_SHARD_ATTRIBUTE}


@route("/orders/<order_id>/invoice", "POST")
def request_invoice(order_id: str) -> Response:
    order = find_order(order_id)
    if order.get("status") == CANCELLED:
        raise ServiceError(HTTPStatus.CONFLICT.value, f"Order {order_id} is cancelled; it cannot be invoiced")
    client("sqs").send_message(QueueUrl=INVOICE_QUEUE_URL, MessageBody=json.dumps({"orderId": order_id}))
    count("InvoicesRequested")
    accepted = {"orderId": order_id, "invoice": "requested"}
    return Response(HTTPStatus.ACCEPTED.value, content_types.APPLICATION_JSON, accepted)


# --- errors -----------------------------------------------------------------------------------------------------


@app.exception_handler(ValidationError)
def invalid_order(exc: ValidationError) -> Response:
    problems = exc.errors(include_url=False, include_input=False)
    if any(problem["type"] == "json_invalid" for problem in problems):
        return error(HTTPStatus.BAD_REQUEST, f"Request body is not valid JSON: {problems[0]['msg']}")
    fields = [{"field": ".".join(map(str, p["loc"])) or "(body)", "problem": p["msg"]} for p in problems]
    logger.info("Rejected an invalid order", extra={"errors": fields})
    return error(HTTPStatus.UNPROCESSABLE_ENTITY, "Request body is not a valid order", errors=fields)


@app.exception_handler(IdempotencyValidationError)
def key_reused(_: IdempotencyValidationError) -> Response:
    return error(HTTPStatus.UNPROCESSABLE_ENTITY, "Idempotency-Key was already used with a different request body")


@app.exception_handler(IdempotencyAlreadyInProgressError)
def key_in_flight(_: IdempotencyAlreadyInProgressError) -> Response:
    return error(HTTPStatus.CONFLICT, "A request with this Idempotency-Key is still being processed; retry shortly")


@app.not_found
def no_route(_: NotFoundError) -> Response:
    method, path = app.current_event.http_method, app.current_event.path
    allowed = [m for pattern, methods in _methods_by_path.items() if pattern.match(path) for m in methods]
    if allowed:
        message = f"Method {method} is not allowed on {path}; use {', '.join(allowed)}"
        return error(HTTPStatus.METHOD_NOT_ALLOWED, message, headers={"Allow": ", ".join(allowed)})
    return error(HTTPStatus.NOT_FOUND, f"No route for {method} {path}")


@entrypoint(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency_config.register_lambda_context(context)  # lets an in-flight record expire with this invocation
    return app.resolve(event, context)
