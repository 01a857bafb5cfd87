"""QueueProcessor: a Queue consumed by a ServerlessFunction with partial batch failures."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pulumi
from pulumi_aws import lambda_

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import ServerlessFunction, ServerlessFunctionArgs
from pulumi_wasp.components.queue import Queue, QueueArgs
from pulumi_wasp.components.shared import iam
from pulumi_wasp.components.shared.tokens import component_type


@dataclass(kw_only=True)
class QueueProcessorArgs:
    """Arguments of :class:`QueueProcessor`."""

    #: The consumer; it is granted receive/delete on the queue.
    function: ServerlessFunctionArgs
    #: The queue; its visibility timeout defaults to 6 × function timeout + batching window.
    queue: QueueArgs = field(default_factory=QueueArgs)
    #: defaults.SQS_BATCH_SIZE (10): amortizes invocations; FIFO allows at most 10.
    batch_size: int = defaults.SQS_BATCH_SIZE
    #: defaults.SQS_BATCHING_WINDOW_SECONDS (5) for standard queues; FIFO mappings take none (0).
    batching_window_seconds: int | None = None
    #: Optional cap on concurrent invocations from this queue (2..1000); reserved
    #: concurrency already bounds the function.
    maximum_concurrency: int | None = None

    @property
    def window(self) -> int:
        if self.batching_window_seconds is not None:
            return self.batching_window_seconds
        return 0 if self.queue.fifo else defaults.SQS_BATCHING_WINDOW_SECONDS

    def validate(self) -> None:
        limit = 10 if self.queue.fifo else 10_000
        if not 1 <= self.batch_size <= limit:
            raise ValueError(f"QueueProcessorArgs.batch_size must be 1..{limit}, got {self.batch_size}")
        if not 0 <= self.window <= 300:
            raise ValueError(f"QueueProcessorArgs.batching_window_seconds must be 0..300, got {self.window}")
        if self.queue.fifo and self.window:
            raise ValueError(
                "QueueProcessorArgs.batching_window_seconds must be 0 for a FIFO queue (Lambda does not batch FIFO by time)"
            )
        if self.batch_size > 10 and self.window == 0:
            raise ValueError(
                "QueueProcessorArgs.batching_window_seconds must be ≥ 1 when batch_size > 10 (Lambda's rule)"
            )
        if self.maximum_concurrency is not None and not 2 <= self.maximum_concurrency <= 1000:
            raise ValueError(f"QueueProcessorArgs.maximum_concurrency must be 2..1000, got {self.maximum_concurrency}")
        minimum = defaults.VISIBILITY_TIMEOUT_FACTOR * self.function.timeout_seconds + self.window
        visibility = self.queue.visibility_timeout_seconds
        if visibility is not None and visibility < minimum:
            raise ValueError(
                f"QueueArgs.visibility_timeout_seconds ({visibility}) is below {defaults.VISIBILITY_TIMEOUT_FACTOR} × "
                f"function timeout ({self.function.timeout_seconds}) + batching window ({self.window}) = {minimum}: "
                "messages would be redelivered while their batch is still being retried"
            )

    @property
    def visibility_timeout(self) -> int:
        if self.queue.visibility_timeout_seconds is not None:
            return self.queue.visibility_timeout_seconds
        return defaults.VISIBILITY_TIMEOUT_FACTOR * self.function.timeout_seconds + self.window


class QueueProcessor(pulumi.ComponentResource):
    """Queue → Lambda with a DLQ, partial batch responses and a visibility timeout derived
    from the function's timeout.

    Example::

        workers = QueueProcessor("inventory", QueueProcessorArgs(
            function=ServerlessFunctionArgs(handler="order_workers.inventory.handler",
                                            code=["lambdas/order_workers", "lambdas/shared"])))
    """

    queue: Queue
    function: ServerlessFunction
    mapping: lambda_.EventSourceMapping

    def __init__(self, name: str, args: QueueProcessorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("queue", "QueueProcessor", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        child = pulumi.ResourceOptions(parent=self)
        queue_args = replace(args.queue, visibility_timeout_seconds=args.visibility_timeout)
        self.queue = Queue(name, queue_args, child)
        function_args = replace(
            args.function, permissions=[*args.function.permissions, iam.sqs_consume(self.queue.arn)]
        )
        self.function = ServerlessFunction(name, function_args, child)
        self.mapping = lambda_.EventSourceMapping(
            f"{name}-mapping",
            event_source_arn=self.queue.arn,
            function_name=self.function.arn,
            batch_size=args.batch_size,
            maximum_batching_window_in_seconds=args.window or None,
            function_response_types=[defaults.BATCH_ITEM_FAILURES],
            scaling_config={"maximum_concurrency": args.maximum_concurrency} if args.maximum_concurrency else None,
            opts=child,
        )
        self.register_outputs(
            {
                "queue_url": self.queue.url,
                "queue_arn": self.queue.arn,
                "dlq_url": self.queue.dlq.url,
                "function_name": self.function.name,
            }
        )
