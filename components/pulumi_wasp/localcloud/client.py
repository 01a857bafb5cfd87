"""The client of a running local cloud, the API a program's ``localcloud_scenario.py`` is written against.

A :class:`Cloud` is built from the endpoints only (what ``wasp local serve`` writes to
``.localcloud/endpoints.json``, and what ``wasp local run`` hands to ``scenario(cloud)``), so the same code
runs inside ``local run`` and against a ``serve`` from a test or a shell:

* :meth:`Cloud.client` - a boto3 client of the emulator for any service (fake credentials, the stack's region);
* :meth:`Cloud.api` - a call to the stack's REST API, SigV4-signed as an AWS_IAM caller, throttling retried;
* :meth:`Cloud.status` and :meth:`Cloud.fire` - the control endpoint: function counters, the event sources'
  ledger, firing a schedule now;
* :meth:`Cloud.table`, :meth:`Cloud.get_item`, :meth:`Cloud.peek` - data by logical name;
* :meth:`Cloud.report` - a line in ``local run``'s report;
* :func:`wait_for` and :class:`FlowFailedError` - polling with a deadline, and the failure a scenario raises.

``endpoints`` (also :attr:`Cloud.endpoints`) holds ``api_url``, ``emulator_url``, ``control_url``, ``region``,
``account_id``, ``credentials``, ``speed``, and by logical name ``queues``, ``dlqs``, ``topics``, ``buses``,
``state_machines``, ``tables``, ``streams``, ``buckets``, ``functions``; ``schedules``; ``webhook`` (the first
WebhookReceiver's ``url``, ``secret``, ``tolerance_seconds``, or None); ``outputs`` (the stack's outputs).
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.scenario.flows import FlowResult

T = TypeVar("T")
#: How long a throttled (429) API call keeps being retried: a function at its reserved concurrency sheds load
#: at once, as on AWS, and a loaded machine can keep it there for seconds.
THROTTLE_DEADLINE_SECONDS = 30.0
#: Capped exponential backoff with full jitter between those retries (AWS's SDK retry strategy).
THROTTLE_BACKOFF_BASE_SECONDS, THROTTLE_BACKOFF_CAP_SECONDS = 0.05, 1.0
_DESERIALIZER = TypeDeserializer()


class FlowFailedError(AssertionError):
    """A flow's expectation did not hold (the message says which, and what was seen)."""


@dataclass
class Response:
    """An HTTP answer: status, headers and body text (:meth:`json` parses it; an empty body is None)."""

    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 35
) -> Response:
    """One HTTP request; an error status is an answer (not an exception), a connection failure raises."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310 - loopback URLs of the local cloud
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return Response(answer.status, dict(answer.headers.items()), answer.read().decode())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers.items()), error.read().decode())


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 15.0, interval: float = 0.25) -> T:
    """Poll ``probe`` every ``interval`` seconds until it returns something truthy, and return that; raise
    :class:`FlowFailedError` naming ``what`` after ``timeout`` seconds (default 15: a flow of the reference
    system settles in one to three at 60× local time)."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise FlowFailedError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _print(line: str) -> None:
    print(line, flush=True)


def item(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """A DynamoDB item in plain Python values."""
    return {k: _DESERIALIZER.deserialize(v) for k, v in raw.items()} if raw else None


class Cloud:
    """A running local cloud, by its endpoints.

    ``report``: where :meth:`report` writes (default: standard output); ``flows``: the ``--flow`` values of
    ``local run`` (see :func:`pulumi_wasp.localcloud.scenario.run_flows`). Thread-safe: flows run concurrently.
    """

    def __init__(
        self,
        endpoints: dict[str, Any],
        *,
        report: Callable[[str], None] | None = None,
        flows: Sequence[str] = (),
    ) -> None:
        self.endpoints = endpoints
        #: The stack's outputs (``pulumi.export``), as deployed.
        self.outputs: dict[str, Any] = endpoints.get("outputs", {})
        self._report = report or _print
        #: ``--flow`` values of ``local run``: select flows by name (empty: every flow).
        self.flow_patterns: tuple[str, ...] = tuple(flows)
        #: Every flow result :func:`~pulumi_wasp.localcloud.scenario.run_flows` reported, for the run's summary.
        self.flow_results: list[FlowResult] = []
        credentials = endpoints["credentials"]
        self._credentials = Credentials(credentials["AWS_ACCESS_KEY_ID"], credentials["AWS_SECRET_ACCESS_KEY"])
        self._session = boto3.session.Session(
            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
            region_name=endpoints["region"],
        )

    def report(self, line: str = "") -> None:
        """Write one line of the run's report (under the deploy report, before the summary)."""
        self._report(line)

    @cache  # noqa: B019 - one client per service for the client's lifetime is the point
    def client(self, service: str) -> Any:
        """A boto3 client of the emulator for ``service`` (e.g. ``"sqs"``), one per service."""
        config = Config(
            account_id_endpoint_mode="disabled", retries={"mode": "standard", "max_attempts": 3}, read_timeout=60
        )
        return self._session.client(service, endpoint_url=self.endpoints["emulator_url"], config=config)  # type: ignore[call-overload]

    def long_call_client(self, service: str, read_timeout: float) -> Any:
        """A client for one call that may last ``read_timeout`` seconds (a synchronous invocation of a long
        function), never retried: a retry would do it twice."""
        config = Config(
            account_id_endpoint_mode="disabled", retries={"total_max_attempts": 1}, read_timeout=read_timeout
        )
        return self._session.client(service, endpoint_url=self.endpoints["emulator_url"], config=config)  # type: ignore[call-overload]

    # -- the REST API ----------------------------------------------------------------------------
    def api(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, *, sign: bool = True
    ) -> Response:
        """Call the stack's REST API (``endpoints["api_url"]`` + ``path``) as a well-behaved AWS_IAM caller:
        ``body`` sent as JSON, SigV4-signed (``sign=False``: anonymous), a throttled (429) call retried with
        capped exponential backoff and full jitter for up to ``THROTTLE_DEADLINE_SECONDS``."""
        if not self.endpoints.get("api_url"):
            raise FlowFailedError("the stack has no REST API (endpoints have no api_url)")
        deadline = time.monotonic() + THROTTLE_DEADLINE_SECONDS
        attempt = 0
        while True:
            answer = self._api_once(method, path, body, headers, sign)
            if answer.status != 429 or time.monotonic() >= deadline:
                return answer
            backoff = min(THROTTLE_BACKOFF_CAP_SECONDS, THROTTLE_BACKOFF_BASE_SECONDS * 2**attempt)
            time.sleep(random.uniform(0, backoff))  # noqa: S311 - jitter, not cryptography
            attempt += 1

    def _api_once(self, method: str, path: str, body: Any, headers: dict[str, str] | None, sign: bool) -> Response:
        url = self.endpoints["api_url"] + path
        data = json.dumps(body).encode() if body is not None else b""
        request_headers = {"Content-Type": "application/json", **(headers or {})}
        if sign:
            request = AWSRequest(method=method, url=url, data=data, headers=request_headers)
            SigV4Auth(self._credentials, "execute-api", self.endpoints["region"]).add_auth(request)
            request_headers = dict(request.headers.items())
        return http(method, url, data or None, request_headers)

    # -- the control endpoint --------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """The runtime's view: ``functions`` (invocations, errors, throttles, cold starts, init times),
        ``sources`` (the event sources' ledger counts), ``queues`` (received vs processed message ids),
        ``mappings``, ``schedules`` and ``fired``."""
        return http("GET", self.endpoints["control_url"] + "/status").json()

    def fire(self, schedule: str) -> None:
        """Deliver one run of a schedule now (its name as in ``endpoints["schedules"]``)."""
        answer = http("POST", f"{self.endpoints['control_url']}/schedules/{schedule}/fire")
        if answer.status != 202:
            raise FlowFailedError(f"firing schedule {schedule!r}: {answer.status} {answer.text}")

    # -- data ------------------------------------------------------------------------------------
    def table(self, logical_name: str) -> str:
        """The physical name of a table by its Pulumi resource name (e.g. ``"orders-table"``)."""
        tables = self.endpoints["tables"]
        if logical_name not in tables:
            raise FlowFailedError(f"the stack has no table {logical_name!r} (has {sorted(tables)})")
        return tables[logical_name]

    def get_item(self, table: str, **key: str) -> dict[str, Any] | None:
        """A consistent read of one item by its string key attributes, in plain Python values, or None."""
        raw = self.client("dynamodb").get_item(
            TableName=self.table(table), Key={k: {"S": v} for k, v in key.items()}, ConsistentRead=True
        )
        return item(raw.get("Item"))

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
