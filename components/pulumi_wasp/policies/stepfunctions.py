"""Step Functions: tracing, logging, and retries and timeouts on every Task state of the definition."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import asl
from .aws_types import STATE_MACHINE
from .common import ADVISORY, MANDATORY, Config, Res, Text, json_doc, raw, resource_rule, violation


def _trace_machine(machine: Res, config: Config) -> dict[str, Any] | None:
    if machine.get("tracingConfiguration", "enabled") is True:
        return None
    return {"tracingConfiguration": {**(raw(machine.get("tracingConfiguration")) or {}), "enabled": True}}


@resource_rule(
    "sfn-tracing",
    types=[STATE_MACHINE],
    description="State machines record X-Ray traces.",
    level=MANDATORY,
    fix='Set tracing_configuration={"enabled": True}.',
    pillar="operational-excellence",
    anchors="SR WS5000, NAG StateMachineXray",
    remediate=_trace_machine,
)
def tracing(machine: Res, config: Config) -> Iterator[str]:
    if machine.get("tracingConfiguration", "enabled") is not True:
        found = machine.get("tracingConfiguration", "enabled")
        yield violation(
            machine, "tracingConfiguration.enabled", found, "true", 'set tracing_configuration={"enabled": True}'
        )


@resource_rule(
    "sfn-logging",
    types=[STATE_MACHINE],
    description="State machines log executions (level not OFF) to a log group.",
    level=MANDATORY,
    fix='Set logging_configuration={"level": "ALL", "include_execution_data": False, "log_destination": '
    '"<log group arn>:*"}.',
    pillar="operational-excellence",
    anchors="AwsSolutions-SF1, CKV_AWS_285",
)
def logging(machine: Res, config: Config) -> Iterator[str]:
    level = machine.get("loggingConfiguration", "level")
    if level in (None, "OFF"):
        yield violation(
            machine, "loggingConfiguration.level", level, '"ALL", "ERROR" or "FATAL"', 'set level="ALL" (or "ERROR")'
        )
    if not machine.get("loggingConfiguration", "logDestination"):
        yield violation(
            machine,
            "loggingConfiguration.logDestination",
            None,
            "a CloudWatch log group ARN ending in :*",
            "set log_destination to a log group (under /aws/vendedlogs/states/) with retention",
        )


def task_states(states: Any, path: str = "States") -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, state) for every Task state, including inside Parallel branches and Map processors."""
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        here = f"{path}.{name}"
        if state.get("Type") == "Task":
            yield here, state
        for index, branch in enumerate(state.get("Branches") or []):
            if isinstance(branch, dict):
                yield from task_states(branch.get("States"), f"{here}.Branches[{index}].States")
        for key in ("Iterator", "ItemProcessor"):
            inner = state.get(key)
            if isinstance(inner, dict):
                yield from task_states(inner.get("States"), f"{here}.{key}.States")


def _definition(machine: Res) -> dict[str, Any]:
    doc = json_doc(machine.get("definition"))
    return doc if isinstance(doc, dict) else {}


@resource_rule(
    "sfn-task-retry",
    types=[STATE_MACHINE],
    description="Every Task state retries transient failures (Retry with backoff).",
    level=ADVISORY,
    fix='Add "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "BackoffRate": 2, '
    '"MaxAttempts": 3, "JitterStrategy": "FULL"}] to each Task.',
    pillar="reliability",
    anchors="none",
)
def task_retry(machine: Res, config: Config) -> Iterator[str]:
    for path, state in task_states(_definition(machine).get("States")):
        if not state.get("Retry"):
            yield violation(
                machine, f"definition {path}.Retry", None, "a Retry with backoff", "add a Retry block to the Task"
            )


@resource_rule(
    "sfn-task-timeout",
    types=[STATE_MACHINE],
    description="Every Task state bounds its wait (TimeoutSeconds or HeartbeatSeconds).",
    level=ADVISORY,
    fix='Add "TimeoutSeconds" (and "HeartbeatSeconds" for callback tasks) to each Task.',
    pillar="reliability",
    anchors="none",
)
def task_timeout(machine: Res, config: Config) -> Iterator[str]:
    bounds = ("TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath")
    for path, state in task_states(_definition(machine).get("States")):
        if not any(key in state for key in bounds):
            yield violation(
                machine,
                f"definition {path}.TimeoutSeconds",
                None,
                "TimeoutSeconds or HeartbeatSeconds (a Task waits up to a year by default)",
                "add TimeoutSeconds to the Task",
            )


@resource_rule(
    "sfn-definition-valid",
    types=[STATE_MACHINE],
    description="The definition is valid Amazon States Language (Step Functions would reject it at deploy).",
    level=MANDATORY,
    fix="Correct the definition where the message points: every transition names a state, every state is "
    "reachable and ends or moves on, fields fit their state type.",
    pillar="reliability",
    anchors="States Language specification, Step Functions ValidateStateMachineDefinition",
)
def definition_valid(machine: Res, config: Config) -> Iterator[str]:
    definition = raw(machine.known("definition"))
    for problem in asl.validate(definition):
        yield violation(machine, "definition", Text(problem), "valid Amazon States Language", "correct it")


RULES = (tracing, logging, task_retry, task_timeout, definition_valid)
