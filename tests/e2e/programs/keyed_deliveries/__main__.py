"""Services that deliver into a queue under a customer-managed key, each granted and refused: S3 notifying a
BucketProcessor's queue under a key of its own (its policy names S3 for the bucket) and a bare queue under a user's
key whose policy only delegates to IAM (S3, a service principal, gets nothing from it); two schedules whose target
refuses them (their roles may not invoke it), so each run is dead-lettered to a queue under the user's key with the
schedule's role: one role granted the key through SQS, one granted only sqs:SendMessage; and two scheduled rules whose
target refuses them (no invoke permission for EventBridge), each dead-lettering as EventBridge to a queue that admits
it: one under a key of its own naming EventBridge for the rule, one under the user's key."""

from dataclasses import replace

import pulumi
import pulumi_aws as aws

from pulumi_wasp.components import (
    BucketProcessor,
    BucketProcessorArgs,
    Queue,
    QueueArgs,
    QueueProcessorArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
    ServiceSender,
)
from pulumi_wasp.components.shared import iam
from pulumi_wasp.components.shared.queues import sender_statements

CODE = ["../../functions/keyed"]

# A user's key: its default policy delegates to IAM (the account's root), as kms.Key's does on AWS.
data_key = aws.kms.Key("data", enable_key_rotation=True)

notified = BucketProcessor(
    "notified",
    BucketProcessorArgs(
        processor=QueueProcessorArgs(
            function=ServerlessFunctionArgs(handler="keyed.handler.consume", code=CODE, alarms=False),
            queue=QueueArgs(customer_managed_key=True),
        )
    ),
)
refused = BucketProcessor("refused", BucketProcessorArgs(queue=QueueArgs(kms_master_key_id=data_key.arn)))
assert notified.secure_bucket is not None and refused.secure_bucket is not None and refused.queue is not None
assert notified.processor is not None and notified.processor.function is not None and notified.queue is not None

target = ServerlessFunction("target", ServerlessFunctionArgs(handler="keyed.handler.consume", code=CODE, alarms=False))
dead_letters = aws.sqs.Queue("dead-letters", kms_master_key_id=data_key.arn)


def schedule(name: str, statements: list[iam.Statement]) -> aws.iam.Role:
    """A daily schedule of ``target`` whose role has ``statements`` (never lambda:InvokeFunction: every run is
    refused, then dead-lettered at once)."""
    role = aws.iam.Role(name, assume_role_policy=iam.trust_policy("scheduler.amazonaws.com"))
    policy = aws.iam.RolePolicy(name, role=role.id, policy=iam.policy_document(statements))
    aws.scheduler.Schedule(
        name,
        name=name,
        schedule_expression="rate(1 day)",
        flexible_time_window={"mode": "OFF"},
        target={
            "arn": target.function.arn,
            "role_arn": role.arn,
            "retry_policy": {"maximum_retry_attempts": 0, "maximum_event_age_in_seconds": 60},
            "dead_letter_config": {"arn": dead_letters.arn},
        },
        opts=pulumi.ResourceOptions(depends_on=[policy]),
    )
    return role


granted = schedule("granted", sender_statements(dead_letters.arn, data_key.arn))
ungranted = schedule("ungranted", sender_statements(dead_letters.arn, None))


def rule(name: str, dlq: QueueArgs) -> Queue:
    """A daily rule on ``target`` (which grants EventBridge nothing: every run is refused, then dead-lettered at
    once) whose DLQ, created from ``dlq``, admits EventBridge from this rule."""
    scheduled = aws.cloudwatch.EventRule(name, name=name, schedule_expression="rate(1 day)")
    queue = Queue(f"{name}-dlq", replace(dlq, senders=[ServiceSender("events.amazonaws.com", scheduled.arn)]))
    aws.cloudwatch.EventTarget(
        name,
        rule=scheduled.name,
        arn=target.function.arn,
        retry_policy={"maximum_retry_attempts": 0, "maximum_event_age_in_seconds": 60},
        dead_letter_config={"arn": queue.arn},
    )
    return queue


admitted = rule("admitted", QueueArgs(customer_managed_key=True))
unadmitted = rule("unadmitted", QueueArgs(kms_master_key_id=data_key.arn))

pulumi.export("keys", {"data": data_key.arn, "notified": notified.queue.kms_key_arn, "admitted": admitted.kms_key_arn})
pulumi.export("rule_dlq_urls", {"admitted": admitted.url, "unadmitted": unadmitted.url})
pulumi.export("buckets", {"notified": notified.secure_bucket.name, "refused": refused.secure_bucket.name})
pulumi.export("refused_queue_url", refused.queue.url)
pulumi.export("consumer", notified.processor.function.name)
pulumi.export("dead_letters_url", dead_letters.url)
pulumi.export("schedule_roles", {"granted": granted.name, "ungranted": ungranted.name})
