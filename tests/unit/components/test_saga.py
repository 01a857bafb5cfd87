"""Saga: the generated ASL (a pure function, walked state by state) and the state machine around it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulumi_wasp.components.saga import (
    COMPENSATION_FAILED,
    FAILED,
    LAMBDA_INVOKE,
    LAMBDA_INVOKE_CALLBACK,
    NOTIFY,
    SUCCEEDED,
    Compensation,
    FinalTask,
    ParallelStep,
    Retry,
    SagaArgs,
    Step,
    definition,
)
from tests.unit.components.synth_helpers import synth_program, synthesis_error
from tests.unit.conftest import one, within

TOPIC = "arn:aws:sns:eu-west-1:123456789012:alarms"
MACHINE = "aws:sfn/stateMachine:StateMachine"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def arn(name: str) -> str:
    return f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"


def step(name: str, undo: str | None = None, **overrides: Any) -> Step:
    if undo is None:
        return Step(name=name, function_arn=arn(name), no_compensation="nothing to undo", **overrides)
    compensation = Compensation(name=undo, function_arn=arn(undo))
    return Step(name=name, function_arn=arn(name), compensation=compensation, **overrides)


FULFILMENT = SagaArgs(
    steps=[
        step("ReserveInventory", "ReleaseInventory"),
        step("ProcessPayment", "RefundPayment"),
        step("ArrangeShipping", "CancelShipment"),
    ],
    on_success=FinalTask(name="ConfirmOrder", function_arn=arn("conclude"), payload={"outcome": "confirmed"}),
    on_failure=FinalTask(name="CancelOrder", function_arn=arn("conclude"), payload={"outcome": "cancelled"}),
)
UNDO = {"ReserveInventory": "ReleaseInventory", "ProcessPayment": "RefundPayment", "ArrangeShipping": "CancelShipment"}

#: A no-compensation step between two compensated ones, a parallel step, no final tasks.
MIXED = SagaArgs(
    steps=[
        step("Reserve", "Release"),
        step("Audit"),
        ParallelStep(name="Settle", branches=[step("Charge", "Refund"), step("Invoice", "VoidInvoice")]),
        step("Ship", "Recall"),
    ]
)


def walk(asl: dict[str, Any], *fail_at: str) -> list[str]:
    """The states an execution visits when the states ``fail_at`` fail (after their retries): a
    failing state follows its Catch, every other one its Next, until Succeed or Fail."""
    states, name, path = asl["States"], asl["StartAt"], []
    for _ in range(len(states) + 1):
        state = states[name]
        path.append(name)
        if state["Type"] in ("Succeed", "Fail"):
            return path
        name = state["Catch"][0]["Next"] if name in fail_at else state["Next"]
    raise AssertionError(f"the path loops: {path}")


def every_task(asl: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, state in asl["States"].items():
        if state["Type"] == "Task":
            found.append((name, state))
        for branch in state.get("Branches", []):
            found += every_task(branch)
    return found


# -- the generated ASL --------------------------------------------------------------------------
def test_each_step_invokes_its_function_with_the_whole_state_as_payload():
    state = definition(FULFILMENT)["States"]["ProcessPayment"]
    assert state["Resource"] == LAMBDA_INVOKE
    assert state["Parameters"] == {"FunctionName": arn("ProcessPayment"), "Payload.$": "$"}


def test_each_step_keeps_its_lambda_payload_at_results_step_name():
    state = definition(FULFILMENT)["States"]["ProcessPayment"]
    assert state["ResultSelector"] == {"Payload.$": "$.Payload"}
    assert state["ResultPath"] == "$.results.ProcessPayment"


def test_every_task_retries_transient_lambda_errors_3_times_with_backoff_2_and_full_jitter():
    for name, state in every_task(definition(MIXED, TOPIC)):
        (retry,) = state["Retry"]
        assert retry["MaxAttempts"] == 3 and retry["BackoffRate"] == 2 and retry["JitterStrategy"] == "FULL", name
        assert retry["IntervalSeconds"] == 1, name
    (retry,) = definition(FULFILMENT)["States"]["ReserveInventory"]["Retry"]
    assert {"Lambda.ServiceException", "Lambda.TooManyRequestsException", "States.Timeout"} <= set(retry["ErrorEquals"])


def test_every_task_has_a_timeout_of_30_s_and_the_machine_one_of_5_minutes():
    asl = definition(MIXED, TOPIC)
    assert asl["TimeoutSeconds"] == 300
    assert all(state["TimeoutSeconds"] == 30 for _, state in every_task(asl))


def test_a_failed_step_is_caught_into_dollar_error_so_the_input_survives():
    assert definition(FULFILMENT)["States"]["ProcessPayment"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "ReleaseInventory"}
    ]


@pytest.mark.parametrize("failing", list(UNDO))
def test_a_failure_at_each_step_runs_the_compensations_of_the_completed_steps_in_reverse(failing):
    names = list(UNDO)
    completed = names[: names.index(failing)]
    expected = [*completed, failing, *[UNDO[s] for s in reversed(completed)], "CancelOrder", FAILED]
    assert walk(definition(FULFILMENT), failing) == expected


def test_the_success_path_runs_every_step_then_on_success_then_succeeds():
    assert walk(definition(FULFILMENT)) == [*UNDO, "ConfirmOrder", SUCCEEDED]


def test_a_failed_on_success_task_compensates_every_step():
    assert walk(definition(FULFILMENT), "ConfirmOrder") == [
        *UNDO,
        "ConfirmOrder",
        "CancelShipment",
        "RefundPayment",
        "ReleaseInventory",
        "CancelOrder",
        FAILED,
    ]


def test_final_tasks_pass_their_outcome_and_the_saga_state_through_parameters():
    states = definition(FULFILMENT)["States"]
    assert states["CancelOrder"]["Parameters"] == {
        "FunctionName": arn("conclude"),
        "Payload": {"outcome": "cancelled", "saga.$": "$"},
    }
    assert states["ConfirmOrder"]["Parameters"]["Payload"] == {"outcome": "confirmed", "saga.$": "$"}


def test_the_machine_fails_with_the_original_error():
    assert definition(FULFILMENT)["States"][FAILED] == {
        "Type": "Fail",
        "ErrorPath": "$.error.Error",
        "CausePath": "$.error.Cause",
    }


def test_without_final_tasks_the_paths_end_in_succeed_and_fail():
    asl = definition(MIXED)
    assert walk(asl)[-1] == SUCCEEDED
    assert walk(asl, "Reserve") == ["Reserve", FAILED]


def test_steps_without_compensation_are_skipped_on_the_way_back():
    assert walk(definition(MIXED), "Ship") == [
        "Reserve",
        "Audit",
        "Settle",
        "Ship",
        "CompensateSettle",
        "Release",
        FAILED,
    ]


@pytest.mark.parametrize("failing", ["RefundPayment", "ReleaseInventory", "CancelOrder"])
def test_a_failed_compensation_notifies_a_human_on_the_alarm_topic_and_fails_without_looping(failing):
    asl = definition(FULFILMENT, TOPIC)
    path = walk(asl, "ArrangeShipping", failing)
    assert path[-3:] == [failing, NOTIFY, COMPENSATION_FAILED]
    notify = asl["States"][NOTIFY]
    assert notify["Resource"] == "arn:aws:states:::sns:publish"
    assert notify["Parameters"]["TopicArn"] == TOPIC
    assert notify["Catch"][0]["Next"] == COMPENSATION_FAILED


def test_compensation_errors_are_kept_apart_from_the_original_error():
    catch = definition(FULFILMENT, TOPIC)["States"]["RefundPayment"]["Catch"]
    assert catch == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.compensationError", "Next": NOTIFY}]


def test_without_a_topic_a_failed_compensation_fails_directly():
    asl = definition(FULFILMENT)
    assert NOTIFY not in asl["States"]
    assert walk(asl, "ArrangeShipping", "RefundPayment")[-2:] == ["RefundPayment", COMPENSATION_FAILED]


def test_compensations_discard_their_result_so_the_error_survives():
    assert definition(FULFILMENT)["States"]["RefundPayment"]["ResultPath"] is None


def test_a_parallel_step_runs_its_branches_in_one_parallel_state():
    settle = definition(MIXED)["States"]["Settle"]
    assert settle["Type"] == "Parallel"
    assert [b["StartAt"] for b in settle["Branches"]] == ["Charge", "Invoice"]
    assert settle["ResultSelector"] == {"Charge.$": "$[0]", "Invoice.$": "$[1]"}
    assert settle["ResultPath"] == "$.results.Settle"


def test_a_parallel_step_is_compensated_as_a_unit_by_a_parallel_of_its_branch_compensations():
    unit = definition(MIXED)["States"]["CompensateSettle"]
    assert unit["Type"] == "Parallel"
    assert [b["StartAt"] for b in unit["Branches"]] == ["Refund", "VoidInvoice"]
    assert unit["Next"] == "Release"


def test_a_failed_parallel_step_compensates_its_own_branches_first():
    # A branch may have completed before its sibling failed: the unit's compensations must
    # tolerate "nothing to undo".
    assert walk(definition(MIXED), "Settle") == ["Reserve", "Audit", "Settle", "CompensateSettle", "Release", FAILED]


def test_a_callback_step_waits_for_its_task_token():
    args = SagaArgs(steps=[step("Approve", wait_for_task_token=True, timeout_seconds=200, heartbeat_seconds=60)])
    state = definition(args)["States"]["Approve"]
    assert state["Resource"] == LAMBDA_INVOKE_CALLBACK
    assert state["Parameters"]["Payload"] == {"input.$": "$", "taskToken.$": "$$.Task.Token"}
    assert state["HeartbeatSeconds"] == 60 and "ResultSelector" not in state


def test_retry_and_timeout_are_overridable_per_step():
    args = SagaArgs(steps=[step("Slow", timeout_seconds=90, retry=Retry(errors=("States.ALL",), max_attempts=1))])
    state = definition(args)["States"]["Slow"]
    assert state["TimeoutSeconds"] == 90
    assert state["Retry"][0]["ErrorEquals"] == ["States.ALL"] and state["Retry"][0]["MaxAttempts"] == 1


def test_a_retry_caps_each_delay_at_its_max_delay_and_has_no_cap_by_default():
    capped = SagaArgs(steps=[step("Pay", retry=Retry(max_attempts=10, max_delay_seconds=20))])
    assert definition(capped)["States"]["Pay"]["Retry"][0]["MaxDelaySeconds"] == 20
    assert "MaxDelaySeconds" not in definition(SagaArgs(steps=[step("Pay")]))["States"]["Pay"]["Retry"][0]


# -- validation ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (SagaArgs(steps=[]), "SagaArgs.steps is empty"),
        (SagaArgs(steps=[Step(name="Pay", function_arn=arn("pay"))]), r"steps\[Pay\]: set compensation="),
        (
            SagaArgs(steps=[Step(name="Pay", function_arn=arn("pay"), no_compensation="  ")]),
            r"steps\[Pay\]: set compensation=",
        ),
        (
            SagaArgs(
                steps=[
                    Step(
                        name="Pay",
                        function_arn=arn("p"),
                        compensation=Compensation(name="U", function_arn="a"),
                        no_compensation="x",
                    )
                ]
            ),
            r"steps\[Pay\]: set either compensation or no_compensation",
        ),
        (SagaArgs(steps=[step("Pay", "Undo"), step("Pay")]), r"unique, duplicated: \['Pay'\]"),
        (SagaArgs(steps=[step("Pay", "Pay")]), r"unique, duplicated: \['Pay'\]"),
        (SagaArgs(steps=[step(FAILED)]), "unique"),
        (SagaArgs(steps=[step("Process payment")]), "state name 'Process payment'"),
        (SagaArgs(steps=[step("Pay", timeout_seconds=300)]), r"steps\[Pay\].timeout_seconds must be 1..299"),
        (SagaArgs(steps=[step("Pay", heartbeat_seconds=5)]), "heartbeat_seconds needs wait_for_task_token"),
        (SagaArgs(steps=[step("Pay", retry=Retry(errors=()))]), r"steps\[Pay\].retry.errors is empty"),
        (SagaArgs(steps=[step("Pay", retry=Retry(errors=("States.ALL", "X")))]), "States.ALL must appear alone"),
        (
            SagaArgs(steps=[step("Pay", retry=Retry(interval_seconds=5, max_delay_seconds=2))]),
            r"steps\[Pay\].retry.max_delay_seconds must be 5 \(interval_seconds\)..31622400, got 2",
        ),
        (SagaArgs(steps=[ParallelStep(name="Both", branches=[step("A")])]), r"steps\[Both\].branches: .* at least two"),
        (SagaArgs(steps=[step("Pay")], log_level="OFF"), "SagaArgs.log_level must be one of ALL, ERROR, FATAL"),
        (SagaArgs(steps=[step("Pay")], timeout_seconds=0), "SagaArgs.timeout_seconds"),
        (
            SagaArgs(steps=[step("Pay")], on_failure=FinalTask(name="End", function_arn="a", payload={"saga": 1})),
            "SagaArgs.on_failure.payload: the key 'saga' is reserved",
        ),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(args, message):
    with pytest.raises(ValueError, match=message):
        args.validate()


def test_bad_args_fail_the_synthesis():
    assert "SagaArgs.steps[Pay]: set compensation=" in synthesis_error("saga-without-compensation")


# -- the state machine --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack():
    return synth_program("saga")


def machine(stack, name="fulfilment"):
    return one(stack, name, MACHINE).inputs


def role_statements(stack, name="fulfilment"):
    return json.loads(one(stack, name, "aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]


def test_the_machine_is_standard_and_traced(stack):
    assert machine(stack)["type"] == "STANDARD"
    assert machine(stack)["tracingConfiguration"] == {"enabled": True}


def test_the_machine_runs_the_generated_definition_with_resolved_function_arns(stack):
    asl = json.loads(machine(stack)["definition"])
    assert (
        asl["States"]["ReserveInventory"]["Parameters"]["FunctionName"]
        == one(stack, "reserve", "aws:lambda/function:Function").outputs["arn"]
    )
    assert walk(asl, "ProcessPayment") == [
        "ReserveInventory",
        "ProcessPayment",
        "ReleaseInventory",
        "CancelOrder",
        FAILED,
    ]


def test_a_failed_compensation_notifies_the_stacks_alarm_topic(stack):
    asl = json.loads(machine(stack)["definition"])
    assert asl["States"][NOTIFY]["Parameters"]["TopicArn"] == TOPIC


def test_logs_every_transition_without_execution_data_to_a_vended_log_group(stack):
    group = one(stack, "fulfilment", "aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == f"/aws/vendedlogs/states/{machine(stack)['name']}"
    assert group.inputs["retentionInDays"] == 14
    assert machine(stack)["loggingConfiguration"] == {
        "level": "ALL",
        "includeExecutionData": False,
        "logDestination": f"{group.outputs['arn']}:*",
    }


def test_the_role_may_invoke_only_the_step_functions(stack):
    (invoke,) = [s for s in role_statements(stack) if "lambda:InvokeFunction" in s["Action"]]
    reserve = one(stack, "reserve", "aws:lambda/function:Function").outputs["arn"]
    assert invoke["Action"] == ["lambda:InvokeFunction"]
    others = [arn(n) for n in ("release", "pay", "refund", "ship", "conclude")]
    assert sorted(invoke["Resource"]) == sorted([reserve, *others])


def test_the_role_may_publish_to_the_alarm_topic_and_use_its_key_only_for_it(stack):
    statements = role_statements(stack)
    assert {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": [TOPIC]} in statements
    (kms,) = [s for s in statements if "kms:Decrypt" in s["Action"]]
    assert kms["Condition"] == {"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": TOPIC}}


def test_the_only_star_resources_are_log_delivery_and_xray(stack):
    unconditional = [s for s in role_statements(stack) if s["Resource"] == ["*"] and "Condition" not in s]
    star = {action for s in unconditional for action in s["Action"]}
    assert {a.split(":")[0] for a in star} == {"logs", "xray"}
    assert "logs:PutLogEvents" not in star


def test_the_role_trusts_only_step_functions_of_this_account(stack):
    trust = json.loads(one(stack, "fulfilment", "aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "states.amazonaws.com"}
    # The account of the saga's own log group (its steps' functions could live elsewhere).
    log_group = one(stack, "fulfilment", "aws:cloudwatch/logGroup:LogGroup").outputs["arn"]
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": log_group.split(":")[4]}}
    assert log_group.split(":")[4] == "123456789012"


def test_alarms_on_failed_throttled_aborted_and_timed_out_executions(stack):
    alarms = {a.inputs["metricName"]: a.inputs for a in within(stack, "fulfilment", ALARM)}
    assert set(alarms) == {"ExecutionsFailed", "ExecutionThrottled", "ExecutionsAborted", "ExecutionsTimedOut"}
    for alarm in alarms.values():
        assert alarm["namespace"] == "AWS/States"
        assert alarm["threshold"] == 1 and alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["period"] == 300 and alarm["alarmActions"] == [TOPIC]
        assert alarm["dimensions"] == {"StateMachineArn": one(stack, "fulfilment", MACHINE).outputs["arn"]}


def test_overrides_timeout_log_level_execution_data_retention_and_alarms(stack):
    tuned = machine(stack, "tuned")
    assert json.loads(tuned["definition"])["TimeoutSeconds"] == 900
    assert json.loads(tuned["definition"])["Comment"] == "Nightly reconciliation"
    assert tuned["loggingConfiguration"]["level"] == "ERROR"
    assert tuned["loggingConfiguration"]["includeExecutionData"] is True
    assert one(stack, "tuned", "aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 30
    assert within(stack, "tuned", ALARM) == []
    assert tuned["tags"]["team"] == "payments"


def test_without_an_alarm_topic_there_is_no_notification_nor_publish_grant(stack):
    assert NOTIFY not in json.loads(machine(stack, "tuned")["definition"])["States"]
    assert not [s for s in role_statements(stack, "tuned") if "sns:Publish" in s["Action"]]


def test_children_are_parented_and_named_after_the_saga(stack):
    owner = next(r for r in stack if r.name == "fulfilment" and not r.custom)
    assert owner.type == "wasp:saga:Saga"
    assert all(r.name.startswith("fulfilment-") for r in stack.descendants(owner))
    assert set(owner.outputs) == {"arn", "name", "role_arn", "log_group"}
