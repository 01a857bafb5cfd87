"""SQS and SNS rules: redrive, encryption, DLQ retention and alarms, subscription redrive, topic encryption."""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi_aws as aws
import pytest

from pulumi_wasp.preview import PolicyReport
from pulumi_wasp.synthesis import Synthesis

from .conftest import (
    TAGS,
    analyze,
    dead_letter_queue,
    exempt,
    exempted,
    flagged,
    function,
    messages,
    queue,
    synth,
    unevaluated,
    with_unknown,
)


def program() -> None:
    queue("orders")  # redrives to orders-dlq, which has an alarm
    aws.sqs.Queue("stray", sqs_managed_sse_enabled=True, tags=TAGS)
    aws.sqs.Queue("scratch", sqs_managed_sse_enabled=True, tags=exempt("sqs-redrive-policy"))
    separate_dlq = dead_letter_queue("separate-dlq")
    separate = aws.sqs.Queue("separate", sqs_managed_sse_enabled=True, tags=TAGS)
    aws.sqs.RedrivePolicy(
        "separate-redrive",
        queue_url=separate.id,
        redrive_policy=separate_dlq.arn.apply(
            lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3})
        ),
    )
    queue(
        "patient",
        redrive_policy=separate_dlq.arn.apply(
            lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 50})
        ),
    )
    aws.sqs.Queue("plain", tags=TAGS)
    aws.sqs.Queue("kms", kms_master_key_id="alias/aws/sqs", tags=TAGS)

    # DLQs of other kinds of users: a function, an event target, a subscription.
    fn_dlq = dead_letter_queue("function-dlq", alarm=False)
    function("async-fn", dead_letter_config={"target_arn": fn_dlq.arn})
    short_dlq = dead_letter_queue("short-dlq", message_retention_seconds=86400)
    queue("long-source", dlq=short_dlq, message_retention_seconds=345600)

    topic = aws.sns.Topic("events", kms_master_key_id="alias/aws/sns", tags=TAGS)
    aws.sns.Topic("plain-topic", tags=TAGS)
    delivery_dlq = dead_letter_queue("delivery-dlq")
    target = queue("subscriber")
    aws.sns.TopicSubscription(
        "redriven",
        topic=topic.arn,
        protocol="sqs",
        endpoint=target.arn,
        redrive_policy=delivery_dlq.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn})),
    )
    aws.sns.TopicSubscription("dropping", topic=topic.arn, protocol="sqs", endpoint=target.arn)
    aws.sns.TopicSubscription("mail", topic=topic.arn, protocol="email", endpoint="ops@example.com")


@pytest.fixture(scope="module")
def stack() -> Synthesis:
    return synth(program)


@pytest.fixture(scope="module")
def report(stack: Synthesis) -> PolicyReport:
    return analyze(stack)


def test_redrive_policy_accepts_an_inline_redrive(report: PolicyReport) -> None:
    assert "orders" not in flagged(report, "sqs-redrive-policy")


def test_redrive_policy_accepts_a_separate_redrive_policy_resource(report: PolicyReport) -> None:
    assert "separate" not in flagged(report, "sqs-redrive-policy")


def test_redrive_policy_flags_a_queue_without_one(report: PolicyReport) -> None:
    assert "stray" in flagged(report, "sqs-redrive-policy")


def test_redrive_policy_flags_a_max_receive_count_out_of_bounds(report: PolicyReport) -> None:
    (message,) = messages(report, "sqs-redrive-policy", "patient")
    assert '"maxReceiveCount": 50' in message


def test_redrive_policy_exempts_queues_used_as_dead_letter_queues(report: PolicyReport) -> None:
    for dlq in ("orders-dlq", "separate-dlq", "function-dlq", "delivery-dlq", "short-dlq"):
        assert dlq not in flagged(report, "sqs-redrive-policy")


def test_redrive_policy_lists_an_exempted_queue(report: PolicyReport) -> None:
    assert "scratch" not in flagged(report, "sqs-redrive-policy")
    assert "scratch" in exempted(report, "sqs-redrive-policy")


def test_redrive_policy_leaves_an_unknown_redrive_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "patient", "redrivePolicy"))
    assert "patient" in unevaluated(report, "sqs-redrive-policy")
    assert "patient" not in flagged(report, "sqs-redrive-policy")


def test_sqs_encryption_accepts_sse_sqs_and_kms(report: PolicyReport) -> None:
    assert not {"orders", "kms"} & flagged(report, "sqs-encryption")


def test_sqs_encryption_flags_an_unencrypted_queue(report: PolicyReport) -> None:
    assert "plain" in flagged(report, "sqs-encryption")


def test_dlq_retention_accepts_a_dlq_keeping_14_days(report: PolicyReport) -> None:
    assert "orders-dlq" not in flagged(report, "sqs-dlq-retention")


def test_dlq_retention_flags_a_dlq_that_forgets_before_its_source(report: PolicyReport) -> None:
    (message,) = messages(report, "sqs-dlq-retention", "short-dlq")
    assert "messageRetentionSeconds is 86400; wanted at least 345600 s" in message


def test_dlq_retention_ignores_queues_that_are_not_dead_letter_queues(report: PolicyReport) -> None:
    assert "stray" not in flagged(report, "sqs-dlq-retention")


def test_dlq_alarm_accepts_a_dlq_with_a_depth_alarm(report: PolicyReport) -> None:
    assert "orders-dlq" not in flagged(report, "sqs-dlq-alarm")


def test_dlq_alarm_flags_a_function_dlq_nobody_watches(report: PolicyReport) -> None:
    assert "function-dlq" in flagged(report, "sqs-dlq-alarm")


def test_dlq_alarm_ignores_queues_that_are_not_dead_letter_queues(report: PolicyReport) -> None:
    assert "stray" not in flagged(report, "sqs-dlq-alarm")


def test_dlq_alarm_lists_an_exempted_dlq(stack: Synthesis) -> None:
    config = {
        "exemptions": {"sqs-dlq-alarm": [{"name_pattern": "^function-dlq$", "reason": "drained by a nightly job"}]}
    }
    report = analyze(stack, config)
    assert "function-dlq" not in flagged(report, "sqs-dlq-alarm")
    assert "function-dlq" in exempted(report, "sqs-dlq-alarm")


def test_dlq_alarm_leaves_an_unknown_threshold_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "orders-dlq-alarm", "threshold"))
    assert "orders-dlq" in unevaluated(report, "sqs-dlq-alarm")


def test_subscription_redrive_accepts_a_subscription_with_a_dlq(report: PolicyReport) -> None:
    assert "redriven" not in flagged(report, "sns-subscription-redrive")


def test_subscription_redrive_flags_an_sqs_subscription_without_one(report: PolicyReport) -> None:
    assert "dropping" in flagged(report, "sns-subscription-redrive")


def test_subscription_redrive_ignores_email_subscriptions(report: PolicyReport) -> None:
    assert "mail" not in flagged(report, "sns-subscription-redrive")


def test_sns_encryption_accepts_kms_and_flags_a_plain_topic(report: PolicyReport) -> None:
    assert flagged(report, "sns-encryption") == {"plain-topic"}


def _tls_only(action: str) -> Callable[[str], str]:
    def document(arn: str) -> str:
        deny = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": action,
            "Resource": arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
        return json.dumps({"Version": "2012-10-17", "Statement": [deny]})

    return document


def tls_program() -> None:
    guarded = aws.sqs.Queue("guarded", sqs_managed_sse_enabled=True, tags=TAGS)
    aws.sqs.QueuePolicy("guarded-policy", queue_url=guarded.url, policy=guarded.arn.apply(_tls_only("sqs:*")))
    aws.sqs.Queue(
        "inline-guarded",
        sqs_managed_sse_enabled=True,
        policy=_tls_only("sqs:*")("arn:aws:sqs:us-east-1:123456789012:inline-guarded"),
        tags=TAGS,
    )
    allowing = aws.sqs.Queue("allowing", sqs_managed_sse_enabled=True, tags=TAGS)
    allow = {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage"}
    aws.sqs.QueuePolicy(
        "allowing-policy", queue_url=allowing.url, policy=json.dumps({"Version": "2012-10-17", "Statement": [allow]})
    )
    aws.sqs.Queue("unguarded", sqs_managed_sse_enabled=True, tags=TAGS)
    aws.sqs.Queue("exempt-unguarded", sqs_managed_sse_enabled=True, tags=exempt("sqs-tls-only"))

    topic = aws.sns.Topic("guarded-topic", kms_master_key_id="alias/aws/sns", tags=TAGS)
    aws.sns.TopicPolicy("guarded-topic-policy", arn=topic.arn, policy=topic.arn.apply(_tls_only("sns:Publish")))
    aws.sns.Topic("unguarded-topic", kms_master_key_id="alias/aws/sns", tags=TAGS)


@pytest.fixture(scope="module")
def tls_stack() -> Synthesis:
    return synth(tls_program)


@pytest.fixture(scope="module")
def tls_report(tls_stack: Synthesis) -> PolicyReport:
    return analyze(tls_stack)


def test_sqs_tls_only_accepts_a_queue_policy_denying_insecure_transport(tls_report: PolicyReport) -> None:
    assert "guarded" not in flagged(tls_report, "sqs-tls-only")


def test_sqs_tls_only_accepts_the_queues_inline_policy(tls_report: PolicyReport) -> None:
    assert "inline-guarded" not in flagged(tls_report, "sqs-tls-only")


def test_sqs_tls_only_flags_a_queue_without_a_policy(tls_report: PolicyReport) -> None:
    (message,) = messages(tls_report, "sqs-tls-only", "unguarded")
    assert 'wanted a Deny statement for {"Bool": {"aws:SecureTransport": "false"}}' in message


def test_sqs_tls_only_flags_a_policy_that_only_allows(tls_report: PolicyReport) -> None:
    assert "allowing" in flagged(tls_report, "sqs-tls-only")


def test_sqs_tls_only_lists_an_exempted_queue(tls_report: PolicyReport) -> None:
    assert "exempt-unguarded" not in flagged(tls_report, "sqs-tls-only")
    assert "exempt-unguarded" in exempted(tls_report, "sqs-tls-only")


def test_sqs_tls_only_leaves_an_unknown_policy_not_evaluated(tls_stack: Synthesis) -> None:
    report = analyze(with_unknown(tls_stack, "guarded-policy", "policy"))
    assert "guarded" in unevaluated(report, "sqs-tls-only")


def test_sns_tls_only_accepts_a_topic_policy_denying_insecure_transport(tls_report: PolicyReport) -> None:
    assert "guarded-topic" not in flagged(tls_report, "sns-tls-only")


def test_sns_tls_only_flags_a_topic_without_a_policy(tls_report: PolicyReport) -> None:
    assert "unguarded-topic" in flagged(tls_report, "sns-tls-only")


def test_tls_rules_are_mandatory(tls_report: PolicyReport) -> None:
    assert {d.level for d in tls_report.diagnostics if d.policy in ("sqs-tls-only", "sns-tls-only")} == {"mandatory"}
