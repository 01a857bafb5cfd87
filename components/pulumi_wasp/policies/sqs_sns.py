"""SQS and SNS: redrive policies, encryption, dead-letter queue retention and alarms, subscription redrive."""

from __future__ import annotations

from collections.abc import Iterator

from .aws_types import (
    EVENT_SOURCE_MAPPING,
    EVENT_TARGET,
    FUNCTION,
    INVOKE_CONFIG,
    METRIC_ALARM,
    QUEUE,
    QUEUE_POLICY,
    REDRIVE_POLICY,
    SCHEDULE,
    SUBSCRIPTION,
    TOPIC,
    TOPIC_POLICY,
)
from .common import (
    ADVISORY,
    MANDATORY,
    Config,
    Finding,
    Res,
    Stack,
    alarm_metrics,
    integer,
    json_doc,
    number,
    number_or,
    resource_rule,
    show,
    stack_rule,
    violation,
)

DEFAULT_RETENTION_SECONDS = 345_600  # SQS default: 4 days
RECOMMENDED_DLQ_RETENTION_SECONDS = 1_209_600  # 14 days, the SQS maximum
# (type, property) through which a resource names the queue that receives its failures.
DLQ_REFERENCES = {
    (QUEUE, "redrivePolicy"),
    (REDRIVE_POLICY, "redrivePolicy"),
    (FUNCTION, "deadLetterConfig"),
    (EVENT_TARGET, "deadLetterConfig"),
    (SUBSCRIPTION, "redrivePolicy"),
    (EVENT_SOURCE_MAPPING, "destinationConfig"),
    (INVOKE_CONFIG, "destinationConfig"),
}


def dead_letter_users(stack: Stack, queue: Res) -> list[Res]:
    """Everything that sends its failures to ``queue``: a non-empty list makes ``queue`` a DLQ."""
    users = [res for res, prop in stack.referrers(queue) if (res.type, prop) in DLQ_REFERENCES]
    for schedule, prop in stack.referrers(queue, SCHEDULE):
        # A schedule's target holds both what it invokes and its DLQ: only the DLQ's ARN decides.
        if prop == "target" and schedule.get("target", "deadLetterConfig", "arn") == queue.get("arn"):
            users.append(schedule)
    return users


def redrive_of(stack: Stack, queue: Res) -> tuple[Res, dict[str, object]] | None:
    """The resource holding ``queue``'s redrive policy (itself or an sqs.RedrivePolicy) and the parsed policy."""
    inline = queue.get("redrivePolicy")
    if inline:
        return queue, json_doc(inline) or {}
    for res, prop in stack.referrers(queue, REDRIVE_POLICY):
        if prop == "queueUrl":
            return res, json_doc(res.get("redrivePolicy")) or {}
    return None


@stack_rule(
    "sqs-redrive-policy",
    types=[QUEUE],
    description="Every SQS queue that is not itself a DLQ moves poison messages to a DLQ after a few receives.",
    level=MANDATORY,
    fix="Set redrive_policy (deadLetterTargetArn + maxReceiveCount) or add an sqs.RedrivePolicy for the queue.",
    pillar="reliability",
    anchors="SR ES6000, NAG SQSRedrivePolicy, AwsSolutions-SQS3",
    config={"max_receive_count": integer(10, 1, description="Largest maxReceiveCount allowed (at least 1).")},
)
def redrive_policy(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(queue: Res) -> Iterator[str]:
        if dead_letter_users(stack, queue):
            return
        found = redrive_of(stack, queue)
        wanted = f"a redrive policy with maxReceiveCount between 1 and {show(config['max_receive_count'])}"
        if found is None:
            yield violation(queue, "redrivePolicy", None, wanted, "set redrive_policy to a dead-letter queue")
            return
        holder, policy = found
        count = number(policy.get("maxReceiveCount"))
        if not policy.get("deadLetterTargetArn") or count is None or not 1 <= count <= config["max_receive_count"]:
            yield violation(holder, "redrivePolicy", policy, wanted, "set deadLetterTargetArn and maxReceiveCount")

    return stack.each([QUEUE], check)


@resource_rule(
    "sqs-encryption",
    types=[QUEUE],
    description="SQS queues encrypt messages at rest (SSE-SQS or KMS).",
    level=MANDATORY,
    fix="Set sqs_managed_sse_enabled=True (or kms_master_key_id for a customer-managed key).",
    pillar="security",
    anchors="CKV_AWS_27, AwsSolutions-SQS2",
)
def sqs_encryption(queue: Res, config: Config) -> Iterator[str]:
    if queue.get("kmsMasterKeyId") or queue.get("sqsManagedSseEnabled") is True:
        return
    yield violation(
        queue,
        "sqsManagedSseEnabled / kmsMasterKeyId",
        queue.get("sqsManagedSseEnabled"),
        "sqsManagedSseEnabled true or a kmsMasterKeyId",
        "set sqs_managed_sse_enabled=True",
    )


@stack_rule(
    "sqs-dlq-retention",
    types=[QUEUE],
    description="A dead-letter queue keeps messages at least as long as its sources (14 days recommended).",
    level=ADVISORY,
    fix="Set the DLQ's message_retention_seconds=1209600 (14 days, the maximum).",
    pillar="reliability",
    anchors="",
)
def dlq_retention(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(dlq: Res) -> Iterator[str]:
        users = dead_letter_users(stack, dlq)
        if not users:
            return
        sources = [u for u in users if u.type == QUEUE]
        for policy in (u for u in users if u.type == REDRIVE_POLICY):
            sources += stack.targets(policy, "queueUrl", QUEUE)
        retention = number_or(dlq.get("messageRetentionSeconds"), DEFAULT_RETENTION_SECONDS)
        if sources:
            longest = max(number_or(s.get("messageRetentionSeconds"), DEFAULT_RETENTION_SECONDS) for s in sources)
            wanted = f"at least {show(longest)} s (its sources' retention; 1209600 recommended)"
        else:
            longest = RECOMMENDED_DLQ_RETENTION_SECONDS
            wanted = "1209600 s (14 days: failed events have no other copy)"
        if retention < longest:
            yield violation(dlq, "messageRetentionSeconds", retention, wanted, "set message_retention_seconds=1209600")

    return stack.each([QUEUE], check)


def _watches_depth(alarm: Res, queue: Res) -> bool:
    """``alarm`` fires when ``queue`` holds at least one visible message."""
    for metric, dimensions, prop in alarm_metrics(alarm):
        if metric != "ApproximateNumberOfMessagesVisible":
            continue
        if queue.urn in alarm.deps.get(prop, ()) or dimensions.get("QueueName") == queue.get("name"):
            return _fires_on_one(alarm)
    return False


def _fires_on_one(alarm: Res) -> bool:
    threshold = number(alarm.get("threshold"))
    operator = alarm.get("comparisonOperator")
    if threshold is None:
        return False
    if operator == "GreaterThanOrEqualToThreshold":
        return threshold <= 1
    return operator == "GreaterThanThreshold" and threshold < 1


@stack_rule(
    "sqs-dlq-alarm",
    types=[QUEUE],
    description="Every dead-letter queue has an alarm on ApproximateNumberOfMessagesVisible with threshold ≤ 1.",
    level=MANDATORY,
    fix="Add a cloudwatch.MetricAlarm on AWS/SQS ApproximateNumberOfMessagesVisible (QueueName = the DLQ), "
    "GreaterThanOrEqualToThreshold 1, with an alarm action.",
    pillar="operational-excellence",
    anchors="seed (DLQ alarm)",
)
def dlq_alarm(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(dlq: Res) -> Iterator[str]:
        if not dead_letter_users(stack, dlq):
            return
        alarms = [alarm for alarm, _ in stack.referrers(dlq, METRIC_ALARM)]
        if not any(_watches_depth(alarm, dlq) for alarm in alarms):
            yield violation(
                dlq,
                "alarm on ApproximateNumberOfMessagesVisible",
                [alarm.name for alarm in alarms] or None,
                "a metric alarm that fires on 1 visible message",
                "add a MetricAlarm (AWS/SQS ApproximateNumberOfMessagesVisible >= 1, QueueName = this DLQ)",
            )

    return stack.each([QUEUE], check)


@resource_rule(
    "sns-subscription-redrive",
    types=[SUBSCRIPTION],
    description="SNS subscriptions (sqs, lambda, http/s) keep undeliverable messages in a DLQ.",
    level=MANDATORY,
    fix='Set redrive_policy=json.dumps({"deadLetterTargetArn": <queue arn>}) and allow sns.amazonaws.com to '
    "send to that queue.",
    pillar="reliability",
    anchors="SR ES7000, NAG SNSRedrivePolicy",
)
def subscription_redrive(subscription: Res, config: Config) -> Iterator[str]:
    protocol = subscription.get("protocol")
    if protocol not in ("sqs", "lambda", "http", "https"):
        return
    policy = json_doc(subscription.get("redrivePolicy")) or {}
    if not policy.get("deadLetterTargetArn"):
        yield violation(
            subscription,
            "redrivePolicy",
            subscription.get("redrivePolicy"),
            f"a deadLetterTargetArn ({protocol} deliveries that exhaust retries are otherwise dropped)",
            'set redrive_policy to {"deadLetterTargetArn": <queue arn>}',
        )


@resource_rule(
    "sns-encryption",
    types=[TOPIC],
    description="SNS topics encrypt messages at rest with KMS.",
    level=ADVISORY,
    fix='Set kms_master_key_id (e.g. "alias/aws/sns", or a customer key when publishers are AWS services).',
    pillar="security",
    anchors="CKV_AWS_26",
)
def sns_encryption(topic: Res, config: Config) -> Iterator[str]:
    if not topic.get("kmsMasterKeyId"):
        yield violation(topic, "kmsMasterKeyId", None, "a KMS key", 'set kms_master_key_id (e.g. "alias/aws/sns")')


@stack_rule(
    "sqs-tls-only",
    types=[QUEUE],
    description="Every SQS queue's policy denies requests without TLS (aws:SecureTransport false).",
    level=MANDATORY,
    fix='Add an sqs.QueuePolicy (or the queue\'s policy) with a statement: Effect Deny, Principal "*", Action '
    '"sqs:*", Resource the queue ARN, Condition {"Bool": {"aws:SecureTransport": "false"}}.',
    pillar="security",
    anchors="AwsSolutions-SQS4",
)
def sqs_tls_only(stack: Stack, config: Config) -> Iterator[Finding]:
    fix = "add a QueuePolicy for the queue that denies requests without TLS"
    return stack.tls_only([QUEUE], QUEUE_POLICY, "queueUrl", "queue policy", fix)


@stack_rule(
    "sns-tls-only",
    types=[TOPIC],
    description="Every SNS topic's policy denies requests without TLS (aws:SecureTransport false).",
    level=MANDATORY,
    fix='Add an sns.TopicPolicy (or the topic\'s policy) with a statement: Effect Deny, Principal "*", Action '
    '"sns:Publish", Resource the topic ARN, Condition {"Bool": {"aws:SecureTransport": "false"}}.',
    pillar="security",
    anchors="AwsSolutions-SNS3",
)
def sns_tls_only(stack: Stack, config: Config) -> Iterator[Finding]:
    fix = "add a TopicPolicy for the topic that denies publishing without TLS"
    return stack.tls_only([TOPIC], TOPIC_POLICY, "arn", "topic policy", fix)


RULES = (
    redrive_policy,
    sqs_encryption,
    sqs_tls_only,
    dlq_retention,
    dlq_alarm,
    subscription_redrive,
    sns_encryption,
    sns_tls_only,
)
