"""The States Language validator behind sfn-definition-valid, cross-checked against moto's ASL parser.

moto's parser (LocalStack's ANTLR grammar) is an independent implementation of the grammar: every
definition the components generate must pass both, and every grammar error this validator reports
must be one moto rejects too. The semantic checks (transitions, reachability) moto does not make.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulumi_wasp.adapters.moto import asl_parse_errors
from pulumi_wasp.components.saga import Compensation, FinalTask, ParallelStep, SagaArgs, Step, definition
from pulumi_wasp.policies.asl import MAX_DEFINITION_BYTES, validate
from pulumi_wasp.synthesis import Synthesis

TASK = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
LAMBDA = "arn:aws:lambda:eu-west-1:123456789012:function:"


def machine(states: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states, **top}


def one_error(doc: dict[str, Any] | str) -> str:
    (error,) = validate(doc)
    return error


# -- definitions the components generate: both validators accept them ---------------------------


def _step(name: str, undo: str | None = None) -> Step:
    if undo is None:
        return Step(name=name, function_arn=LAMBDA + name, no_compensation="nothing to undo")
    return Step(name=name, function_arn=LAMBDA + name, compensation=Compensation(name=undo, function_arn=LAMBDA + undo))


SAGAS = {
    "compensated steps with final tasks": SagaArgs(
        steps=[_step("Reserve", "Release"), _step("Pay", "Refund")],
        on_success=FinalTask(name="Confirm", function_arn=LAMBDA + "c", payload={"outcome": "confirmed"}),
        on_failure=FinalTask(name="Cancel", function_arn=LAMBDA + "c", payload={"outcome": "cancelled"}),
        comment="order fulfilment",
    ),
    "a parallel step and a step without compensation": SagaArgs(
        steps=[
            _step("Reserve", "Release"),
            _step("Audit"),
            ParallelStep(name="Settle", branches=[_step("Charge", "Refund"), _step("Invoice", "Void")]),
        ]
    ),
    "a callback step": SagaArgs(
        steps=[
            Step(
                name="Approve",
                function_arn=LAMBDA + "approve",
                no_compensation="read only",
                wait_for_task_token=True,
                timeout_seconds=200,
                heartbeat_seconds=60,
            )
        ]
    ),
}


@pytest.mark.parametrize("notify", [None, "arn:aws:sns:eu-west-1:123456789012:alarms"], ids=["plain", "notify"])
@pytest.mark.parametrize("args", list(SAGAS.values()), ids=list(SAGAS))
def test_every_saga_definition_passes_this_validator_and_motos_parser(args: SagaArgs, notify: str | None) -> None:
    document = json.dumps(definition(args, notify))
    assert validate(document) == []
    assert asl_parse_errors(document) == []


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_every_state_machine_of_the_reference_stack_passes_both(
    stack_name: str, request: pytest.FixtureRequest
) -> None:
    stack: Synthesis = request.getfixturevalue(f"{stack_name}_stack")
    machines = [r for r in stack if r.type == "aws:sfn/stateMachine:StateMachine"]
    assert machines
    for machine_ in machines:
        document = machine_.inputs["definition"]
        assert (validate(document), asl_parse_errors(document)) == ([], []), machine_.name


# -- grammar errors: moto rejects each one this validator reports -------------------------------

GRAMMAR_ERRORS = {
    "unknown state type": (machine({"A": {"Type": "Bogus", "End": True}}), "States.A.Type: must be one of"),
    "unknown top-level field": (machine({"A": TASK}, Steps=[]), "Steps: is not a field here"),
    "unknown query language": (machine({"A": TASK}, QueryLanguage="XPath"), "QueryLanguage: must be 'JSONPath'"),
    "no States": ({"StartAt": "A"}, "States: must be a non-empty object of states"),
    "a Succeed with Next": (machine({"A": {"Type": "Succeed", "Next": "A"}}), "States.A.Next: is not a field here"),
    "a Task without Resource": (
        machine({"A": {"Type": "Task", "End": True}}),
        "States.A.Resource: is required in a Task state",
    ),
    "a Map without processor": (
        machine({"A": {"Type": "Map", "End": True}}),
        "States.A: a Map state has exactly one of ItemProcessor",
    ),
    "a Wait without duration": (
        machine({"A": {"Type": "Wait", "End": True}}),
        "States.A: a Wait state has exactly one of Seconds",
    ),
    "TimeoutSeconds as a string": (
        machine({"A": {**TASK, "TimeoutSeconds": "30"}}),
        "States.A.TimeoutSeconds: must be a positive integer",
    ),
    "ErrorEquals not a list": (
        machine({"A": {**TASK, "Retry": [{"ErrorEquals": "States.ALL"}]}}),
        "States.A.Retry[0].ErrorEquals: must be a non-empty list of error names",
    ),
    "BackoffRate below 1": (
        machine({"A": {**TASK, "Retry": [{"ErrorEquals": ["States.ALL"], "BackoffRate": 0.5}]}}),
        "States.A.Retry[0].BackoffRate: must be a number of at least 1.0",
    ),
    "unknown JitterStrategy": (
        machine({"A": {**TASK, "Retry": [{"ErrorEquals": ["States.ALL"], "JitterStrategy": "SOME"}]}}),
        'States.A.Retry[0].JitterStrategy: must be "FULL" or "NONE"',
    ),
}


@pytest.mark.parametrize("case", list(GRAMMAR_ERRORS), ids=list(GRAMMAR_ERRORS))
def test_a_grammar_error_is_reported_by_this_validator_and_by_motos_parser(case: str) -> None:
    doc, expected = GRAMMAR_ERRORS[case]
    assert any(expected in error for error in validate(doc)), validate(doc)
    assert asl_parse_errors(json.dumps(doc)) != []


# -- semantics ------------------------------------------------------------------------------------


def test_start_at_must_name_a_state() -> None:
    assert one_error({"StartAt": "Begin", "States": {"A": TASK}}) == (
        "StartAt: names 'Begin', which is not a state of this machine"
    )


def test_next_must_name_a_state_of_the_same_machine() -> None:
    doc = machine({"A": {"Type": "Pass", "Next": "Z"}, "B": {"Type": "Succeed"}})
    assert validate(doc) == [
        "States.A.Next: names 'Z', which is not a state of this machine",
        "States.B: is not reachable from StartAt",
    ]


def test_catch_and_choice_targets_must_name_states() -> None:
    doc = machine(
        {
            "A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Y"}], "Default": "B"},
            "B": {**TASK, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "X"}]},
        }
    )
    assert validate(doc) == [
        "States.A.Choices[0].Next: names 'Y', which is not a state of this machine",
        "States.B.Catch[0].Next: names 'X', which is not a state of this machine",
    ]


def test_every_state_must_be_reachable_from_start_at() -> None:
    doc = machine({"A": TASK, "Orphan": {"Type": "Succeed"}})
    assert one_error(doc) == "States.Orphan: is not reachable from StartAt"


def test_a_state_reached_only_through_catch_or_default_is_reachable() -> None:
    doc = machine(
        {
            "A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": True, "Next": "B"}], "Default": "C"},
            "B": {**TASK, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "D"}]},
            "C": {"Type": "Succeed"},
            "D": {"Type": "Fail", "Error": "Failed"},
        }
    )
    assert validate(doc) == []


def test_a_state_that_neither_ends_nor_moves_on_is_reported() -> None:
    assert validate(machine({"A": {"Type": "Pass"}})) == [
        'States.A: needs "Next" or "End": true',
        "States: no state ends the machine (End: true, Succeed or Fail)",
    ]


def test_a_state_with_both_next_and_end_is_reported() -> None:
    doc = machine({"A": {"Type": "Pass", "Next": "B", "End": True}, "B": {"Type": "Succeed"}})
    assert one_error(doc) == "States.A: has both Next and End; a state either moves on or ends"


def test_states_all_must_stand_alone_and_last() -> None:
    retry = [{"ErrorEquals": ["States.ALL", "Lambda.Unknown"]}, {"ErrorEquals": ["States.Timeout"]}]
    errors = validate(machine({"A": {**TASK, "Retry": retry}}))
    assert errors == [
        "States.A.Retry[0].ErrorEquals: States.ALL must appear alone",
        "States.A.Retry[0].ErrorEquals: States.ALL must be in the last Retry",
    ]


def test_retrier_numbers_are_range_checked() -> None:
    retry = [{"ErrorEquals": ["States.ALL"], "BackoffRate": 0.5, "IntervalSeconds": 0, "JitterStrategy": "SOME"}]
    assert validate(machine({"A": {**TASK, "Retry": retry}})) == [
        "States.A.Retry[0].IntervalSeconds: must be an integer from 1 to 99999999",
        "States.A.Retry[0].BackoffRate: must be a number of at least 1.0",
        'States.A.Retry[0].JitterStrategy: must be "FULL" or "NONE"',
    ]


def test_a_top_level_choice_rule_needs_next_and_a_nested_one_must_not_have_it() -> None:
    rule = {"Not": {"Variable": "$.x", "IsNull": True, "Next": "B"}}
    doc = machine({"A": {"Type": "Choice", "Choices": [rule], "Default": "B"}, "B": {"Type": "Succeed"}})
    assert validate(doc) == [
        "States.A.Choices[0].Next: is required in a top-level choice rule",
        "States.A.Choices[0].Not.Next: is only allowed in a top-level choice rule",
    ]


def test_a_comparison_operand_has_the_operators_type() -> None:
    rule = {"Variable": "$.n", "NumericEquals": "1", "Next": "B"}
    doc = machine({"A": {"Type": "Choice", "Choices": [rule]}, "B": {"Type": "Succeed"}})
    assert one_error(doc) == "States.A.Choices[0].NumericEquals: takes a number"


def test_a_field_of_another_state_type_is_reported() -> None:
    doc = machine({"A": {"Type": "Pass", "End": True, "Resource": "arn:aws:lambda:x", "TimeoutSeconds": 3}})
    assert validate(doc) == ["States.A.Resource: is not a field here", "States.A.TimeoutSeconds: is not a field here"]


def test_a_machine_without_a_terminal_state_is_reported() -> None:
    doc = machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}})
    assert one_error(doc) == "States: no state ends the machine (End: true, Succeed or Fail)"


def test_a_comparison_has_exactly_one_operator() -> None:
    rule = {"Variable": "$.x", "StringEquals": "a", "StringMatches": "a*", "Next": "B"}
    doc = machine({"A": {"Type": "Choice", "Choices": [rule]}, "B": {"Type": "Succeed"}})
    assert one_error(doc) == "States.A.Choices[0]: needs exactly one comparison operator, found 2"


def test_paths_must_be_jsonpaths_and_dollar_keys_take_paths_or_intrinsics() -> None:
    state = {**TASK, "ResultPath": "result", "Parameters": {"a.$": "x", "b.$": "States.Format('{}', $.x)"}}
    assert validate(machine({"A": state})) == [
        "States.A.ResultPath: must be null or a JSONPath starting with $",
        "States.A.Parameters.a.$: a key ending in .$ takes a JSONPath or an intrinsic function",
    ]


def test_jsonata_states_take_arguments_and_conditions_not_paths() -> None:
    doc = machine(
        {
            "A": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.ok %}", "Next": "B"}], "Default": "B"},
            "B": {**TASK, "Arguments": {"FunctionName": "f"}, "InputPath": "$.x"},
        },
        QueryLanguage="JSONata",
    )
    assert validate(doc) == ["States.B.InputPath: is not a field here"]


def test_a_jsonata_condition_must_be_an_expression() -> None:
    doc = machine(
        {"A": {"Type": "Choice", "Choices": [{"Condition": "$.ok", "Next": "B"}]}, "B": {"Type": "Succeed"}},
        QueryLanguage="JSONata",
    )
    assert one_error(doc) == "States.A.Choices[0].Condition: must be a JSONata expression {% … %} or a boolean"


def test_parallel_branches_are_machines_checked_recursively() -> None:
    branch = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "Outside"}, "Done": {"Type": "Succeed"}}}
    doc = machine({"Fan": {"Type": "Parallel", "Branches": [branch], "Next": "Outside"}, "Outside": TASK})
    assert validate(doc) == [
        "States.Fan.Branches[0].States.P.Next: names 'Outside', which is not a state of this machine",
        "States.Fan.Branches[0].States.Done: is not reachable from StartAt",
    ]


def test_map_processors_are_machines_checked_recursively() -> None:
    processor = {"StartAt": "Ship", "States": {"Ship": TASK, "Lost": {"Type": "Succeed"}}}
    doc = machine({"Each": {"Type": "Map", "ItemProcessor": processor, "End": True}})
    assert one_error(doc) == "States.Each.ItemProcessor.States.Lost: is not reachable from StartAt"


def test_state_names_are_unique_across_nested_machines() -> None:
    branch = {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}
    doc = machine({"A": {"Type": "Parallel", "Branches": [branch], "End": True}})
    assert one_error(doc) == (
        "States.A.Branches[0].States.A: state name 'A' is already used at States.A; names must be unique"
    )


def test_state_names_have_at_most_80_characters() -> None:
    name = "S" * 81
    assert one_error({"StartAt": name, "States": {name: TASK}}) == (
        f"States.{name}: state names have at most 80 characters, this one has 81"
    )


def test_a_wait_state_takes_exactly_one_duration() -> None:
    doc = machine({"W": {"Type": "Wait", "Seconds": 5, "Timestamp": "2026-01-01T00:00:00Z", "End": True}})
    assert one_error(doc) == "States.W: a Wait state has exactly one of Seconds, SecondsPath, Timestamp, TimestampPath"


def test_a_heartbeat_must_be_shorter_than_the_timeout() -> None:
    doc = machine({"A": {**TASK, "TimeoutSeconds": 30, "HeartbeatSeconds": 30}})
    assert one_error(doc) == "States.A.HeartbeatSeconds: must be smaller than TimeoutSeconds"


def test_a_definition_that_is_not_json_is_reported() -> None:
    assert one_error('{"StartAt": ').startswith("the definition is not JSON: ")


def test_a_definition_over_one_mebibyte_is_reported() -> None:
    big = json.dumps(machine({"A": {**TASK, "Comment": "x" * MAX_DEFINITION_BYTES}}))
    assert validate(big) == [f"the definition is {len(big)} bytes; the limit is {MAX_DEFINITION_BYTES}"]
