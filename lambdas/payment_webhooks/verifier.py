"""webhook verifier: authenticate POST /webhooks/payments (REST v1 proxy), enqueue it, answer 202.

Nothing heavy runs in the request path: check the signature (secret from Secrets Manager through Powertools
Parameters, cached for SECRET_MAX_AGE seconds), check that the payload names an event, SendMessage, respond. 401 with
the reason for a bad or missing signature or a stale timestamp; 400 for a signed payload that is not a webhook event.

The secret rotates: a signature by the value before the last rotation (AWSPREVIOUS) is still accepted, so the sender
has until the next rotation to pick up the new value. That value is read only when the current one does not match.
"""

from __future__ import annotations

import json
import time
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.parameters import get_secret
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from shared.aws import client
from shared.config import integer, require
from shared.observability import count, entrypoint, logger

from payment_webhooks.notification import InvalidNotificationError, parse_notification
from payment_webhooks.signature import SignatureMismatchError, SignatureRejectedError, verify

WEBHOOK_SECRET_NAME = require("WEBHOOK_SECRET_NAME")
WEBHOOK_QUEUE_URL = require("WEBHOOK_QUEUE_URL")
TOLERANCE_SECONDS = integer("WEBHOOK_TOLERANCE_SECONDS", 300)
SECRET_MAX_AGE = 300  # a rotated secret is picked up within 5 minutes
#: The value before the last rotation and when it was read (monotonic seconds): cached like the current one, so
#: bad signatures cannot make every request a Secrets Manager call.
_previous: dict[str, Any] = {}


def respond(status: HTTPStatus, message: str, **extra: Any) -> dict[str, Any]:
    body = {"statusCode": status.value, "message": message, **extra}
    return {"statusCode": status.value, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def previous_secret() -> str | None:
    """AWSPREVIOUS, or None when the secret has not rotated yet."""
    if _previous and time.monotonic() - _previous["read_at"] < SECRET_MAX_AGE:
        return _previous["value"]
    try:
        value = client("secretsmanager").get_secret_value(SecretId=WEBHOOK_SECRET_NAME, VersionStage="AWSPREVIOUS")
        previous = value.get("SecretString")
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        previous = None
    _previous.update(value=previous, read_at=time.monotonic())
    return previous


def authenticate(request: APIGatewayProxyEvent, body: bytes, now: float) -> None:
    """Raise SignatureRejectedError unless the current secret, or the one before the last rotation, signed it."""
    signature, timestamp = request.headers.get("X-Signature"), request.headers.get("X-Timestamp")
    try:
        verify(
            get_secret(WEBHOOK_SECRET_NAME, max_age=SECRET_MAX_AGE), signature, timestamp, body, now, TOLERANCE_SECONDS
        )
    except SignatureMismatchError:
        previous = previous_secret()
        if previous is None:
            raise
        verify(previous, signature, timestamp, body, now, TOLERANCE_SECONDS)


def receive(request: APIGatewayProxyEvent, now: float) -> dict[str, Any]:
    if request.http_method != "POST":
        return respond(HTTPStatus.METHOD_NOT_ALLOWED, f"Method {request.http_method} is not allowed; use POST")
    body = (request.decoded_body or "").encode()
    try:
        authenticate(request, body, now)
    except SignatureRejectedError as rejected:
        logger.warning("Webhook rejected", extra={"reason": str(rejected)})
        count("WebhooksRejected")
        return respond(HTTPStatus.UNAUTHORIZED, f"Webhook rejected: {rejected}")
    try:
        notification = parse_notification(body)
    except InvalidNotificationError as invalid:
        return respond(HTTPStatus.BAD_REQUEST, str(invalid))
    client("sqs").send_message(QueueUrl=WEBHOOK_QUEUE_URL, MessageBody=body.decode())
    count("WebhooksAccepted")
    return respond(HTTPStatus.ACCEPTED, "Webhook accepted", eventId=notification["eventId"])


@entrypoint(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return receive(APIGatewayProxyEvent(event), time.time())
