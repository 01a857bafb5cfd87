"""Every change the local cloud makes to moto, in one place (moto is pinned; each patch has a test
in tests/e2e/test_patches.py, so an upgrade that moves these private APIs fails loudly).

1. ``moto.awslambda.models.LambdaFunction.invoke``: every Lambda path of moto goes through it
   (the Invoke API, Step Functions' Lambda tasks, S3 and SNS notifications), and it is the
   last point that still knows the invocation type (``_invoke_lambda`` below it does not).
   Synchronous invocations run on the local runtime; ``Event`` invocations, and moto's own
   service deliveries (S3, SNS: they pass no request headers, and AWS makes those
   asynchronous), go to the runtime's asynchronous queue (retries, on-failure destination).
2. ``moto.events.models.Rule.send_to_targets``: moto delivers to SQS, log groups, archives and
   buses itself but raises NotImplementedError for Lambda, Step Functions and SNS targets; those
   targets are handed to the runtime (with the target's retry policy and DLQ), the rest stay
   with moto.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaFunction
from moto.events.models import Rule
from moto.events.utils import EventMessageType

#: Target services the runtime delivers to (moto cannot).
RUNTIME_TARGETS = ("lambda", "states", "sns")


class Hooks(Protocol):
    def invoke(self, function_arn: str, payload: str) -> tuple[int, str, str | None]:
        """Run the function synchronously: (status, payload, function error or None)."""

    def invoke_async(self, function_arn: str, payload: str) -> str:
        """Queue an asynchronous invocation; returns its request id."""

    def deliver(self, rule_arn: str, target: dict[str, Any], event: dict[str, Any]) -> None:
        """Deliver a matched event to a Lambda, Step Functions or SNS target."""


class ThrottledError(LambdaClientError):
    """Lambda's answer to a synchronous call beyond the function's concurrency."""

    code = 429

    def __init__(self, message: str) -> None:
        super().__init__("TooManyRequestsException", message)


class ServiceError(LambdaClientError):
    """Lambda's answer when the service itself failed (here: the local cloud is stopping)."""

    code = 500

    def __init__(self, message: str) -> None:
        super().__init__("ServiceException", message)


_original: dict[str, Callable[..., Any]] = {}


def install(hooks: Hooks) -> None:
    """Route moto's Lambda invocations and its unsupported EventBridge targets to ``hooks``."""
    if _original:
        raise RuntimeError("moto is already patched: one local cloud per process")
    _original["invoke"] = LambdaFunction.invoke
    _original["send_to_targets"] = Rule.send_to_targets

    def invoke(self: LambdaFunction, body: str, request_headers: Any, response_headers: dict[str, str]) -> str | bytes:
        payload = body or "{}"
        if not request_headers or request_headers.get("x-amz-invocation-type") == "Event":
            response_headers["x-amz-request-id"] = hooks.invoke_async(self.function_arn, payload)
            return b""
        status, result, function_error = hooks.invoke(self.function_arn, payload)
        if status == 429:
            raise ThrottledError(json.loads(result).get("errorMessage", "Rate Exceeded."))
        if status >= 500:
            raise ServiceError(json.loads(result).get("errorMessage", "Service error."))
        response_headers["x-amz-executed-version"] = "$LATEST"
        if function_error:
            response_headers["x-amz-function-error"] = function_error
        return result.encode()

    def send_to_targets(self: Rule, original_event: EventMessageType, transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        ours = [t for t in self.targets if t["Arn"].split(":")[2] in RUNTIME_TARGETS]
        if ours:
            event = aws_event(dict(original_event))
            for target in ours:
                hooks.deliver(self.arn, target, event)
        if len(ours) < len(self.targets):
            rest = copy.copy(self)
            rest.targets = [t for t in self.targets if t not in ours]
            _original["send_to_targets"](rest, original_event, transform_input)

    LambdaFunction.invoke = invoke  # type: ignore[method-assign]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    if _original:
        LambdaFunction.invoke = _original.pop("invoke")  # type: ignore[method-assign]
        Rule.send_to_targets = _original.pop("send_to_targets")  # type: ignore[method-assign]


def aws_event(event: dict[str, Any]) -> dict[str, Any]:
    """moto's event as EventBridge delivers it: ``time`` in ISO 8601, no internal fields."""
    delivered = {k: v for k, v in event.items() if k != "ingestion-time"}
    if isinstance(delivered.get("time"), (int, float)):
        delivered["time"] = datetime.fromtimestamp(delivered["time"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return delivered
