"""QueueProcessor: a Queue consumed by a ServerlessFunction with partial batch failures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pulumi
from pulumi_aws import lambda_

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import ServerlessFunction, ServerlessFunctionArgs
from pulumi_wasp.components.queue import Queue, QueueArgs
from pulumi_wasp.components.shared import iam
from pulumi_wasp.components.shared.context import current_stack_context
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
    #: Tags of every child (queue, DLQ, function, role, log group, alarms, mapping), merged over the stack
    #: context's; ``queue.tags`` and ``function.tags`` are merged over these for their own children.
    tags: Mapping[str, str] = field(default_factory=dict)

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

    Outputs: ``arn``, ``url`` and ``name`` are the queue's. The queue is the principal because it is the
    component's entry point: producers send to it and grants name it (``iam.sqs_send(processor.arn)``), while
    the function is an implementation detail reached as ``function`` (its name is the ``function_name``
    output). ``queue_url`` and ``queue_arn``, the 0.1.0 output keys, were component outputs only.

    Example::

        workers = QueueProcessor("inventory", QueueProcessorArgs(
            function=ServerlessFunctionArgs(handler="order_workers.inventory.handler",
                                            code=["lambdas/order_workers", "lambdas/shared"])))
    """

    queue: Queue
    function: ServerlessFunction
    mapping: lambda_.EventSourceMapping
    arn: pulumi.Output[str]
    url: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: QueueProcessorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("queue", "QueueProcessor", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        child = pulumi.ResourceOptions(parent=self)
        queue_args = replace(
            args.queue, visibility_timeout_seconds=args.visibility_timeout, tags={**args.tags, **args.queue.tags}
        )
        self.queue = Queue(name, queue_args, child)
        function_args = replace(
            args.function,
            permissions=[*args.function.permissions, iam.sqs_consume(self.queue.arn)],
            tags={**args.tags, **args.function.tags},
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
            tags=(args.queue.context or current_stack_context()).tags_for(args.tags),
            opts=child,
        )
        self.arn, self.url, self.name = self.queue.arn, self.queue.url, self.queue.name
        outputs = {"arn": self.arn, "url": self.url, "name": self.name}
        self.register_outputs({**outputs, "dlq_url": self.queue.dlq.url, "function_name": self.function.name})
