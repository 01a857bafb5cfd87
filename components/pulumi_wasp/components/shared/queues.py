"""SQS building blocks: encrypted queues, TLS-only queue policies, dead-letter queues with alarms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_aws import sqs

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import children, names
from pulumi_wasp.components.shared.alarms import AlarmSpec, metric_alarm
from pulumi_wasp.components.shared.context import StackContext
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
    queue = children.create(sqs.Queue, f"{name}-dlq", defaults, overrides or {}, arg=overrides_arg, opts=child)
    policy = queue_policy(f"{name}-dlq", queue, senders, parent=parent)
    metric_alarm(f"{name}-dlq", dlq_alarm_spec(queue.name), context=context, parent=parent, tags=tags)
    return DeadLetterQueue(queue, policy)
