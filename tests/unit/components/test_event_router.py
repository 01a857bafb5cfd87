"""EventRouter: a bus with archive and schemas; every rule target has a DLQ, retries and a scoped grant."""

from __future__ import annotations

import json

import pulumi
import pytest

from pulumi_wasp.components import (
    EventRouter,
    EventRouterArgs,
    EventRule,
    EventSchema,
    LambdaTarget,
    QueueTarget,
    StateMachineTarget,
    TopicTarget,
)
from tests.unit.conftest import policy, synth, within

FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:worker"
MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:saga"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"


def program() -> None:
    router = EventRouter(
        "orders",
        EventRouterArgs(
            schemas=[EventSchema(name="orders@OrderPlaced", content={"openapi": "3.0.0"})],
            rules=[
                EventRule(
                    name="placed",
                    event_pattern={"detail-type": ["OrderPlaced"]},
                    targets=[LambdaTarget(FUNCTION_ARN), StateMachineTarget(MACHINE_ARN)],
                ),
            ],
        ),
    )
    router.add_rule(
        EventRule(
            name="fanout",
            event_pattern={"source": ["orders"]},
            targets=[
                TopicTarget("arn:aws:sns:eu-west-1:123456789012:t"),
                QueueTarget("arn:aws:sqs:eu-west-1:123456789012:q.fifo", message_group_id="orders"),
            ],
            max_retries=5,
            max_event_age_seconds=600,
            input_path="$.detail",
        )
    )
    EventRouter("quiet", EventRouterArgs(archive_retention_days=0))
    pulumi.export("dlqs", {name: queue.arn for name, queue in router.dlqs.items()})


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def targets(stack, rule):
    return [r.inputs for r in within(stack, "orders", TARGET) if r.name.startswith(f"orders-{rule}-")]


def rule(stack, name):
    return next(
        r for r in within(stack, "orders", "aws:cloudwatch/eventRule:EventRule") if r.name == f"orders-{name}-rule"
    )


def test_bus_is_custom_and_archived_for_30_days(stack):
    bus = within(stack, "orders", "aws:cloudwatch/eventBus:EventBus")[0]
    archive = within(stack, "orders", "aws:cloudwatch/eventArchive:EventArchive")[0].inputs
    assert archive["eventSourceArn"] == bus.outputs["arn"]
    assert archive["retentionDays"] == 30


def test_archive_can_be_turned_off(stack):
    assert within(stack, "quiet", "aws:cloudwatch/eventArchive:EventArchive") == []


def test_schemas_are_published_as_openapi3_in_a_registry(stack):
    schema = within(stack, "orders", "aws:schemas/schema:Schema")[0].inputs
    registry = within(stack, "orders", "aws:schemas/registry:Registry")[0]
    assert schema["type"] == "OpenApi3"
    assert schema["registryName"] == registry.outputs["name"]
    assert json.loads(schema["content"]) == {"openapi": "3.0.0"}


def test_rule_matches_its_event_pattern_on_the_bus(stack):
    placed = rule(stack, "placed").inputs
    assert json.loads(placed["eventPattern"]) == {"detail-type": ["OrderPlaced"]}
    assert placed["eventBusName"] == within(stack, "orders", "aws:cloudwatch/eventBus:EventBus")[0].outputs["name"]


def test_every_target_has_a_dlq_and_a_retry_policy(stack):
    assert len(targets(stack, "placed")) == 2
    for target in targets(stack, "placed"):
        assert target["deadLetterConfig"]["arn"].startswith("arn:aws:sqs:")
        assert target["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}


def test_retry_policy_and_input_path_can_be_overridden(stack):
    assert len(targets(stack, "fanout")) == 2
    for target in targets(stack, "fanout"):
        assert target["retryPolicy"] == {"maximumRetryAttempts": 5, "maximumEventAgeInSeconds": 600}
        assert target["inputPath"] == "$.detail"


def test_rule_dlqs_are_exposed_per_rule_and_take_what_its_targets_could_not(stack):
    dlqs = stack.stack_outputs["dlqs"]
    assert set(dlqs) == {"placed", "fanout"}
    for name, arn in dlqs.items():
        assert arn == stack.named(f"orders-{name}-dlq", "aws:sqs/queue:Queue").outputs["arn"]
        assert {t["deadLetterConfig"]["arn"] for t in targets(stack, name)} == {arn}


def test_rule_dlq_admits_only_eventbridge_from_this_rule(stack):
    dlq_policy = next(
        r for r in within(stack, "orders", "aws:sqs/queuePolicy:QueuePolicy") if r.name == "orders-placed-dlq-policy"
    )
    allow = policy(dlq_policy)["Statement"][1]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": rule(stack, "placed").outputs["arn"]}}


def test_rule_arn_is_known_before_the_rule_exists(stack):
    assert (
        rule(stack, "placed").outputs["arn"]
        == "arn:aws:events:eu-west-1:123456789012:rule/test-test-orders/test-test-orders-placed"
    )


def test_lambda_target_permission_is_scoped_to_the_rule(stack):
    permission = within(stack, "orders", "aws:lambda/permission:Permission")[0].inputs
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["function"] == FUNCTION_ARN
    assert permission["sourceArn"] == rule(stack, "placed").outputs["arn"]


def test_state_machine_target_role_may_only_start_that_machine(stack):
    role_policy = within(stack, "orders", "aws:iam/rolePolicy:RolePolicy")[0]
    assert policy(role_policy)["Statement"] == [
        {"Effect": "Allow", "Action": ["states:StartExecution"], "Resource": [MACHINE_ARN]}
    ]
    role = within(stack, "orders", "aws:iam/role:Role")[0]
    (trust,) = policy(role, "assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    # Confused deputy: only rules of the bus's account.
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    sfn_target = next(t for t in targets(stack, "placed") if t["arn"] == MACHINE_ARN)
    assert sfn_target["roleArn"] == role.outputs["arn"]


def test_fifo_queue_target_sets_its_message_group(stack):
    queue_target = next(t for t in targets(stack, "fanout") if t["arn"].endswith(".fifo"))
    assert queue_target["sqsTarget"] == {"messageGroupId": "orders"}


@pytest.mark.parametrize(
    ("rule_args", "message"),
    [
        ({"event_pattern": {}, "targets": [LambdaTarget(FUNCTION_ARN)]}, "event_pattern is empty"),
        ({"event_pattern": {"source": ["x"]}, "targets": []}, "targets is empty"),
        ({"event_pattern": {"source": ["x"]}, "targets": [LambdaTarget(FUNCTION_ARN)] * 6}, "at most 5 targets"),
        (
            {"event_pattern": {"source": ["x"]}, "targets": [LambdaTarget(FUNCTION_ARN)], "max_retries": 200},
            "max_retries must be 0..185",
        ),
    ],
)
def test_bad_rules_are_rejected_naming_the_arg(rule_args, message):
    with pytest.raises(ValueError, match=message):
        EventRule(name="r", **rule_args).validate()


def test_a_string_event_pattern_is_rejected():
    with pytest.raises(ValueError, match="event_pattern must be a dict"):
        EventRule(name="r", event_pattern='{"source": ["x"]}', targets=[LambdaTarget(FUNCTION_ARN)]).validate()


def test_an_event_pattern_eventbridge_would_reject_fails_naming_the_rule_and_the_arg():
    rule = EventRule(name="placed", event_pattern={"detail-type": "OrderPlaced"}, targets=[QueueTarget(queue_arn="a")])
    with pytest.raises(ValueError, match=r"EventRule 'placed': event_pattern: detail-type must be a list of values"):
        rule.validate()
