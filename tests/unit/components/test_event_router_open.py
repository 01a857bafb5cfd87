"""EventRouter opened up: an existing bus instead of a new one, a rule's existing DLQ instead of its own, and overrides
of the bus, rules, targets and rule DLQs."""

from __future__ import annotations

import json

import pytest
from pulumi_aws import cloudwatch, sqs

from pulumi_wasp.components import (
    Dashboard,
    DashboardArgs,
    EventRouter,
    EventRouterArgs,
    EventRule,
    ExistingQueue,
    Queue,
    QueueTarget,
)
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

BUS_ARN = "arn:aws:events:us-east-1:123456789012:event-bus/legacy"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"


def rule(**given) -> EventRule:
    return EventRule(name="placed", event_pattern={"source": ["orders"]}, targets=[QueueTarget(QUEUE_ARN)], **given)


@pytest.fixture(scope="module")
def existing():
    with logged() as lines:
        stack = synthesize(lambda: EventRouter("orders", EventRouterArgs(existing_bus=BUS_ARN, rules=[rule()])))
    return stack, lines


def test_an_existing_bus_is_not_created(existing):
    stack, _ = existing
    assert stack.in_component("orders", type="aws:cloudwatch/eventBus:EventBus") == []


def test_rules_targets_and_the_archive_use_the_existing_bus(existing):
    stack, _ = existing
    assert stack.one("aws:cloudwatch/eventRule:EventRule", within="orders").input("eventBusName") == "legacy"
    assert stack.one("aws:cloudwatch/eventTarget:EventTarget", within="orders").input("eventBusName") == "legacy"
    assert stack.one("aws:cloudwatch/eventArchive:EventArchive", within="orders").input("eventSourceArn") == BUS_ARN


def test_the_rules_dlq_admits_the_rule_on_the_existing_bus(existing):
    stack, _ = existing
    policy = stack.named("orders-placed-dlq-policy").input_json("policy")
    condition = policy["Statement"][1]["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert condition.startswith("arn:aws:events:us-east-1:123456789012:rule/legacy/")


def test_a_bare_bus_says_what_it_could_not_check(existing):
    _, lines = existing
    assert any(
        line.startswith("EventRouter orders: given a bare identifier, so not checked") for line in lines.at("INFO")
    )


def test_an_existing_bus_resource_lends_its_name_and_arn():
    def program():
        bus = cloudwatch.EventBus("shared", name="shared-bus")
        EventRouter("orders", EventRouterArgs(existing_bus=bus, rules=[rule()]))

    stack = synthesize(program)
    assert stack.one("aws:cloudwatch/eventRule:EventRule", within="orders").input("eventBusName") == "shared-bus"


@pytest.fixture(scope="module")
def overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: EventRouter(
                "orders",
                EventRouterArgs(
                    bus_overrides={"description": "Order events"},
                    rules=[rule(overrides={"state": "DISABLED"}, target_overrides={"dead_letter_config": None})],
                ),
            )
        )
    return stack, lines


def test_overrides_reach_the_bus_the_rule_and_the_target(overridden):
    stack, _ = overridden
    assert stack.one("aws:cloudwatch/eventBus:EventBus", within="orders").input("description") == "Order events"
    assert stack.one("aws:cloudwatch/eventRule:EventRule", within="orders").input("state") == "DISABLED"
    assert "deadLetterConfig" not in stack.one("aws:cloudwatch/eventTarget:EventTarget", within="orders").inputs


def test_dropping_the_target_dlq_warns_and_the_pack_flags_it(overridden):
    stack, lines = overridden
    assert any("the policy rule eventbridge-target-dlq will flag it" in line for line in lines.at("WARNING"))
    assert [d.name for d in stack.preview().of("eventbridge-target-dlq")] == ["orders-placed-target0"]


def test_an_unknown_target_override_fails_naming_it():
    with pytest.raises(
        ProgramError,
        match=r"EventRule 'placed': target_overrides: 'dlq' is not a keyword argument of "
        r"cloudwatch.EventTarget",
    ):
        synthesize(lambda: EventRouter("orders", EventRouterArgs(rules=[rule(target_overrides={"dlq": 1})])))


def test_bus_overrides_with_an_existing_bus_fail_naming_both():
    with pytest.raises(ProgramError, match="EventRouterArgs.bus_overrides apply to a bus the router creates"):
        synthesize(
            lambda: EventRouter("orders", EventRouterArgs(existing_bus=BUS_ARN, bus_overrides={"description": "x"}))
        )


# -- a rule's DLQ: overrides, or an existing queue -----------------------------------------------------------
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:ops-undelivered"
DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/ops-undelivered"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
QUEUE = "aws:sqs/queue:Queue"


def with_rule(**given):
    routers = []
    with logged() as lines:
        stack = synthesize(lambda: routers.append(EventRouter("orders", EventRouterArgs(rules=[rule(**given)]))))
    return stack, lines, routers[0]


@pytest.fixture(scope="module")
def existing_dlq():
    return with_rule(existing_dlq=ExistingQueue(arn=DLQ_ARN, url=DLQ_URL, kms_key_arn=KEY_ARN))


def test_an_existing_rule_dlq_is_not_created_but_receives_what_the_targets_could_not_take(existing_dlq):
    stack, _, router = existing_dlq
    assert stack.in_component("orders", type=QUEUE) == []
    assert stack.one(TARGET, within="orders").input("deadLetterConfig") == {"arn": DLQ_ARN}
    assert router.dlqs == {}


def test_an_existing_rule_dlqs_policy_admits_eventbridge_from_that_rule_only(existing_dlq):
    stack, _, _ = existing_dlq
    policy = stack.named("orders-placed-dlq-policy")
    assert policy.input("queueUrl") == DLQ_URL
    (allow,) = [s for s in policy.input_json("policy")["Statement"] if s["Effect"] == "Allow"]
    assert (allow["Principal"], allow["Resource"]) == ({"Service": "events.amazonaws.com"}, DLQ_ARN)
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"].endswith(":rule/test-dev-orders/test-dev-orders-placed")


def test_an_existing_rule_dlq_is_alarmed_on(existing_dlq):
    stack, _, _ = existing_dlq
    assert stack.named("orders-placed-dlq-alarm").input("dimensions") == {"QueueName": "ops-undelivered"}


def test_an_existing_rule_dlqs_key_lists_what_eventbridge_needs_and_a_bare_one_says_what_was_not_checked(
    existing_dlq,
):
    _, lines, router = existing_dlq
    (grant,) = router.required_key_policy
    (statement,) = grant.statements
    assert (grant.key_arn, statement["Principal"]) == (KEY_ARN, {"Service": "events.amazonaws.com"})
    info = "\n".join(lines.at("INFO"))
    assert "EventRule 'placed': existing_dlq.kms_key_arn is not the component's to edit" in info
    assert "EventRouter orders: given a bare identifier, so not checked: EventRule 'placed': existing_dlq's" in info


def test_an_existing_rule_dlq_is_charted_on_the_dashboard():
    def program():
        router = EventRouter(
            "orders", EventRouterArgs(rules=[rule(existing_dlq=ExistingQueue(arn=DLQ_ARN, url=DLQ_URL))])
        )
        Dashboard("ops", DashboardArgs(components=[router]))

    body = json.loads(synthesize(program).one(DASHBOARD, within="ops").input("dashboardBody"))
    (widget,) = [w for w in body["widgets"] if w["properties"]["title"] == "Dead-letter queue depth"]
    assert [metric[3] for metric in widget["properties"]["metrics"]] == ["ops-undelivered"]


def test_a_fifo_queue_resource_as_a_rule_dlq_fails_once_known():
    def program():
        fifo = sqs.Queue("undelivered", name="undelivered.fifo", fifo_queue=True)
        EventRouter("orders", EventRouterArgs(rules=[rule(existing_dlq=ExistingQueue(queue=fifo))]))

    with pytest.raises(ProgramError, match="EventRule 'placed': existing_dlq is a FIFO queue, and EventBridge DLQs"):
        synthesize(program)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"existing_dlq": ExistingQueue(arn=f"{DLQ_ARN}.fifo", url=f"{DLQ_URL}.fifo", fifo=True)},
            "EventRule 'placed': existing_dlq is a FIFO queue, and EventBridge sends failures to standard queues only",
        ),
        (
            {"existing_dlq": ExistingQueue(arn=DLQ_ARN, url=DLQ_URL), "dlq_overrides": {"tags": {}}},
            "EventRule 'placed': dlq_overrides apply to a DLQ the router creates, not to existing_dlq",
        ),
        (
            {"existing_dlq": ExistingQueue(arn=DLQ_ARN, url=DLQ_URL, dead_letter_queue=True)},
            "EventRule 'placed': existing_dlq: dead_letter_queue and dlq_overrides apply to a queue a component",
        ),
    ],
)
def test_bad_existing_rule_dlqs_fail_naming_the_arg(given, message):
    with pytest.raises(ValueError, match=message):
        rule(**given).validate()


def test_a_queue_component_as_a_rule_dlq_is_refused_with_the_reason():
    def program():
        EventRouter("orders", EventRouterArgs(rules=[rule(existing_dlq=ExistingQueue(queue=Queue("shared")))]))

    with pytest.raises(ProgramError, match="EventRule 'placed': existing_dlq is a Queue component"):
        synthesize(program)


@pytest.fixture(scope="module")
def dlq_overridden():
    return with_rule(dlq_overrides={"sqs_managed_sse_enabled": False, "tags": {"tier": "dlq"}})


def test_dlq_overrides_reach_the_rules_dlq_and_tags_merge(dlq_overridden):
    stack, _, _ = dlq_overridden
    tags = stack.named("orders-placed-dlq", QUEUE).input("tags")
    assert (tags["tier"], tags["managed-by"]) == ("dlq", "pulumi")


def test_dropping_the_rule_dlqs_encryption_warns_naming_the_rule_and_the_pack_flags_it(dlq_overridden):
    stack, lines, _ = dlq_overridden
    assert any(
        line.startswith("EventRule 'placed': dlq_overrides['sqs_managed_sse_enabled'] = False on orders-placed-dlq")
        and "the policy rule sqs-encryption will flag it" in line
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("sqs-encryption")] == ["orders-placed-dlq"]


def test_a_rule_dlq_under_a_key_of_the_callers_lists_what_eventbridge_needs():
    _, _, router = with_rule(dlq_overrides={"kms_master_key_id": KEY_ARN})
    (grant,) = router.required_key_policy
    assert grant.key_arn == KEY_ARN


def test_an_unknown_rule_dlq_override_fails_naming_it():
    with pytest.raises(
        ProgramError, match=r"EventRule 'placed': dlq_overrides: 'retention' is not a keyword argument of sqs.Queue"
    ):
        with_rule(dlq_overrides={"retention": 60})
