"""Queue opened up: an existing dead-letter queue instead of a new one (a team's shared DLQ)."""

from __future__ import annotations

import json

import pytest
from pulumi_aws import sqs

from pulumi_wasp.components import (
    Dashboard,
    DashboardArgs,
    ExistingQueue,
    FanOut,
    FanOutArgs,
    Queue,
    QueueArgs,
    Subscriber,
)
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

QUEUE = "aws:sqs/queue:Queue"
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:shared-dlq"
DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/shared-dlq"


@pytest.fixture(scope="module")
def bare():
    queues = []

    def program():
        queue = Queue("jobs", QueueArgs(existing_dlq=ExistingQueue(arn=DLQ_ARN, url=DLQ_URL), max_receive_count=5))
        queues.append(queue)
        Dashboard("ops", DashboardArgs(components=[queue]))

    with logged() as lines:
        stack = synthesize(program)
    return stack, lines, queues[0]


def test_an_existing_dlq_is_not_created(bare):
    stack, _, queue = bare
    assert [q.name for q in stack.in_component("jobs", type=QUEUE)] == ["jobs-queue"]
    assert queue.dlq is None


def test_the_queue_redrives_to_the_existing_dlq(bare):
    stack, _, _ = bare
    redrive = json.loads(stack.named("jobs-queue", QUEUE).input("redrivePolicy"))
    assert redrive == {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 5}


def test_the_existing_dlq_is_alarmed_on_by_its_name_and_charted(bare):
    stack, _, _ = bare
    alarm = stack.named("jobs-dlq-alarm")
    assert (alarm.input("dimensions"), alarm.input("metricName")) == (
        {"QueueName": "shared-dlq"},
        "ApproximateNumberOfMessagesVisible",
    )
    assert "shared-dlq" in stack.one("aws:cloudwatch/dashboard:Dashboard").input("dashboardBody")


def test_the_outputs_name_the_existing_dlq(bare):
    stack, _, _ = bare
    (record,) = [r for r in stack if not r.custom and r.name == "jobs"]
    assert (record.outputs["dlq_arn"], record.outputs["dlq_url"]) == (DLQ_ARN, DLQ_URL)


def test_a_bare_dlq_says_what_it_could_not_check(bare):
    _, lines, _ = bare
    assert "Queue jobs: given a bare identifier, so not checked: QueueArgs.existing_dlq's retention" in "\n".join(
        lines.at("INFO")
    )


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        (
            lambda: ExistingQueue(queue=sqs.Queue("shared", message_retention_seconds=3600)),
            "keeps messages 3600 s, less than the queue's",
        ),
        (
            lambda: ExistingQueue(queue=sqs.Queue("shared", fifo_queue=True)),
            "QueueArgs.existing_dlq is a FIFO queue, and a queue's DLQ",
        ),
        (lambda: ExistingQueue(arn=f"{DLQ_ARN}.fifo", url=f"{DLQ_URL}.fifo"), "QueueArgs.existing_dlq is a FIFO queue"),
    ],
    ids=["short-retention", "fifo-resource", "fifo-arn"],
)
def test_an_existing_dlq_known_to_break_the_queues_rules_fails(existing, message):
    with pytest.raises(ProgramError, match=message):
        synthesize(lambda: Queue("jobs", QueueArgs(existing_dlq=existing())))


def test_an_existing_dlq_resource_keeping_messages_long_enough_is_accepted():
    def program():
        Queue(
            "jobs",
            QueueArgs(existing_dlq=ExistingQueue(queue=sqs.Queue("shared", message_retention_seconds=1_209_600))),
        )

    stack = synthesize(program)
    redrive = json.loads(stack.named("jobs-queue", QUEUE).input("redrivePolicy"))
    assert redrive["deadLetterTargetArn"] == stack.named("shared").output("arn")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            QueueArgs(existing_dlq=ExistingQueue(arn=DLQ_ARN, url=DLQ_URL), dlq_overrides={"tags": {}}),
            "QueueArgs.dlq_overrides and dlq_retention_seconds apply to a DLQ the queue creates",
        ),
        (
            QueueArgs(existing_dlq=ExistingQueue(arn=DLQ_ARN, url=DLQ_URL, dead_letter_queue=True)),
            "QueueArgs.existing_dlq: dead_letter_queue, dlq_overrides and kms_key_arn apply to a queue",
        ),
        (
            QueueArgs(fifo=True, existing_dlq=ExistingQueue(arn=DLQ_ARN, url=DLQ_URL)),
            "QueueArgs.existing_dlq is standard and the queue FIFO",
        ),
        (QueueArgs(existing_dlq=ExistingQueue(arn=DLQ_ARN)), "QueueArgs.existing_dlq: a bare queue needs both"),
    ],
)
def test_bad_existing_dlqs_fail_naming_the_arg(args, message):
    with pytest.raises(ValueError, match=message):
        args.validate()


def two_fanouts_sharing(existing: ExistingQueue) -> None:
    for name in ("orders", "payments"):
        subscriber = Subscriber(name="a", queue=QueueArgs(), existing_delivery_dlq=existing)
        FanOut(name, FanOutArgs(subscribers=[subscriber]))


def test_a_second_component_setting_a_policy_on_the_same_existing_dlq_fails_naming_the_first():
    with pytest.raises(
        ProgramError,
        match=r"FanOut payments: Subscriber 'a': existing_delivery_dlq: this queue already "
        r"has the queue policy FanOut orders: Subscriber 'a': existing_delivery_dlq set",
    ):
        synthesize(lambda: two_fanouts_sharing(ExistingQueue(arn=DLQ_ARN, url=DLQ_URL)))


def test_the_same_queue_resource_given_twice_is_recognised():
    with pytest.raises(ProgramError, match="one policy per queue"):
        synthesize(lambda: two_fanouts_sharing(ExistingQueue(queue=sqs.Queue("shared"))))


def test_each_program_run_sets_its_own_policies():
    def program():
        subscriber = Subscriber(
            name="a", queue=QueueArgs(), existing_delivery_dlq=ExistingQueue(arn=DLQ_ARN, url=DLQ_URL)
        )
        FanOut("orders", FanOutArgs(subscribers=[subscriber]))

    synthesize(program)
    synthesize(program)
