"""FanOut opened up: an existing topic or subscriber queue (processed or not), and overrides of the topic and
subscriptions."""

from __future__ import annotations

import json

import pytest
from pulumi_aws import sns, sqs

from pulumi_wasp.components import (
    ExistingQueue,
    FanOut,
    FanOutArgs,
    Queue,
    QueueArgs,
    QueueProcessorArgs,
    ServerlessFunctionArgs,
    ServiceSender,
    Subscriber,
)
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:legacy-events"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:audit"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/audit"


@pytest.fixture(scope="module")
def existing():
    with logged() as lines:
        stack = synthesize(
            lambda: FanOut(
                "events",
                FanOutArgs(
                    existing_topic=TOPIC_ARN,
                    publishers=[ServiceSender("events.amazonaws.com", "arn:aws:events:us-east-1:123456789012:rule/r")],
                    subscribers=[
                        Subscriber(name="audit", queue=ExistingQueue(arn=QUEUE_ARN, url=QUEUE_URL)),
                        Subscriber(name="search", queue=QueueArgs()),
                    ],
                ),
            )
        )
    return stack, lines


def test_an_existing_topic_is_not_created_and_no_key_is_made(existing):
    stack, _ = existing
    assert stack.in_component("events", type=TOPIC) == []
    assert stack.in_component("events", type="aws:kms/key:Key") == []


def test_subscriptions_and_the_topic_policy_use_the_existing_topic(existing):
    stack, _ = existing
    assert {s.input("topic") for s in stack.in_component("events", type=SUBSCRIPTION)} == {TOPIC_ARN}
    assert stack.one("aws:sns/topicPolicy:TopicPolicy", within="events").input("arn") == TOPIC_ARN


def test_a_bare_topic_says_what_it_could_not_check(existing):
    _, lines = existing
    assert "FanOut events: given a bare identifier, so not checked: the existing topic's encryption" in "\n".join(
        lines.at("INFO")
    )


def test_an_existing_subscriber_queue_is_subscribed_and_admits_only_the_topic(existing):
    stack, _ = existing
    assert stack.named("events-audit-subscription").input("endpoint") == QUEUE_ARN
    policy = stack.named("events-audit-queue-policy")
    assert policy.input("queueUrl") == QUEUE_URL
    allow = json.loads(policy.input("policy"))["Statement"][1]
    assert (allow["Principal"], allow["Resource"], allow["Condition"]) == (
        {"Service": "sns.amazonaws.com"},
        QUEUE_ARN,
        {"ArnEquals": {"aws:SourceArn": TOPIC_ARN}},
    )


def test_an_existing_subscriber_queue_still_gets_a_delivery_dlq(existing):
    stack, _ = existing
    redrive = json.loads(stack.named("events-audit-subscription").input("redrivePolicy"))
    assert redrive == {"deadLetterTargetArn": stack.named("events-audit-delivery-dlq").output("arn")}


def test_queue_arns_hold_every_subscriber_and_queues_only_those_created():
    fanouts = []
    synthesize(
        lambda: fanouts.append(
            FanOut(
                "events",
                FanOutArgs(
                    existing_topic=TOPIC_ARN,
                    subscribers=[
                        Subscriber(name="audit", queue=ExistingQueue(arn=QUEUE_ARN, url=QUEUE_URL)),
                        Subscriber(name="search", queue=QueueArgs()),
                    ],
                ),
            )
        )
    )
    assert (sorted(fanouts[0].queue_arns), sorted(fanouts[0].queues)) == (["audit", "search"], ["search"])


def test_an_existing_topic_resource_is_used_by_its_arn():
    def program():
        topic = sns.Topic("legacy")
        FanOut("events", FanOutArgs(existing_topic=topic, subscribers=[Subscriber(name="a", queue=QueueArgs())]))

    stack = synthesize(program)
    assert stack.named("events-a-subscription").input("topic") == stack.named("legacy").output("arn")


@pytest.fixture(scope="module")
def overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: FanOut(
                "events",
                FanOutArgs(
                    topic_overrides={"kms_master_key_id": None, "display_name": "Order events"},
                    subscribers=[Subscriber(name="a", queue=QueueArgs(), overrides={"redrive_policy": None})],
                ),
            )
        )
    return stack, lines


def test_overrides_reach_the_topic_and_the_subscription(overridden):
    stack, _ = overridden
    topic = stack.one(TOPIC, within="events")
    assert topic.input("displayName") == "Order events"
    assert "kmsMasterKeyId" not in topic.inputs
    assert "redrivePolicy" not in stack.named("events-a-subscription").inputs


def test_overridden_defaults_warn_naming_their_rules(overridden):
    _, lines = overridden
    warnings = "\n".join(lines.at("WARNING"))
    assert "FanOutArgs.topic_overrides['kms_master_key_id'] = None" in warnings
    assert "the policy rule sns-encryption will flag it" in warnings
    assert "the policy rule sns-subscription-redrive will flag it" in warnings


def test_the_pack_flags_the_overridden_defaults(overridden):
    stack, _ = overridden
    findings = stack.preview()
    assert [d.name for d in findings.of("sns-encryption")] == ["events-topic"]
    assert [d.name for d in findings.of("sns-subscription-redrive")] == ["events-a-subscription"]


def test_an_unknown_subscription_override_fails_naming_it():
    with pytest.raises(
        ProgramError,
        match=r"Subscriber 'a': overrides: 'filter' is not a keyword argument of "
        r"sns.TopicSubscription",
    ):
        synthesize(
            lambda: FanOut(
                "events", FanOutArgs(subscribers=[Subscriber(name="a", queue=QueueArgs(), overrides={"filter": {}})])
            )
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            FanOutArgs(existing_topic=TOPIC_ARN, encrypt=False, subscribers=[Subscriber(name="a", queue=QueueArgs())]),
            "topic_overrides and encrypt apply to a topic the fan-out creates",
        ),
        (
            FanOutArgs(subscribers=[Subscriber(name="a", queue=ExistingQueue(arn=QUEUE_ARN))]),
            "Subscriber 'a': queue: a bare queue needs both arn= and url=",
        ),
    ],
)
def test_bad_combinations_fail_naming_the_args(args, message):
    with pytest.raises(ValueError, match=message):
        args.validate()


def test_a_queue_component_as_a_subscriber_queue_is_refused_with_the_reason():
    def program():
        queue = Queue("shared", QueueArgs())
        FanOut("events", FanOutArgs(subscribers=[Subscriber(name="a", queue=ExistingQueue(queue=queue))]))

    with pytest.raises(ProgramError, match="a Queue component, which owns its queue policy"):
        synthesize(program)


@pytest.fixture(scope="module")
def processed_existing_queue():
    fanouts = []

    def program():
        consumer = ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"])
        processor = QueueProcessorArgs(function=consumer, existing_queue=ExistingQueue(arn=QUEUE_ARN, url=QUEUE_URL))
        fanouts.append(FanOut("events", FanOutArgs(subscribers=[Subscriber(name="audit", processor=processor)])))

    return synthesize(program), fanouts[0]


def test_a_processed_existing_subscriber_queue_is_subscribed_consumed_and_not_created(processed_existing_queue):
    stack, fanout = processed_existing_queue
    queues = [q.name for q in stack.in_component("events", type="aws:sqs/queue:Queue")]
    # Only DLQs: the existing queue's (its redrive) and the subscription's delivery DLQ.
    assert sorted(queues) == ["events-audit-delivery-dlq", "events-audit-dlq"]
    assert stack.named("events-audit-subscription").input("endpoint") == QUEUE_ARN
    mapping = stack.one("aws:lambda/eventSourceMapping:EventSourceMapping", within="events")
    assert mapping.input("eventSourceArn") == QUEUE_ARN
    assert (sorted(fanout.processors), fanout.queues, fanout.queue_arns["audit"]) == (["audit"], {}, QUEUE_ARN)


def test_a_processed_existing_subscriber_queue_admits_only_the_topic(processed_existing_queue):
    stack, _ = processed_existing_queue
    policy = stack.named("events-audit-queue-policy")
    assert policy.input("queueUrl") == QUEUE_URL
    allow = json.loads(policy.input("policy"))["Statement"][1]
    assert (allow["Principal"], allow["Condition"]) == (
        {"Service": "sns.amazonaws.com"},
        {"ArnEquals": {"aws:SourceArn": stack.named("events-topic").output("arn")}},
    )


def test_a_queue_component_as_a_processors_existing_queue_is_refused_with_the_reason():
    def program():
        queue = Queue("shared", QueueArgs())
        consumer = ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"])
        processor = QueueProcessorArgs(function=consumer, existing_queue=ExistingQueue(queue=queue))
        FanOut("events", FanOutArgs(subscribers=[Subscriber(name="a", processor=processor)]))

    with pytest.raises(
        ProgramError, match="Subscriber 'a': processor.existing_queue is a Queue component, which owns its queue policy"
    ):
        synthesize(program)


KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def delivery_overridden():
    fanouts = []
    overrides = {"sqs_managed_sse_enabled": False, "tags": {"tier": "delivery"}}
    keyed = {"kms_master_key_id": KEY_ARN}

    def program():
        subscribers = [
            Subscriber(name="a", queue=QueueArgs(), delivery_dlq_overrides=overrides),
            Subscriber(name="b", queue=QueueArgs(), delivery_dlq_overrides=keyed),
        ]
        fanouts.append(FanOut("events", FanOutArgs(subscribers=subscribers)))

    with logged() as lines:
        stack = synthesize(program)
    return stack, lines, fanouts[0]


def test_delivery_dlq_overrides_reach_the_subscriptions_dlq(delivery_overridden):
    stack, _, _ = delivery_overridden
    dlq = stack.named("events-a-delivery-dlq")
    assert (dlq.input("sqsManagedSseEnabled"), dlq.input("tags")["tier"]) == (False, "delivery")


def test_dropping_the_delivery_dlqs_encryption_warns_and_the_pack_flags_it(delivery_overridden):
    stack, lines, _ = delivery_overridden
    assert any(
        line.startswith("Subscriber 'a': delivery_dlq_overrides['sqs_managed_sse_enabled']")
        and "sqs-encryption" in line
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("sqs-encryption")] == ["events-a-delivery-dlq"]


def test_a_delivery_dlq_under_a_given_key_lists_what_sns_needs_of_its_policy(delivery_overridden):
    _, _, fanout = delivery_overridden
    (grant,) = fanout.required_key_policy
    (statement,) = grant.statements
    assert (grant.key_arn, statement["Principal"]) == (KEY_ARN, {"Service": "sns.amazonaws.com"})
    # Only for this topic's deliveries (the source ARN is the topic's, an Output here).
    assert set(statement["Condition"]) == {"StringEquals", "ArnLike"}


@pytest.mark.parametrize(
    "queue",
    [
        lambda: ExistingQueue(queue=sqs.Queue("legacy", fifo_queue=True)),
        lambda: ExistingQueue(arn=f"{QUEUE_ARN}.fifo", url=f"{QUEUE_URL}.fifo"),
    ],
    ids=["resource", "arn"],
)
def test_an_existing_subscriber_queue_known_to_be_fifo_fails(queue):
    def program():
        FanOut("events", FanOutArgs(subscribers=[Subscriber(name="a", queue=queue())]))

    with pytest.raises(
        ProgramError, match="FanOut events: subscriber 'a''s queue is a FIFO queue, and a standard SNS topic delivers"
    ):
        synthesize(program)


def test_a_bare_subscriber_queue_says_what_it_could_not_check(existing):
    _, lines = existing
    assert "FanOut events: given a bare identifier, so not checked: subscriber 'audit''s queue's encryption" in (
        "\n".join(lines.at("INFO"))
    )


DELIVERY_ARN = "arn:aws:sqs:us-east-1:123456789012:undeliverable"
DELIVERY_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/undeliverable"


@pytest.fixture(scope="module")
def existing_delivery_dlq():
    fanouts = []
    existing = ExistingQueue(arn=DELIVERY_ARN, url=DELIVERY_URL, kms_key_arn=KEY_ARN)

    def program():
        subscriber = Subscriber(name="a", queue=QueueArgs(), existing_delivery_dlq=existing)
        fanouts.append(FanOut("events", FanOutArgs(subscribers=[subscriber])))

    with logged() as lines:
        stack = synthesize(program)
    return stack, lines, fanouts[0]


def test_an_existing_delivery_dlq_is_not_created_but_redriven_to(existing_delivery_dlq):
    stack, _, fanout = existing_delivery_dlq
    created = [q.name for q in stack.in_component("events", type="aws:sqs/queue:Queue")]
    assert "events-a-delivery-dlq" not in created and "events-a-queue" in created
    redrive = json.loads(stack.named("events-a-subscription").input("redrivePolicy"))
    assert (redrive, fanout.delivery_dlqs) == ({"deadLetterTargetArn": DELIVERY_ARN}, {})


def test_an_existing_delivery_dlq_admits_only_the_topic_and_is_alarmed_on(existing_delivery_dlq):
    stack, _, _ = existing_delivery_dlq
    policy = stack.named("events-a-delivery-dlq-policy")
    assert policy.input("queueUrl") == DELIVERY_URL
    allow = json.loads(policy.input("policy"))["Statement"][1]
    assert allow["Principal"] == {"Service": "sns.amazonaws.com"}
    assert stack.named("events-a-delivery-dlq-alarm").input("dimensions") == {"QueueName": "undeliverable"}


def test_an_existing_delivery_dlqs_key_lists_what_sns_needs_and_a_bare_one_says_what_was_not_checked(
    existing_delivery_dlq,
):
    _, lines, fanout = existing_delivery_dlq
    (grant,) = fanout.required_key_policy
    assert grant.key_arn == KEY_ARN
    assert "FanOut events: given a bare identifier, so not checked: Subscriber 'a': existing_delivery_dlq's" in (
        "\n".join(lines.at("INFO"))
    )


def test_delivery_dlq_overrides_with_an_existing_delivery_dlq_fail():
    subscriber = Subscriber(
        name="a",
        queue=QueueArgs(),
        existing_delivery_dlq=ExistingQueue(arn=DELIVERY_ARN, url=DELIVERY_URL),
        delivery_dlq_overrides={"tags": {}},
    )
    with pytest.raises(ValueError, match="Subscriber 'a': delivery_dlq_overrides apply to a DLQ the fan-out creates"):
        subscriber.validate()
