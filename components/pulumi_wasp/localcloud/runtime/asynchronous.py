"""Lambda's asynchronous invocation: the event is accepted at once, then invoked with retries
(function errors: ``max_retries`` more attempts, one and two minutes apart; throttles and system errors:
backoff until the event's maximum age), and a failed event goes to the function's on-failure
destination in Lambda's destination record format."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pulumi_wasp.localcloud.deploy.registry import LATEST
from pulumi_wasp.localcloud.runtime.functions import Function, Invocation
from pulumi_wasp.localcloud.runtime.ledger import ACCEPTED, DEAD_LETTERED, DROPPED, PROCESSED, RETRIED
from pulumi_wasp.localcloud.runtime.threads import Workers

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.runtime.ports import RuntimePort

#: Lambda waits a minute before the first retry of a failed event, two before the second.
RETRY_DELAY_SECONDS = 60
THROTTLE_BACKOFF_SECONDS = (1, 2, 4, 8, 16, 32, 60, 120, 300)


@dataclass
class _Event:
    function: Function
    payload: str
    #: What the caller invoked (maybe an alias: each attempt runs the version it routes to then).
    invoked_arn: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    accepted_at: float = field(default_factory=time.monotonic)
    attempts: int = 0
    throttles: int = 0


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def destination_record(function: Function, event: _Event, condition: str, last: Invocation | None) -> dict[str, Any]:
    """What Lambda sends to an on-failure destination for an asynchronous invocation."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": iso_now(),
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": f"{function.spec.arn}:{last.executed_version if last else LATEST}",
            "condition": condition,
            "approximateInvokeCount": event.attempts,
        },
        "requestPayload": json.loads(event.payload),
    }
    if last is not None:
        record["responseContext"] = {
            "statusCode": last.status,
            "executedVersion": last.executed_version,
            "functionError": last.function_error,
        }
        record["responsePayload"] = last.error or last.result
    return record


class AsyncInvoker:
    def __init__(self, runtime: RuntimePort, workers: int = 8) -> None:
        self._runtime = runtime
        self._workers = Workers(workers, "lambda-async")

    def submit(self, function: Function, payload: str, invoked_arn: str) -> str:
        """Accept an event for ``invoked_arn`` (Lambda answers 202) and invoke it in the background."""
        event = _Event(function, payload, invoked_arn)
        self._runtime.ledger.note(self._source(function), ACCEPTED)
        self._workers.submit(lambda: self._attempt(event))
        return event.request_id

    def stop(self) -> None:
        """Drop queued attempts (a stopping local cloud keeps no events); returns at once.
        Attempts in flight end when their functions are closed."""
        self._workers.stop()

    def join(self, deadline: float) -> list[str]:
        return self._workers.join(deadline)

    @staticmethod
    def _source(function: Function) -> str:
        return f"async {function.spec.name}"

    def _later(self, local_seconds: float, event: _Event) -> None:
        def resubmit() -> None:
            self._workers.submit(lambda: self._attempt(event))

        self._runtime.timers.call_later(self._runtime.clock.real(local_seconds), resubmit)

    def _attempt(self, event: _Event) -> None:
        function, config = event.function, event.function.spec.async_config
        if self._runtime.clock.age(event.accepted_at) > config.max_event_age_seconds:
            self._fail(event, "EventAgeExceeded", None)
            return
        version = self._runtime.version_of(event.invoked_arn)
        invocation = function.invoke(event.payload, wait_for_slot=1.0, version=version, invoked_arn=event.invoked_arn)
        if invocation.aborted:
            return  # the local cloud is stopping: the event goes with it
        if invocation.status == 429 or invocation.status >= 500:
            # Throttles and system errors (a 502 for environment variables Lambda cannot decrypt) go back to the
            # queue and are retried with backoff until the event's maximum age; only function errors use up
            # max_retries ("Error handling for asynchronous invocation",
            # https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
            backoff = THROTTLE_BACKOFF_SECONDS[min(event.throttles, len(THROTTLE_BACKOFF_SECONDS) - 1)]
            event.throttles += 1
            self._later(backoff, event)
            return
        event.attempts += 1
        if not invocation.failed:
            self._runtime.ledger.note(self._source(function), PROCESSED)
        elif event.attempts <= config.max_retries:
            self._runtime.ledger.note(self._source(function), RETRIED)
            self._later(RETRY_DELAY_SECONDS * event.attempts, event)
        else:
            self._fail(event, "RetriesExhausted", invocation)

    def _fail(self, event: _Event, condition: str, last: Invocation | None) -> None:
        function = event.function
        destination = function.spec.async_config.on_failure_arn
        if destination is None:
            # Lambda discards it too; the ledger keeps the loss visible in the report.
            self._runtime.ledger.note(self._source(function), DROPPED)
            return
        self._runtime.send_to(destination, destination_record(function, event, condition, last))
        self._runtime.ledger.note(self._source(function), DEAD_LETTERED)
