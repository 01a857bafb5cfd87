"""Step Functions rules: tracing, logging, and Retry/TimeoutSeconds on every Task, nested ones included."""

from __future__ import annotations

import json

import pulumi_aws as aws
import pytest

from pulumi_wasp.preview import PolicyReport
from pulumi_wasp.synthesis import Synthesis

from .conftest import TAGS, analyze, flagged, messages, synth, unevaluated, with_unknown

RETRY = [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "BackoffRate": 2, "MaxAttempts": 3}]
GOOD_TASK = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": RETRY, "TimeoutSeconds": 30}
BARE_TASK = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}


def _machine(name: str, states: dict[str, object], **overrides: object) -> None:
    args: dict[str, object] = {
        "role_arn": "arn:aws:iam::123456789012:role/sfn",
        "definition": json.dumps({"StartAt": next(iter(states)), "States": states}),
        "tracing_configuration": {"enabled": True},
        "logging_configuration": {"level": "ALL", "log_destination": "arn:aws:logs:us-east-1:1:log-group:/sfn:*"},
        "tags": TAGS,
    }
    args.update(overrides)
    aws.sfn.StateMachine(name, **{key: value for key, value in args.items() if value is not None})


def program() -> None:
    _machine("good", {"Reserve": {**GOOD_TASK, "End": True}})
    _machine("untraced", {"Reserve": {**GOOD_TASK, "End": True}}, tracing_configuration=None)
    _machine("silent", {"Reserve": {**GOOD_TASK, "End": True}}, logging_configuration={"level": "OFF"})
    _machine("fragile", {"Reserve": BARE_TASK})
    parallel = {"Type": "Parallel", "End": True, "Branches": [{"StartAt": "Pay", "States": {"Pay": BARE_TASK}}]}
    _machine("nested", {"Fan": parallel})
    mapped = {"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "Ship", "States": {"Ship": BARE_TASK}}}
    _machine("mapped", {"Each": mapped})
    _machine("dangling", {"Reserve": {**GOOD_TASK, "Next": "Ship"}})


@pytest.fixture(scope="module")
def stack() -> Synthesis:
    return synth(program)


@pytest.fixture(scope="module")
def report(stack: Synthesis) -> PolicyReport:
    return analyze(stack)


def test_tracing_accepts_enabled_and_flags_missing(report: PolicyReport) -> None:
    assert flagged(report, "sfn-tracing") == {"untraced"}


def test_logging_accepts_a_level_and_destination(report: PolicyReport) -> None:
    assert "good" not in flagged(report, "sfn-logging")


def test_logging_flags_level_off_and_a_missing_destination(report: PolicyReport) -> None:
    assert len(messages(report, "sfn-logging", "silent")) == 2


def test_task_retry_accepts_tasks_with_retry(report: PolicyReport) -> None:
    assert "good" not in flagged(report, "sfn-task-retry")


def test_task_retry_flags_a_task_without_retry(report: PolicyReport) -> None:
    (message,) = messages(report, "sfn-task-retry", "fragile")
    assert "definition States.Reserve.Retry is not set" in message


def test_task_retry_finds_tasks_inside_parallel_branches(report: PolicyReport) -> None:
    (message,) = messages(report, "sfn-task-retry", "nested")
    assert "States.Fan.Branches[0].States.Pay.Retry" in message


def test_task_timeout_finds_tasks_inside_map_processors(report: PolicyReport) -> None:
    (message,) = messages(report, "sfn-task-timeout", "mapped")
    assert "States.Each.ItemProcessor.States.Ship.TimeoutSeconds" in message


def test_task_timeout_accepts_tasks_with_timeout_seconds(report: PolicyReport) -> None:
    assert "good" not in flagged(report, "sfn-task-timeout")


def test_task_rules_leave_an_unknown_definition_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "fragile", "definition"))
    assert "fragile" in unevaluated(report, "sfn-task-retry")
    assert "fragile" not in flagged(report, "sfn-task-retry")


def test_definition_valid_accepts_valid_definitions(report: PolicyReport) -> None:
    assert flagged(report, "sfn-definition-valid") == {"dangling"}


def test_definition_valid_flags_a_transition_to_a_missing_state_naming_it(report: PolicyReport) -> None:
    assert messages(report, "sfn-definition-valid", "dangling") == [
        "dangling (aws:sfn/stateMachine:StateMachine): definition is States.Reserve.Next: names 'Ship', which is "
        "not a state of this machine; wanted valid Amazon States Language. Fix: correct it",
        "dangling (aws:sfn/stateMachine:StateMachine): definition is States: no state ends the machine (End: true, "
        "Succeed or Fail); wanted valid Amazon States Language. Fix: correct it",
    ]


def test_definition_valid_leaves_an_unknown_definition_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "dangling", "definition"))
    assert "dangling" in unevaluated(report, "sfn-definition-valid")
    assert "dangling" not in flagged(report, "sfn-definition-valid")
