"""Saga opened up: task functions created by the saga or existing ones, and overrides of the state machine, its
log group and its role."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components import (
    Compensation,
    ExistingFunction,
    FinalTask,
    Saga,
    SagaArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
    Step,
)
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.components.synth_helpers import plain_function
from tests.unit.conftest import logged

MACHINE = "aws:sfn/stateMachine:StateMachine"
FUNCTION = "aws:lambda/function:Function"
RESERVE_ARN = "arn:aws:lambda:us-east-1:123456789012:function:reserve"


def task_function(**given) -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"], **given)


def states(stack) -> dict:
    return json.loads(stack.one(MACHINE, within="fulfil").input("definition"))["States"]


def invoke_resources(stack) -> list:
    role_policy = stack.named("fulfil-policy", "aws:iam/rolePolicy:RolePolicy")
    (invoke,) = [
        s for s in json.loads(role_policy.input("policy"))["Statement"] if "lambda:InvokeFunction" in s["Action"]
    ]
    return invoke["Resource"]


# -- task functions the saga creates ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def created():
    sagas = []
    stack = synthesize(
        lambda: sagas.append(
            Saga(
                "fulfil",
                SagaArgs(
                    steps=[
                        Step(
                            name="ReserveInventory",
                            function=task_function(tags={"team": "stock"}),
                            compensation=Compensation(name="ReleaseInventory", function=task_function()),
                        )
                    ],
                    on_failure=FinalTask(name="CancelOrder", function_arn=RESERVE_ARN),
                    tags={"domain": "orders"},
                ),
            )
        )
    )
    return stack, sagas[0]


def test_a_task_given_function_args_gets_a_function_of_the_sagas_named_after_its_state(created):
    stack, saga = created
    assert sorted(saga.functions) == ["ReleaseInventory", "ReserveInventory"]
    assert sorted(f.name for f in stack.in_component("fulfil", type=FUNCTION)) == [
        "fulfil-release-inventory-function",
        "fulfil-reserve-inventory-function",
    ]


def test_the_created_functions_are_invoked_by_the_definition_and_granted_to_the_role(created):
    stack, _ = created
    reserve = stack.named("fulfil-reserve-inventory-function", FUNCTION).output("arn")
    release = stack.named("fulfil-release-inventory-function", FUNCTION).output("arn")
    assert states(stack)["ReserveInventory"]["Parameters"]["FunctionName"] == reserve
    assert states(stack)["ReleaseInventory"]["Parameters"]["FunctionName"] == release
    assert invoke_resources(stack) == [reserve, release, RESERVE_ARN]


def test_the_sagas_tags_reach_a_created_function_under_its_own(created):
    stack, _ = created
    tags = stack.named("fulfil-reserve-inventory-function", FUNCTION).input("tags")
    assert (tags["domain"], tags["team"]) == ("orders", "stock")


def test_a_created_function_whose_timeout_reaches_the_tasks_fails():
    step = Step(name="Reserve", function=task_function(timeout_seconds=30), no_compensation="read-only")
    with pytest.raises(
        ValueError, match=r"SagaArgs.steps\[Reserve\]: the function's timeout \(30 s\) must be below the task's"
    ):
        SagaArgs(steps=[step]).validate()


# -- existing task functions --------------------------------------------------------------------------------
def test_bare_function_arns_are_used_as_given_and_say_what_could_not_be_checked():
    with logged() as lines:
        stack = synthesize(
            lambda: Saga(
                "fulfil",
                SagaArgs(
                    steps=[
                        Step(name="Reserve", function_arn=RESERVE_ARN, no_compensation="read-only"),
                        Step(
                            name="Pay",
                            existing_function=ExistingFunction(arn=RESERVE_ARN, timeout_seconds=5),
                            no_compensation="idempotent",
                        ),
                    ]
                ),
            )
        )
    assert stack.in_component("fulfil", type=FUNCTION) == []
    assert states(stack)["Pay"]["Parameters"]["FunctionName"] == RESERVE_ARN
    assert invoke_resources(stack) == [RESERVE_ARN]
    assert [line for line in lines.at("INFO") if line.startswith("Saga fulfil")] == [
        "Saga fulfil: given a bare identifier, so not checked: the timeouts of the functions of Reserve against "
        "their tasks' timeout_seconds (give ExistingFunction(function=...) or its timeout_seconds to check them)"
    ]


def test_an_existing_function_resource_whose_timeout_reaches_the_tasks_fails():
    def program():
        slow = plain_function("slow", timeout=60)
        Saga(
            "fulfil",
            SagaArgs(
                steps=[Step(name="Reserve", existing_function=ExistingFunction(function=slow), no_compensation="none")]
            ),
        )

    with pytest.raises(ProgramError, match=r"SagaArgs.steps\[Reserve\]: the function's timeout \(60 s\) must be below"):
        synthesize(program)


def test_an_existing_serverless_function_is_invoked_without_touching_its_role():
    def program():
        reserve = ServerlessFunction("reserve", task_function())
        Saga(
            "fulfil",
            SagaArgs(
                steps=[
                    Step(
                        name="Reserve",
                        existing_function=ExistingFunction(function=reserve, role=reserve.role),
                        no_compensation="read-only",
                    )
                ]
            ),
        )

    stack = synthesize(program)
    assert states(stack)["Reserve"]["Parameters"]["FunctionName"] == stack.named("reserve-function").output("arn")
    assert [p.name for p in stack.of_type("aws:iam/rolePolicy:RolePolicy")] == ["reserve-policy", "fulfil-policy"]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (Step(name="Reserve", no_compensation="x"), "none given"),
        (
            Step(name="Reserve", function_arn=RESERVE_ARN, function=task_function(), no_compensation="x"),
            "function_arn, function given",
        ),
    ],
)
def test_a_task_needs_exactly_one_function(step, message):
    with pytest.raises(ValueError, match=rf"SagaArgs.steps\[Reserve\]: set exactly one of function_arn .*; {message}"):
        SagaArgs(steps=[step]).validate()


# -- overrides --------------------------------------------------------------------------------------------
def one_step_saga(**given) -> Saga:
    step = Step(name="Reserve", function_arn=RESERVE_ARN, no_compensation="read-only")
    return Saga("fulfil", SagaArgs(steps=[step], **given))


@pytest.fixture(scope="module")
def overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: one_step_saga(
                state_machine_overrides={"tracing_configuration": {"enabled": False}, "publish": True},
                log_group_overrides={"kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/k"},
                role_overrides={"max_session_duration": 7200, "description": "Runs the fulfilment saga"},
            )
        )
    return stack, lines


def test_overrides_reach_the_state_machine_its_log_group_and_its_role(overridden):
    stack, _ = overridden
    machine = stack.one(MACHINE, within="fulfil")
    assert (machine.input("publish"), machine.input("type")) == (True, "STANDARD")
    assert stack.named("fulfil-logs").input("kmsKeyId") == "arn:aws:kms:us-east-1:123456789012:key/k"
    role = stack.named("fulfil-role")
    assert (role.input("maxSessionDuration"), role.input("description")) == (7200, "Runs the fulfilment saga")
    assert "states.amazonaws.com" in role.input("assumeRolePolicy")


def test_turning_tracing_off_warns_and_the_pack_flags_it(overridden):
    stack, lines = overridden
    assert any(
        "SagaArgs.state_machine_overrides['tracing_configuration']" in line
        and "the policy rule sfn-tracing will flag it" in line
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("sfn-tracing")] == ["fulfil-state-machine"]


def test_turning_logging_off_warns_and_the_pack_flags_it():
    with logged() as lines:
        stack = synthesize(lambda: one_step_saga(state_machine_overrides={"logging_configuration": {"level": "OFF"}}))
    assert any("the policy rule sfn-logging will flag it" in line for line in lines.at("WARNING"))
    # The override replaced the whole configuration: level OFF, and no destination either.
    assert [d.name for d in stack.preview().of("sfn-logging")] == ["fulfil-state-machine"] * 2


def test_an_unknown_state_machine_override_fails_naming_it():
    with pytest.raises(ProgramError, match="SagaArgs.state_machine_overrides: 'tracing' is not a keyword argument"):
        synthesize(lambda: one_step_saga(state_machine_overrides={"tracing": True}))
