"""A client of a running local cloud, built from its endpoints only (what serve writes to
.localcloud/endpoints.json): the emulator's AWS APIs, the REST API (SigV4-signed like any
AWS_IAM caller), the signed webhook, and the control endpoint."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

T = TypeVar("T")
#: Attempts of a throttled API call (about 6 s of backoff in all).
THROTTLE_RETRIES = 8
_DESERIALIZER = TypeDeserializer()


class FlowFailedError(AssertionError):
    """A flow's expectation did not hold (the message says which, and what was seen)."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 35
) -> Response:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310 - loopback URLs of the local cloud
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return Response(answer.status, dict(answer.headers.items()), answer.read().decode())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers.items()), error.read().decode())


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 15.0, interval: float = 0.25) -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise FlowFailedError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def item(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """A DynamoDB item in plain Python values."""
    return {k: _DESERIALIZER.deserialize(v) for k, v in raw.items()} if raw else None


class Cloud:
    def __init__(self, endpoints: dict[str, Any]) -> None:
        self.endpoints = endpoints
        self.outputs: dict[str, Any] = endpoints.get("outputs", {})
        credentials = endpoints["credentials"]
        self._credentials = Credentials(credentials["AWS_ACCESS_KEY_ID"], credentials["AWS_SECRET_ACCESS_KEY"])
        self._session = boto3.session.Session(
            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
            region_name=endpoints["region"],
        )

    @cache  # noqa: B019 - one client per service for the client's lifetime is the point
    def client(self, service: str) -> Any:
        config = Config(
            account_id_endpoint_mode="disabled", retries={"mode": "standard", "max_attempts": 3}, read_timeout=60
        )
        return self._session.client(service, endpoint_url=self.endpoints["emulator_url"], config=config)  # type: ignore[call-overload]

    # -- the REST API ----------------------------------------------------------------------------
    def api(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, *, sign: bool = True
    ) -> Response:
        """Call the orders API as a well-behaved AWS_IAM caller: SigV4-signed (``sign=False``:
        anonymous), a throttled (429) call retried with exponential backoff and jitter."""
        for attempt in range(THROTTLE_RETRIES):
            answer = self._api_once(method, path, body, headers, sign)
            if answer.status != 429:
                break
            time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter, not cryptography
        return answer

    def _api_once(self, method: str, path: str, body: Any, headers: dict[str, str] | None, sign: bool) -> Response:
        url = self.endpoints["api_url"] + path
        data = json.dumps(body).encode() if body is not None else b""
        request_headers = {"Content-Type": "application/json", **(headers or {})}
        if sign:
            request = AWSRequest(method=method, url=url, data=data, headers=request_headers)
            SigV4Auth(self._credentials, "execute-api", self.endpoints["region"]).add_auth(request)
            request_headers = dict(request.headers.items())
        return http(method, url, data or None, request_headers)

    def post_webhook(
        self, payload: dict[str, Any], *, timestamp: int | None = None, secret: str | None = None
    ) -> Response:
        """POST a payment webhook signed as the provider does: HMAC-SHA256 of "<timestamp>.<body>"."""
        webhook = self.endpoints["webhook"]
        body = json.dumps(payload).encode()
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        key = (webhook["secret"] if secret is None else secret).encode()
        signature = hmac.new(key, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            webhook["timestamp_header"]: stamp,
            webhook["signature_header"]: signature,
        }
        return http("POST", webhook["url"], body, headers)

    # -- the control endpoint --------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return http("GET", self.endpoints["control_url"] + "/status").json()

    def fire(self, schedule: str) -> None:
        answer = http("POST", f"{self.endpoints['control_url']}/schedules/{schedule}/fire")
        if answer.status != 202:
            raise FlowFailedError(f"firing schedule {schedule!r}: {answer.status} {answer.text}")

    # -- data ------------------------------------------------------------------------------------
    def table(self, logical_name: str) -> str:
        return self.endpoints["tables"][logical_name]

    def get_item(self, table: str, **key: str) -> dict[str, Any] | None:
        raw = self.client("dynamodb").get_item(
            TableName=self.table(table), Key={k: {"S": v} for k, v in key.items()}, ConsistentRead=True
        )
        return item(raw.get("Item"))

    def events_of(self, aggregate_id: str) -> list[dict[str, Any]]:
        """The event store's events of one aggregate, in version order."""
        response = self.client("dynamodb").query(
            TableName=self.table("event-store-table"),
            KeyConditionExpression="aggregateId = :id",
            ExpressionAttributeValues={":id": {"S": aggregate_id}},
            ConsistentRead=True,
        )
        return [item(raw) or {} for raw in response["Items"]]

    def peek(self, queue_url: str) -> list[dict[str, Any]]:
        """Every message in a queue, left in it (each is hidden a moment, then visible again)."""
        seen: dict[str, dict[str, Any]] = {}
        sqs = self.client("sqs")
        while True:
            batch = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=2, MessageAttributeNames=["All"]
            )
            fresh = [m for m in batch.get("Messages", []) if m["MessageId"] not in seen]
            if not fresh:
                break
            seen.update((m["MessageId"], m) for m in fresh)
        if seen:
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(seen.values())
            ]
            for start in range(0, len(entries), 10):
                sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries[start : start + 10])
        return list(seen.values())
