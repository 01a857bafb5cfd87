"""FanOut: SNS → N queues with filter policies, subscription DLQs and scoped queue policies."""

from __future__ import annotations

import json

import pulumi
import pytest

from pulumi_wasp.components import (
    FanOut,
    FanOutArgs,
    QueueArgs,
    QueueProcessorArgs,
    ServerlessFunctionArgs,
    ServiceSender,
    Subscriber,
)
from tests.unit.conftest import one, policy, synth, within

RULE_ARN = "arn:aws:events:eu-west-1:123456789012:rule/bus/lifecycle"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"


def program() -> None:
    events = FanOut(
        "events",
        FanOutArgs(
            publishers=[ServiceSender("events.amazonaws.com", RULE_ARN)],
            subscribers=[
                Subscriber(
                    name="shipping",
                    processor=QueueProcessorArgs(
                        function=ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"])
                    ),
                    filter_policy={"detail-type": ["OrderConfirmed"]},
                    filter_policy_scope="MessageBody",
                ),
                Subscriber(name="audit", queue=QueueArgs(), raw_message_delivery=False),
            ],
        ),
    )
    FanOut("plain", FanOutArgs(encrypt=False, subscribers=[Subscriber(name="all", queue=QueueArgs())]))
    pulumi.export("delivery_dlqs", {name: queue.arn for name, queue in events.delivery_dlqs.items()})


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def subscription(stack, name):
    return next(r for r in within(stack, "events", SUBSCRIPTION) if r.name == f"events-{name}-subscription").inputs


def test_topic_is_encrypted_with_a_key_its_publishers_may_use(stack):
    key = one(stack, "events", "aws:kms/key:Key")
    topic = one(stack, "events", "aws:sns/topic:Topic")
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    services = policy(key)["Statement"][1]
    assert services["Principal"] == {"Service": "events.amazonaws.com"}
    assert services["Condition"]["ArnLike"] == {"aws:SourceArn": [RULE_ARN]}
    assert key.inputs["enableKeyRotation"] is True


def test_topic_policy_denies_publishing_without_tls(stack):
    statement = policy(one(stack, "events", "aws:sns/topicPolicy:TopicPolicy"))["Statement"][0]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == ("Deny", "*", "sns:Publish")
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_topic_policy_admits_each_publisher_only_from_its_source(stack):
    statement = policy(one(stack, "events", "aws:sns/topicPolicy:TopicPolicy"))["Statement"][1]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": RULE_ARN}}


def test_subscriptions_deliver_raw_messages_by_default(stack):
    assert subscription(stack, "shipping")["rawMessageDelivery"] is True
    assert subscription(stack, "audit")["rawMessageDelivery"] is False


def test_filter_policy_and_scope_are_set_per_subscriber(stack):
    assert json.loads(subscription(stack, "shipping")["filterPolicy"]) == {"detail-type": ["OrderConfirmed"]}
    assert subscription(stack, "shipping")["filterPolicyScope"] == "MessageBody"
    assert "filterPolicy" not in subscription(stack, "audit")


def test_every_subscription_redrives_to_a_delivery_dlq(stack):
    queues = {r.name: r for r in within(stack, "events", "aws:sqs/queue:Queue")}
    for name in ("shipping", "audit"):
        target = json.loads(subscription(stack, name)["redrivePolicy"])["deadLetterTargetArn"]
        assert target == queues[f"events-{name}-delivery-dlq"].outputs["arn"]


def test_delivery_dlqs_are_exposed_per_subscriber(stack):
    queues = {r.name: r for r in within(stack, "events", "aws:sqs/queue:Queue")}
    assert stack.stack_outputs["delivery_dlqs"] == {
        name: queues[f"events-{name}-delivery-dlq"].outputs["arn"] for name in ("shipping", "audit")
    }


def test_subscriber_queues_admit_only_this_topic(stack):
    topic_arn = one(stack, "events", "aws:sns/topic:Topic").outputs["arn"]
    for name in ("shipping", "audit"):
        queue_policy = next(
            r
            for r in within(stack, "events", "aws:sqs/queuePolicy:QueuePolicy")
            if r.name == f"events-{name}-queue-policy"
        )
        allow = policy(queue_policy)["Statement"][1]
        assert allow["Principal"] == {"Service": "sns.amazonaws.com"}
        assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": topic_arn}}


def test_processed_subscriber_gets_a_worker_function(stack):
    functions = within(stack, "events", "aws:lambda/function:Function")
    assert [f.name for f in functions] == ["events-shipping-function"]


def test_encryption_can_be_turned_off(stack):
    assert "kmsMasterKeyId" not in one(stack, "plain", "aws:sns/topic:Topic").inputs
    assert within(stack, "plain", "aws:kms/key:Key") == []


@pytest.mark.parametrize(
    ("subscribers", "message"),
    [
        ([], "subscribers is empty"),
        ([Subscriber(name="a")], "set exactly one of processor= or queue="),
        (
            [Subscriber(name="a", queue=QueueArgs()), Subscriber(name="a", queue=QueueArgs())],
            r"duplicate names \['a'\]",
        ),
        ([Subscriber(name="a", queue=QueueArgs(), filter_policy={})], "filter_policy is empty"),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(subscribers, message):
    with pytest.raises(ValueError, match=message):
        FanOutArgs(subscribers=subscribers).validate()


def test_fifo_subscribers_and_string_filter_policies_are_rejected():
    with pytest.raises(ValueError, match="cannot deliver to a FIFO queue"):
        Subscriber(name="a", queue=QueueArgs(fifo=True)).validate()
    with pytest.raises(ValueError, match="filter_policy must be a dict"):
        Subscriber(name="a", queue=QueueArgs(), filter_policy='{"a": ["b"]}').validate()


def test_a_filter_policy_sns_would_reject_fails_naming_the_subscriber_and_the_arg():
    nested = Subscriber(name="all", queue=QueueArgs(), filter_policy={"detail": {"total": [1]}})
    with pytest.raises(
        ValueError, match=r"Subscriber 'all': filter_policy: detail is nested; only filter_policy_scope"
    ):
        nested.validate()
