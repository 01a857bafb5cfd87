"""Lambda's asynchronous invocation: which failures use up the event's retries and which are retried with backoff
until its maximum age."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from pulumi_wasp.localcloud.deploy.registry import AsyncConfig
from pulumi_wasp.localcloud.runtime.asynchronous import THROTTLE_BACKOFF_SECONDS, AsyncInvoker
from pulumi_wasp.localcloud.runtime.functions import Invocation
from pulumi_wasp.localcloud.runtime.ledger import RETRIED

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:keyed"
DLQ = "arn:aws:sqs:eu-west-1:123456789012:keyed-dlq"


class Runtime:
    """A stand-in for the runtime port: delayed calls are kept (not run), the event's age is set by the test."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.later: list[Any] = []
        self.notes: list[str] = []
        self.sent: list[dict[str, Any]] = []
        self.age = 0.0
        self.attempted = threading.Event()
        self.timers = SimpleNamespace(call_later=self._call_later)
        self.clock = SimpleNamespace(real=lambda seconds: seconds, age=lambda _: self.age)
        self.ledger = SimpleNamespace(note=lambda _, what: self.notes.append(what))

    def _call_later(self, seconds: float, call: Any) -> None:
        self.delays.append(seconds)
        self.later.append(call)
        self.attempted.set()

    def version_of(self, _: str) -> str:
        return "$LATEST"

    def send_to(self, destination: str, body: dict[str, Any], attributes: None = None) -> None:
        self.sent.append({"destination": destination, **body})
        self.attempted.set()


def function(answer: Invocation) -> Any:
    spec = SimpleNamespace(name="keyed", arn=ARN, async_config=AsyncConfig(max_retries=0, on_failure_arn=DLQ))
    return SimpleNamespace(spec=spec, invoke=lambda *_, **__: answer)


def undecryptable() -> Invocation:
    body = '{"errorType": "KMSAccessDeniedException", "errorMessage": "Lambda was unable to decrypt"}'
    return Invocation("r-1", body, status=502)


def run_once(runtime: Runtime, invoker: AsyncInvoker, answer: Invocation) -> None:
    invoker.submit(function(answer), "{}", ARN)
    assert runtime.attempted.wait(10)


def test_an_event_lambda_cannot_decrypt_the_environment_for_is_retried_with_backoff_not_its_retries() -> None:
    runtime = Runtime()
    invoker = AsyncInvoker(runtime, workers=1)  # type: ignore[arg-type]
    try:
        run_once(runtime, invoker, undecryptable())
    finally:
        invoker.stop()
    assert runtime.delays == [THROTTLE_BACKOFF_SECONDS[0]]
    assert RETRIED not in runtime.notes and runtime.sent == []


def test_an_event_lambda_cannot_decrypt_the_environment_for_fails_when_it_is_too_old() -> None:
    runtime = Runtime()
    invoker = AsyncInvoker(runtime, workers=1)  # type: ignore[arg-type]
    try:
        run_once(runtime, invoker, undecryptable())
        runtime.attempted.clear()
        runtime.age = AsyncConfig().max_event_age_seconds + 1
        runtime.later.pop()()
        assert runtime.attempted.wait(10)
    finally:
        invoker.stop()
    (record,) = runtime.sent
    assert (record["destination"], record["requestContext"]["condition"]) == (DLQ, "EventAgeExceeded")


def test_a_function_error_uses_up_the_events_retries() -> None:
    runtime = Runtime()
    invoker = AsyncInvoker(runtime, workers=1)  # type: ignore[arg-type]
    try:
        run_once(runtime, invoker, Invocation("r-1", '{"errorMessage": "boom"}', function_error="Unhandled"))
    finally:
        invoker.stop()
    (record,) = runtime.sent
    assert record["requestContext"]["condition"] == "RetriesExhausted" and runtime.delays == []
