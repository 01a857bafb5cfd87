"""SQS building blocks: encrypted queues, TLS-only queue policies, dead-letter queues with alarms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_aws import sqs

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import children, iam, names
from pulumi_wasp.components.shared.alarms import AlarmSpec, metric_alarm
from pulumi_wasp.components.shared.context import StackContext
from pulumi_wasp.components.shared.kms import customer_key_arn
from pulumi_wasp.components.shared.resource_policies import ServiceSender, tls_only_document


def queue_policy_document(queue_arn: pulumi.Input[str], senders: Sequence[ServiceSender] = ()) -> pulumi.Output[str]:
    return tls_only_document(
        queue_arn, deny_action="sqs:*", allow_action="sqs:SendMessage", allow_sid="AllowSend", senders=senders
    )


def queue_policy(
    name: str,
    queue: sqs.Queue | None,
    senders: Sequence[ServiceSender],
    *,
    parent: pulumi.Resource,
    arn: pulumi.Input[str] | None = None,
    url: pulumi.Input[str] | None = None,
) -> sqs.QueuePolicy:
    """The TLS-only policy admitting ``senders`` on ``queue`` (or the queue at ``arn`` and ``url``). A queue has
    one policy: this replaces any the queue had."""
    return sqs.QueuePolicy(
        f"{name}-policy",
        queue_url=queue.url if queue is not None else url,
        policy=queue_policy_document(queue.arn if queue is not None else arn, senders),  # type: ignore[arg-type]
        opts=pulumi.ResourceOptions(parent=parent),
    )


def queue_name_of(url: pulumi.Input[str]) -> pulumi.Output[str]:
    """A queue's name: the last part of its URL (``https://sqs.<region>.amazonaws.com/<account>/<name>``)."""
    return pulumi.Output.from_input(url).apply(lambda known: known.rsplit("/", 1)[-1])


def dlq_alarm_spec(queue_name: pulumi.Input[str]) -> AlarmSpec:
    return AlarmSpec(
        suffix="alarm",
        metric_name="ApproximateNumberOfMessagesVisible",
        namespace="AWS/SQS",
        dimensions={"QueueName": queue_name},
        threshold=1,
        statistic="Maximum",
        description="A message reached the dead-letter queue: inspect it, fix the cause, redrive.",
    )


@dataclass
class DeadLetterQueue:
    queue: sqs.Queue
    policy: sqs.QueuePolicy
    #: The customer-managed key the DLQ is encrypted with (given or set by an override; None: SQS-managed or an
    #: AWS-managed key): what a producer that sends failures to it must be granted with sqs:SendMessage.
    key_arn: pulumi.Input[str] | None = None


def dead_letter_queue(
    name: str,
    *,
    context: StackContext,
    parent: pulumi.Resource,
    tags: dict[str, str],
    fifo: bool = False,
    senders: Sequence[ServiceSender] = (),
    retention_seconds: int = defaults.DLQ_RETENTION_SECONDS,
    kms_master_key_id: pulumi.Input[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    overrides_arg: str = "",
) -> DeadLetterQueue:
    """An encrypted DLQ with 14 days' retention, a TLS-only policy that admits only ``senders``,
    and an alarm on its first message; ``overrides`` (``aws.sqs.Queue`` keyword arguments, named
    ``overrides_arg`` in errors) merge over the defaults (:func:`children.resource_kwargs`)."""
    child = pulumi.ResourceOptions(parent=parent)
    defaults = {
        "name": context.auto_name(f"{name}-dlq", names.SQS_QUEUE, suffixed=fifo),
        "fifo_queue": fifo or None,
        "message_retention_seconds": retention_seconds,
        "sqs_managed_sse_enabled": None if kms_master_key_id else True,
        "kms_master_key_id": kms_master_key_id,
        "tags": tags,
    }
    kwargs = children.resource_kwargs(
        sqs.Queue, defaults, overrides or {}, arg=overrides_arg, logical_name=f"{name}-dlq"
    )
    queue = sqs.Queue(f"{name}-dlq", **kwargs, opts=child)
    policy = queue_policy(f"{name}-dlq", queue, senders, parent=parent)
    metric_alarm(f"{name}-dlq", dlq_alarm_spec(queue.name), context=context, parent=parent, tags=tags)
    key_arn = customer_key_arn(kwargs.get("kms_master_key_id"), f"{overrides_arg or name}['kms_master_key_id']")
    return DeadLetterQueue(queue, policy, key_arn)


def sender_statements(queue_arn: pulumi.Input[str], key_arn: pulumi.Input[str] | None) -> list[iam.Statement]:
    """Send to the queue ``queue_arn``, encrypted with the customer-managed ``key_arn`` when given."""
    return [iam.sqs_send(queue_arn), *([iam.kms_encrypt(key_arn, "sqs")] if key_arn is not None else [])]


def consumer_statements(queue_arn: pulumi.Input[str], key_arn: pulumi.Input[str] | None) -> list[iam.Statement]:
    """Consume from the queue ``queue_arn``, encrypted with the customer-managed ``key_arn`` when given."""
    return [iam.sqs_consume(queue_arn), *([iam.kms_decrypt(key_arn, "sqs")] if key_arn is not None else [])]
