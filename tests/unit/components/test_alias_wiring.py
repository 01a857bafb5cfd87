"""Every invoker the components wire to a function with a live alias targets the alias, never $LATEST."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from pulumi_wasp.components import (
    AliasArgs,
    BucketProcessor,
    BucketProcessorArgs,
    EventRouter,
    EventRouterArgs,
    EventRule,
    ExistingFunction,
    FanOut,
    FanOutArgs,
    LambdaTarget,
    QueueProcessor,
    QueueProcessorArgs,
    RestApi,
    RestApiArgs,
    Route,
    Saga,
    SagaArgs,
    ScheduledJob,
    ScheduledJobArgs,
    ServerlessFunction,
    StackContext,
    Step,
    StreamProcessor,
    StreamProcessorArgs,
    Subscriber,
    use_stack_context,
)
from tests.unit.components.synth_helpers import function_args
from tests.unit.conftest import one, synth, within

ACCOUNT = "123456789012"
ALIASED = function_args(alias=AliasArgs())


def alias_arn(function_name: str) -> str:
    return f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{function_name}:live"


def program() -> None:
    use_stack_context(StackContext(alarm_topic_arn=f"arn:aws:sns:eu-west-1:{ACCOUNT}:alarms"))
    QueueProcessor("queued", QueueProcessorArgs(function=ALIASED))
    StreamProcessor("streamed", StreamProcessorArgs(function=ALIASED))
    FanOut("fanned", FanOutArgs(subscribers=[Subscriber(name="s", processor=QueueProcessorArgs(function=ALIASED))]))
    ScheduledJob("scheduled", ScheduledJobArgs(function=ALIASED, schedule="rate(5 minutes)"))
    ScheduledJob("ruled", ScheduledJobArgs(function=ALIASED, schedule="rate(5 minutes)", kind="rule"))
    BucketProcessor("uploads", BucketProcessorArgs(function=ALIASED))
    api_function = ServerlessFunction("api", replace(ALIASED, behind_api=True))
    RestApi("api-gw", RestApiArgs(routes=[Route("GET", "/orders", api_function)]))
    routed = ServerlessFunction("routed", ALIASED)
    EventRouter(
        "bus",
        EventRouterArgs(rules=[EventRule(name="r", event_pattern={"source": ["x"]}, targets=[LambdaTarget(routed)])]),
    )
    step = ServerlessFunction("step", ALIASED)
    Saga(
        "saga",
        SagaArgs(
            steps=[Step(name="Work", existing_function=ExistingFunction(function=step), no_compensation="read only")]
        ),
    )
    Saga("made", SagaArgs(steps=[Step(name="Make", function=ALIASED, no_compensation="read only")]))


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def function_name(stack, component: str) -> str:
    return stack.named(f"{component}-function", "aws:lambda/function:Function").outputs["name"]


def test_a_queue_mapping_invokes_the_alias(stack):
    mapping = one(stack, "queued", "aws:lambda/eventSourceMapping:EventSourceMapping")
    assert mapping.inputs["functionName"] == alias_arn(function_name(stack, "queued"))


def test_a_stream_mapping_invokes_the_alias(stack):
    mapping = one(stack, "streamed", "aws:lambda/eventSourceMapping:EventSourceMapping")
    assert mapping.inputs["functionName"] == alias_arn(function_name(stack, "streamed"))


def test_a_fanout_subscriber_mapping_invokes_the_alias(stack):
    mapping = one(stack, "fanned", "aws:lambda/eventSourceMapping:EventSourceMapping")
    subscriber = one(stack, "fanned", "aws:lambda/function:Function").outputs["name"]
    assert mapping.inputs["functionName"] == alias_arn(subscriber)


def test_a_schedule_targets_the_alias_and_its_role_may_invoke_only_it(stack):
    schedule = one(stack, "scheduled", "aws:scheduler/schedule:Schedule")
    assert schedule.inputs["target"]["arn"] == alias_arn(function_name(stack, "scheduled"))
    policy = next(r for r in within(stack, "scheduled", "aws:iam/rolePolicy:RolePolicy") if "schedule" in r.name)
    invoke = next(s for s in json.loads(policy.inputs["policy"])["Statement"] if "lambda:InvokeFunction" in s["Action"])
    assert invoke["Resource"] == [alias_arn(function_name(stack, "scheduled"))]


def test_a_stream_re_drive_replays_through_the_alias(stack):
    redrive = stack.named("streamed-redrive-function", "aws:lambda/function:Function")
    assert redrive.inputs["environment"]["variables"]["TARGET_FUNCTION"] == alias_arn(function_name(stack, "streamed"))


def test_a_scheduled_rule_targets_the_alias_with_a_permission_on_it(stack):
    target = one(stack, "ruled", "aws:cloudwatch/eventTarget:EventTarget")
    permission = one(stack, "ruled", "aws:lambda/permission:Permission")
    assert target.inputs["arn"] == alias_arn(function_name(stack, "ruled"))
    assert permission.inputs["qualifier"] == "live"


def test_an_async_target_has_its_retries_and_dlq_on_the_alias(stack):
    config = one(stack, "scheduled", "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
    assert config.inputs["qualifier"] == "live"


def test_a_bucket_notifies_the_alias_with_a_permission_on_it(stack):
    notification = one(stack, "uploads", "aws:s3/bucketNotification:BucketNotification")
    permission = one(stack, "uploads", "aws:lambda/permission:Permission")
    assert notification.inputs["lambdaFunctions"][0]["lambdaFunctionArn"] == alias_arn(function_name(stack, "uploads"))
    assert permission.inputs["qualifier"] == "live"


def test_an_api_integration_invokes_the_alias_with_a_permission_on_it(stack):
    integration = one(stack, "api-gw", "aws:apigateway/integration:Integration")
    permission = one(stack, "api-gw", "aws:lambda/permission:Permission")
    assert f"/functions/{alias_arn(function_name(stack, 'api'))}/invocations" in integration.inputs["uri"]
    assert permission.inputs["qualifier"] == "live"


def test_an_event_rule_given_the_function_targets_its_alias(stack):
    target = one(stack, "bus", "aws:cloudwatch/eventTarget:EventTarget")
    permission = one(stack, "bus", "aws:lambda/permission:Permission")
    assert target.inputs["arn"] == alias_arn(function_name(stack, "routed"))
    assert (permission.inputs["function"], permission.inputs["qualifier"]) == (function_name(stack, "routed"), "live")


def test_a_saga_step_given_an_existing_function_invokes_its_alias_and_may_invoke_only_it(stack):
    machine = one(stack, "saga", "aws:sfn/stateMachine:StateMachine")
    work = json.loads(machine.inputs["definition"])["States"]["Work"]
    assert work["Parameters"]["FunctionName"] == alias_arn(function_name(stack, "step"))
    policy = next(r for r in within(stack, "saga", "aws:iam/rolePolicy:RolePolicy") if "lambda" in r.inputs["policy"])
    grants = [s for s in json.loads(policy.inputs["policy"])["Statement"] if "lambda:InvokeFunction" in s["Action"]]
    assert grants[0]["Resource"] == [alias_arn(function_name(stack, "step"))]


def test_a_saga_step_function_the_saga_creates_is_invoked_through_its_alias(stack):
    machine = one(stack, "made", "aws:sfn/stateMachine:StateMachine")
    made = next(r for r in within(stack, "made", "aws:lambda/function:Function"))
    assert json.loads(machine.inputs["definition"])["States"]["Make"]["Parameters"]["FunctionName"] == alias_arn(
        made.outputs["name"]
    )


def test_an_api_route_given_an_existing_function_invokes_its_alias():
    def program() -> None:
        fn = ServerlessFunction("backend", replace(ALIASED, behind_api=True))
        RestApi("edge", RestApiArgs(routes=[Route("GET", "/x", ExistingFunction(function=fn))]))

    stack = synth(program)
    integration = one(stack, "edge", "aws:apigateway/integration:Integration")
    permission = one(stack, "edge", "aws:lambda/permission:Permission")
    assert f"/functions/{alias_arn(function_name(stack, 'backend'))}/invocations" in integration.inputs["uri"]
    assert permission.inputs["qualifier"] == "live"


def test_a_function_without_an_alias_is_still_invoked_unqualified():
    stack = synth(lambda: QueueProcessor("plain", QueueProcessorArgs(function=function_args())))
    mapping = one(stack, "plain", "aws:lambda/eventSourceMapping:EventSourceMapping")
    assert (
        mapping.inputs["functionName"] == f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{function_name(stack, 'plain')}"
    )


def test_an_existing_function_given_as_a_serverless_function_is_invoked_through_its_alias():
    def program() -> None:
        worker = ServerlessFunction("worker", ALIASED)
        QueueProcessor(
            "adopted", QueueProcessorArgs(existing_function=ExistingFunction(function=worker, role=worker.role))
        )

    stack = synth(program)
    mapping = one(stack, "adopted", "aws:lambda/eventSourceMapping:EventSourceMapping")
    assert mapping.inputs["functionName"] == alias_arn(function_name(stack, "worker"))
