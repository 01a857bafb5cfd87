"""EventRouter opened up: an existing bus instead of a new one, and overrides of the bus, rules and targets."""

from __future__ import annotations

import pytest
from pulumi_aws import cloudwatch

from pulumi_wasp.components import EventRouter, EventRouterArgs, EventRule, QueueTarget
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

BUS_ARN = "arn:aws:events:us-east-1:123456789012:event-bus/legacy"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders"


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
