"""Queue: encrypted, TLS-only, long-polling, redriven to an alarmed DLQ."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components import Queue, QueueArgs, ServiceSender
from tests.unit.conftest import policy, synth, within

QUEUE = "aws:sqs/queue:Queue"


def program() -> None:
    Queue("standard")
    Queue("ordered", QueueArgs(fifo=True, max_receive_count=5, retention_seconds=86400, visibility_timeout_seconds=90))
    Queue("fed", QueueArgs(senders=[ServiceSender("sns.amazonaws.com", "arn:aws:sns:eu-west-1:123456789012:topic")]))


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def queues(stack, component):
    found = {r.name: r for r in within(stack, component, QUEUE)}
    return found[f"{component}-queue"], found[f"{component}-dlq"]


def test_queue_is_encrypted_with_sqs_managed_sse(stack):
    main, dlq = queues(stack, "standard")
    assert main.inputs["sqsManagedSseEnabled"] is True
    assert dlq.inputs["sqsManagedSseEnabled"] is True


def test_queue_long_polls_for_20_seconds(stack):
    assert queues(stack, "standard")[0].inputs["receiveWaitTimeSeconds"] == 20


def test_queue_keeps_messages_4_days_and_its_dlq_14(stack):
    main, dlq = queues(stack, "standard")
    assert main.inputs["messageRetentionSeconds"] == 4 * 86400
    assert dlq.inputs["messageRetentionSeconds"] == 14 * 86400


def test_queue_redrives_to_its_dlq_after_3_receives(stack):
    main, dlq = queues(stack, "standard")
    assert json.loads(main.inputs["redrivePolicy"]) == {"deadLetterTargetArn": dlq.outputs["arn"], "maxReceiveCount": 3}


def test_standalone_visibility_timeout_is_30_seconds(stack):
    assert queues(stack, "standard")[0].inputs["visibilityTimeoutSeconds"] == 30


def test_both_queues_deny_insecure_transport(stack):
    for res in within(stack, "standard", "aws:sqs/queuePolicy:QueuePolicy"):
        deny = policy(res)["Statement"][0]
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_dlq_alarms_on_its_first_message(stack):
    alarm = within(stack, "standard", "aws:cloudwatch/metricAlarm:MetricAlarm")[0].inputs
    assert alarm["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["threshold"] == 1
    assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["dimensions"] == {"QueueName": queues(stack, "standard")[1].outputs["name"]}


def test_fifo_queue_deduplicates_per_message_group_and_its_dlq_is_fifo(stack):
    main, dlq = queues(stack, "ordered")
    assert main.inputs["fifoQueue"] is True
    assert main.inputs["contentBasedDeduplication"] is True
    assert main.inputs["deduplicationScope"] == "messageGroup"
    assert main.inputs["fifoThroughputLimit"] == "perMessageGroupId"
    assert dlq.inputs["fifoQueue"] is True


def test_overrides_replace_defaults(stack):
    main, _ = queues(stack, "ordered")
    assert main.inputs["visibilityTimeoutSeconds"] == 90
    assert main.inputs["messageRetentionSeconds"] == 86400
    assert json.loads(main.inputs["redrivePolicy"])["maxReceiveCount"] == 5


def test_senders_are_admitted_only_from_their_source(stack):
    main_policy = next(
        r for r in within(stack, "fed", "aws:sqs/queuePolicy:QueuePolicy") if r.name == "fed-queue-policy"
    )
    allow = policy(main_policy)["Statement"][1]
    assert allow["Principal"] == {"Service": "sns.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:topic"}}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"max_receive_count": 0}, "max_receive_count must be 1..10"),
        ({"receive_wait_seconds": 21}, "receive_wait_seconds must be 0..20"),
        ({"retention_seconds": 30}, "retention_seconds must be 60..1209600"),
        ({"dlq_retention_seconds": 3600}, "dlq_retention_seconds .* must be ≥ retention_seconds"),
        ({"visibility_timeout_seconds": 50000}, "visibility_timeout_seconds must be 0..43200"),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(overrides, message):
    with pytest.raises(ValueError, match=message):
        QueueArgs(**overrides).validate()
