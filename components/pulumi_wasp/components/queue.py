"""Queue: an encrypted SQS queue with its dead-letter queue, redrive policy and DLQ alarm."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_aws import sqs

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import names
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.queues import ServiceSender, dead_letter_queue, queue_policy
from pulumi_wasp.components.shared.tokens import component_type


@dataclass(kw_only=True)
class QueueArgs:
    """Arguments of :class:`Queue`; every default is Well-Architected and overridable."""

    #: FIFO queue (and FIFO DLQ) with content-based deduplication, per-message-group throughput.
    fifo: bool = False
    #: FIFO only: deduplicate on a hash of the body so producers need no dedup id.
    content_based_deduplication: bool = True
    #: Seconds a received message stays hidden. None: defaults.QUEUE_VISIBILITY_TIMEOUT_SECONDS (30),
    #: or 6 × function timeout + batching window when a QueueProcessor consumes the queue.
    visibility_timeout_seconds: int | None = None
    #: defaults.QUEUE_RETENTION_SECONDS (4 days): a consumer outage loses nothing.
    retention_seconds: int = defaults.QUEUE_RETENTION_SECONDS
    #: defaults.QUEUE_RECEIVE_WAIT_SECONDS (20): long polling, fewer empty receives.
    receive_wait_seconds: int = defaults.QUEUE_RECEIVE_WAIT_SECONDS
    #: defaults.MAX_RECEIVE_COUNT (3): receives before a message moves to the DLQ.
    max_receive_count: int = defaults.MAX_RECEIVE_COUNT
    #: defaults.DLQ_RETENTION_SECONDS (14 days, the SQS maximum): must be ≥ ``retention_seconds``.
    dlq_retention_seconds: int = defaults.DLQ_RETENTION_SECONDS
    #: A KMS key for SSE; SQS-managed SSE when None (no key policy to manage, no KMS cost).
    kms_master_key_id: pulumi.Input[str] | None = None
    #: Services allowed to send, each only on behalf of its source ARN (e.g. an SNS topic).
    senders: Sequence[ServiceSender] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None

    def validate(self) -> None:
        if not 60 <= self.retention_seconds <= 1_209_600:
            raise ValueError(f"QueueArgs.retention_seconds must be 60..1209600, got {self.retention_seconds}")
        if not self.retention_seconds <= self.dlq_retention_seconds <= 1_209_600:
            raise ValueError(
                f"QueueArgs.dlq_retention_seconds ({self.dlq_retention_seconds}) must be ≥ retention_seconds "
                f"({self.retention_seconds}) and ≤ 1209600: a DLQ must keep a message at least as long as its source"
            )
        if not 0 <= self.receive_wait_seconds <= 20:
            raise ValueError(f"QueueArgs.receive_wait_seconds must be 0..20, got {self.receive_wait_seconds}")
        if not 1 <= self.max_receive_count <= 10:
            raise ValueError(
                f"QueueArgs.max_receive_count must be 1..10 (policy sqs-redrive-policy), got {self.max_receive_count}"
            )
        if self.visibility_timeout_seconds is not None and not 0 <= self.visibility_timeout_seconds <= 43_200:
            raise ValueError(
                f"QueueArgs.visibility_timeout_seconds must be 0..43200, got {self.visibility_timeout_seconds}"
            )


class Queue(pulumi.ComponentResource):
    """An SQS queue that never loses a message: encrypted, TLS-only, redriven to an alarmed DLQ.

    Outputs: ``arn``, ``url`` and ``name`` are the queue's; ``dlq_arn`` and ``dlq_url`` its DLQ's.

    Example::

        tasks = Queue("invoice-tasks", QueueArgs(visibility_timeout_seconds=60))
    """

    queue: sqs.Queue
    dlq: sqs.Queue
    arn: pulumi.Output[str]
    url: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: QueueArgs | None = None, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("queue", "Queue", opts)
        super().__init__(token, name, None, opts)
        args = args or QueueArgs()
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        self.dlq = dead_letter_queue(
            name,
            context=context,
            parent=self,
            tags=tags,
            fifo=args.fifo,
            retention_seconds=args.dlq_retention_seconds,
            kms_master_key_id=args.kms_master_key_id,
        ).queue
        self.queue = sqs.Queue(
            f"{name}-queue",
            name=context.auto_name(f"{name}-queue", names.SQS_QUEUE, suffixed=args.fifo),
            visibility_timeout_seconds=(
                args.visibility_timeout_seconds
                if args.visibility_timeout_seconds is not None
                else defaults.QUEUE_VISIBILITY_TIMEOUT_SECONDS
            ),
            message_retention_seconds=args.retention_seconds,
            receive_wait_time_seconds=args.receive_wait_seconds,
            sqs_managed_sse_enabled=None if args.kms_master_key_id else True,
            kms_master_key_id=args.kms_master_key_id,
            redrive_policy=self.dlq.arn.apply(
                lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": args.max_receive_count})
            ),
            fifo_queue=args.fifo or None,
            content_based_deduplication=args.content_based_deduplication if args.fifo else None,
            deduplication_scope="messageGroup" if args.fifo else None,
            fifo_throughput_limit="perMessageGroupId" if args.fifo else None,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        queue_policy(f"{name}-queue", self.queue, args.senders, parent=self)
        self.arn, self.url, self.name = self.queue.arn, self.queue.url, self.queue.name
        outputs = {"arn": self.arn, "url": self.url, "name": self.name}
        self.register_outputs({**outputs, "dlq_arn": self.dlq.arn, "dlq_url": self.dlq.url})
