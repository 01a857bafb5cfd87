"""EventBridge (rules and Scheduler) → Lambda, Step Functions and SNS targets: the target's input
(Input, InputPath, InputTransformer), delivery retried with backoff within the retry policy
(attempts and event age), then the target's DLQ with EventBridge's error attributes."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from pulumi_wasp.adapters.moto import render_input_template
from pulumi_wasp.localcloud.runtime.ledger import ACCEPTED, DEAD_LETTERED, DROPPED, PROCESSED, RETRIED
from pulumi_wasp.localcloud.runtime.threads import Workers

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.runtime.ports import RuntimePort

#: EventBridge's defaults when a target has no retry policy: 185 attempts within 24 hours.
DEFAULT_RETRIES, DEFAULT_MAX_AGE_SECONDS = 185, 86_400
#: First retry delay (local seconds); it doubles up to a minute.
FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS = 1.0, 60.0


@dataclass
class _Delivery:
    source_arn: str
    target: dict[str, Any]
    payload: str
    accepted_at: float = field(default_factory=time.monotonic)
    attempts: int = 0


def target_input(target: dict[str, Any], event: dict[str, Any]) -> str:
    """What the target receives: its constant Input, the InputPath of the event, the rendered
    InputTransformer template, or the whole event."""
    if "Input" in target:
        return target["Input"]
    if "InputPath" in target:
        selected: Any = event
        for key in [k for k in target["InputPath"].removeprefix("$").split(".") if k]:
            selected = selected.get(key) if isinstance(selected, dict) else None
        return json.dumps(selected)
    if "InputTransformer" in target:
        transformer = target["InputTransformer"]
        return render_input_template(transformer.get("InputTemplate"), transformer.get("InputPathsMap", {}), event)
    return json.dumps(event)


class EventTargets:
    def __init__(self, runtime: RuntimePort, workers: int = 4) -> None:
        self._runtime = runtime
        self._workers = Workers(workers, "event-targets")

    def deliver(self, source_arn: str, target: dict[str, Any], event: dict[str, Any]) -> None:
        """Queue a delivery (called from the emulator's request thread: it must not block)."""
        delivery = _Delivery(source_arn, target, target_input(target, event))
        self._runtime.ledger.note(self._source(delivery), ACCEPTED)
        self._workers.submit(lambda: self._attempt(delivery))

    def stop(self) -> None:
        """Drop queued deliveries and retries; returns at once."""
        self._workers.stop()

    def join(self, deadline: float) -> list[str]:
        return self._workers.join(deadline)

    @staticmethod
    def _source(delivery: _Delivery) -> str:
        return f"events {delivery.source_arn.rsplit('/', 1)[-1]} → {delivery.target['Arn'].split(':')[2]}"

    def _send(self, delivery: _Delivery) -> None:
        arn, payload = delivery.target["Arn"], delivery.payload
        service = arn.split(":")[2]
        self._runtime.emulator.authorize_delivery(delivery.source_arn, delivery.target)
        if service == "lambda":
            # Lambda accepts the event for asynchronous invocation; its own retries take over.
            self._runtime.invoke_async(arn, payload)
        elif service == "states":
            self._runtime.emulator.client("stepfunctions").start_execution(
                stateMachineArn=arn, input=payload, name=str(uuid.uuid4())
            )
        elif service == "sns":
            self._runtime.emulator.client("sns").publish(TopicArn=arn, Message=payload)
        else:
            raise ValueError(f"unsupported target {arn}")

    def _attempt(self, delivery: _Delivery) -> None:
        source = self._source(delivery)
        try:
            self._send(delivery)
        except (ClientError, BotoCoreError, KeyError, ValueError) as exc:
            delivery.attempts += 1
            retry = delivery.target.get("RetryPolicy", {})
            age = self._runtime.clock.age(delivery.accepted_at)
            if delivery.attempts > retry.get("MaximumRetryAttempts", DEFAULT_RETRIES):
                self._dead_letter(delivery, exc, "MaximumRetryAttemptsExhausted")
            elif age > retry.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_SECONDS):
                self._dead_letter(delivery, exc, "MaximumEventAgeExceeded")
            else:
                self._runtime.ledger.note(source, RETRIED)
                delay = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (delivery.attempts - 1))
                self._runtime.timers.call_later(self._runtime.clock.real(delay), lambda: self._resubmit(delivery))
            return
        self._runtime.ledger.note(source, PROCESSED)

    def _resubmit(self, delivery: _Delivery) -> None:
        self._workers.submit(lambda: self._attempt(delivery))

    def _dead_letter(self, delivery: _Delivery, error: Exception, condition: str) -> None:
        dlq = delivery.target.get("DeadLetterConfig", {}).get("Arn")
        if dlq is None:
            self._runtime.ledger.note(self._source(delivery), DROPPED)
            return
        code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
        attributes = {
            "RULE_ARN": delivery.source_arn,
            "TARGET_ARN": delivery.target["Arn"],
            "ERROR_CODE": code,
            "ERROR_MESSAGE": str(error)[:256],
            "EXHAUSTED_RETRY_CONDITION": condition,
            "RETRY_ATTEMPTS": str(delivery.attempts - 1),
        }
        try:  # the DLQ's policy must let the service send (Scheduler: through the schedule's role)
            self._runtime.emulator.authorize_delivery(delivery.source_arn, {**delivery.target, "Arn": dlq})
        except ClientError:
            self._runtime.ledger.note(self._source(delivery), DROPPED)
            return
        self._runtime.send_to(dlq, delivery.payload, attributes)
        self._runtime.ledger.note(self._source(delivery), DEAD_LETTERED)
