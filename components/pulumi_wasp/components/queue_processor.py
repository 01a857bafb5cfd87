"""QueueProcessor: a Queue consumed by a ServerlessFunction with partial batch failures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
from pulumi_aws import lambda_, sqs

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import (
    ExistingFunction,
    ServerlessFunction,
    ServerlessFunctionArgs,
    grant_to_existing,
)
from pulumi_wasp.components.queue import (
    ExistingQueue,
    Queue,
    QueueArgs,
    redrive_policy,
)
from pulumi_wasp.components.shared import children, iam
from pulumi_wasp.components.shared.context import current_stack_context
from pulumi_wasp.components.shared.queues import (
    consumer_statements,
    dead_letter_queue,
    queue_name_of,
    sender_statements,
)
from pulumi_wasp.components.shared.tokens import component_type


@dataclass(kw_only=True)
class QueueProcessorArgs:
    """Arguments of :class:`QueueProcessor`: each principal child (queue, function) is an existing one xor the
    args to create it."""

    #: The consumer to create; it is granted receive/delete on the queue. Or ``existing_function``.
    function: ServerlessFunctionArgs | None = None
    #: A consumer the component does not create (see :class:`ExistingFunction` for its role).
    existing_function: ExistingFunction | None = None
    #: The queue to create (``QueueArgs()`` when neither this nor ``existing_queue`` is given); its visibility
    #: timeout defaults to 6 × function timeout + batching window.
    queue: QueueArgs | None = None
    #: A queue the component does not create (see :class:`ExistingQueue`): the component still adds the
    #: mapping, the consume grant and, unless it has its own, a DLQ with its alarm and redrive policy.
    existing_queue: ExistingQueue | None = None
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

    #: Keyword arguments of ``aws.lambda_.EventSourceMapping`` merged over the mapping's defaults; dropping
    #: ReportBatchItemFailures warns naming esm-batch-item-failures.
    mapping_overrides: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fifo(self) -> bool:
        if self.existing_queue is not None:
            return self.existing_queue.is_fifo
        return self.queue is not None and self.queue.fifo

    @property
    def window(self) -> int:
        if self.batching_window_seconds is not None:
            return self.batching_window_seconds
        return 0 if self.fifo else defaults.SQS_BATCHING_WINDOW_SECONDS

    def validate(self) -> None:
        children.exactly_one(
            "QueueProcessorArgs",
            ("QueueProcessorArgs.existing_function", self.existing_function),
            ("QueueProcessorArgs.function", self.function),
        )
        if self.queue is not None and self.existing_queue is not None:
            children.exactly_one(
                "QueueProcessorArgs",
                ("QueueProcessorArgs.existing_queue", self.existing_queue),
                ("QueueProcessorArgs.queue", self.queue),
            )
        if self.existing_function is not None:
            self.existing_function.validate("QueueProcessorArgs.existing_function")
        if self.existing_queue is not None:
            self.existing_queue.validate("QueueProcessorArgs.existing_queue")
        limit = 10 if self.fifo else 10_000
        if not 1 <= self.batch_size <= limit:
            raise ValueError(f"QueueProcessorArgs.batch_size must be 1..{limit}, got {self.batch_size}")
        if not 0 <= self.window <= 300:
            raise ValueError(f"QueueProcessorArgs.batching_window_seconds must be 0..300, got {self.window}")
        if self.fifo and self.window:
            raise ValueError(
                "QueueProcessorArgs.batching_window_seconds must be 0 for a FIFO queue (Lambda does not batch FIFO by time)"
            )
        if self.batch_size > 10 and self.window == 0:
            raise ValueError(
                "QueueProcessorArgs.batching_window_seconds must be ≥ 1 when batch_size > 10 (Lambda's rule)"
            )
        if self.maximum_concurrency is not None and not 2 <= self.maximum_concurrency <= 1000:
            raise ValueError(f"QueueProcessorArgs.maximum_concurrency must be 2..1000, got {self.maximum_concurrency}")
        timeout = self.function_timeout()
        visibility = self.queue.visibility_timeout_seconds if self.queue is not None else None
        if isinstance(timeout, int) and isinstance(visibility, int):
            message = self.visibility_problem(visibility, timeout, "QueueArgs.visibility_timeout_seconds")
            if message:
                raise ValueError(message)
        if self.existing_queue is None and visibility is None and timeout is None:
            raise ValueError(
                "QueueProcessorArgs.queue.visibility_timeout_seconds is required with an existing function given by "
                "ARN alone: its timeout is unknown (or set ExistingFunction.timeout_seconds to derive it)"
            )

    def function_timeout(self) -> pulumi.Input[int] | None:
        if self.function is not None:
            return self.function.timeout_seconds
        assert self.existing_function is not None  # validated
        return self.existing_function.timeout()

    def visibility_problem(self, visibility: int, timeout: int, arg: str) -> str | None:
        minimum = defaults.VISIBILITY_TIMEOUT_FACTOR * timeout + self.window
        if visibility >= minimum:
            return None
        return (
            f"{arg} ({visibility}) is below {defaults.VISIBILITY_TIMEOUT_FACTOR} × "
            f"function timeout ({timeout}) + batching window ({self.window}) = {minimum}: "
            "messages would be redelivered while their batch is still being retried (policy esm-sqs-visibility-timeout)"
        )

    @property
    def visibility_timeout(self) -> pulumi.Input[int]:
        """The new queue's: as given, else derived from the function's timeout (an Output when that is one)."""
        if self.queue is not None and self.queue.visibility_timeout_seconds is not None:
            return self.queue.visibility_timeout_seconds
        timeout, window = self.function_timeout(), self.window
        if isinstance(timeout, int):
            return defaults.VISIBILITY_TIMEOUT_FACTOR * timeout + window
        assert timeout is not None  # validated: a bare ARN without a timeout needs the visibility given
        return pulumi.Output.all(timeout).apply(
            lambda seconds: defaults.VISIBILITY_TIMEOUT_FACTOR * seconds[0] + window
        )


class QueueProcessor(pulumi.ComponentResource):
    """Queue → Lambda with a DLQ, partial batch responses and a visibility timeout derived
    from the function's timeout.

    Outputs: ``arn``, ``url`` and ``name`` are the queue's. The queue is the principal because it is the
    component's entry point: producers send to it and grants name it (``permissions=[*processor.sender_statements()]``: SendMessage, and
    the queue's key through SQS when it has a customer-managed one), while
    the function is an implementation detail reached as ``function`` (its name is the ``function_name``
    output). ``queue_url`` and ``queue_arn``, the 0.1.0 output keys, were component outputs only.

    Example::

        workers = QueueProcessor("inventory", QueueProcessorArgs(
            function=ServerlessFunctionArgs(handler="order_workers.inventory.handler",
                                            code=["lambdas/order_workers", "lambdas/shared"])))

    With an existing queue or function the component creates only what it owns (the mapping, the grant, a DLQ
    for a queue without one); see :class:`ExistingQueue` and :class:`ExistingFunction` for what it checks.
    """

    #: The queue the component created (None with ``existing_queue``).
    queue: Queue | None
    #: The function the component created (None with ``existing_function``).
    function: ServerlessFunction | None
    mapping: lambda_.EventSourceMapping
    arn: pulumi.Output[str]
    url: pulumi.Output[str]
    name: pulumi.Output[str]
    queue_arn: pulumi.Input[str]
    queue_url: pulumi.Input[str]
    #: Statements an existing function's role needs and the component could not grant (given no role).
    required_statements: list[iam.Statement]
    #: The customer-managed key the queue is encrypted with (None: SQS-managed or AWS-managed encryption).
    kms_key_arn: pulumi.Input[str] | None

    def __init__(self, name: str, args: QueueProcessorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("queue", "QueueProcessor", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        child = pulumi.ResourceOptions(parent=self)
        self.queue, self.function = None, None
        # The DLQ created for an existing queue (the dashboard charts it with the other DLQs); see ``dlq``.
        self._created_dlq: sqs.Queue | None = None
        self._existing_queue = args.existing_queue
        self.required_statements = []
        if args.existing_queue is None:
            base = args.queue or QueueArgs()
            queue_args = replace(
                base, visibility_timeout_seconds=args.visibility_timeout, tags={**args.tags, **base.tags}
            )
            self.queue = Queue(name, queue_args, child)
            self.queue_arn, self.queue_url = self.queue.arn, self.queue.url
            self.kms_key_arn = self.queue.kms_key_arn
        else:
            self._adopt_queue(name, args, args.existing_queue)
            self.kms_key_arn = args.existing_queue.key_arn
        consume = consumer_statements(self.queue_arn, self.kms_key_arn)
        if args.function is not None:
            function_args = replace(
                args.function,
                permissions=[*args.function.permissions, *consume],
                tags={**args.tags, **args.function.tags},
            )
            self.function = ServerlessFunction(name, function_args, child)
            function_arn: pulumi.Input[str] = self.function.target.arn
        else:
            assert args.existing_function is not None  # validated
            self.required_statements = grant_to_existing(
                f"{name}-consume",
                args.existing_function,
                consume,
                parent=self,
                arg="QueueProcessorArgs.existing_function",
            )
            function_arn = args.existing_function.function_arn
        mapping_defaults = {
            "event_source_arn": self.queue_arn,
            "function_name": function_arn,
            "batch_size": args.batch_size,
            "maximum_batching_window_in_seconds": args.window or None,
            "function_response_types": [defaults.BATCH_ITEM_FAILURES],
            "scaling_config": {"maximum_concurrency": args.maximum_concurrency} if args.maximum_concurrency else None,
            "tags": ((args.queue.context if args.queue else None) or current_stack_context()).tags_for(args.tags),
        }
        self.mapping = children.create(
            lambda_.EventSourceMapping,
            f"{name}-mapping",
            mapping_defaults,
            args.mapping_overrides,
            arg="QueueProcessorArgs.mapping_overrides",
            opts=child,
        )
        self.arn, self.url = pulumi.Output.from_input(self.queue_arn), pulumi.Output.from_input(self.queue_url)
        self.name = self.queue.name if self.queue is not None else queue_name_of(self.url)
        self.register_outputs(
            {
                "arn": self.arn,
                "url": self.url,
                "name": self.name,
                "dlq_url": self.dlq_url,
                "function_name": self.function.name if self.function is not None else function_arn,
            }
        )

    def sender_statements(self) -> list[iam.Statement]:
        """What a producer's role needs to send to the queue (SendMessage, and its key through SQS)."""
        return sender_statements(self.queue_arn, self.kms_key_arn)

    @property
    def existing_queue(self) -> ExistingQueue | None:
        """The queue the processor was given (``QueueProcessorArgs.existing_queue``), else None."""
        return self._existing_queue

    @property
    def dlq(self) -> sqs.Queue | None:
        """Where messages park: the queue's own DLQ, or the one created for an existing queue (None when the
        queue redrives to a DLQ the components did not create)."""
        if self.queue is not None:
            return self.queue.dlq
        if self._existing_queue is not None and isinstance(self._existing_queue.queue, Queue):
            return self._existing_queue.queue.dlq
        return self._created_dlq

    @property
    def dlq_url(self) -> pulumi.Output[str] | None:
        """The URL of the queue's DLQ, whoever created it (the queue's own, an existing one a Queue component
        redrives to, or the one created for an existing queue); None when the processor does not know it (an
        existing queue that redrives elsewhere)."""
        if self.queue is not None:
            return self.queue.dlq_url
        if self._existing_queue is not None and isinstance(self._existing_queue.queue, Queue):
            return self._existing_queue.queue.dlq_url
        return self._created_dlq.url if self._created_dlq is not None else None

    def _adopt_queue(self, name: str, args: QueueProcessorArgs, existing: ExistingQueue) -> None:
        """Wire an existing queue: check its visibility timeout where known, and give it a DLQ unless it has one."""
        self.queue_arn, self.queue_url = existing.queue_arn, existing.queue_url
        visibility, timeout = existing.visibility_timeout(), args.function_timeout()
        if existing.queue is None:
            children.not_checked(
                f"QueueProcessor {name}",
                "the queue's visibility timeout (≥ 6 × function timeout + batching window), FIFO-ness, encryption",
            )
        elif visibility is not None and timeout is not None:
            checked = pulumi.Output.all(visibility, timeout)
            children.check_known(
                checked,
                # A queue resource that set no visibility timeout has SQS's (30 s) only once created: unchecked.
                lambda pair: (
                    None
                    if None in pair
                    else args.visibility_problem(
                        pair[0], pair[1], "QueueProcessorArgs.existing_queue's visibility timeout"
                    )
                ),
            )
        if existing.wants_dead_letter_queue:
            context = current_stack_context()
            tags = context.tags_for(args.tags)
            self._created_dlq = dead_letter_queue(
                name,
                context=context,
                parent=self,
                tags=tags,
                fifo=existing.is_fifo,
                overrides=existing.dlq_overrides,
                overrides_arg="ExistingQueue.dlq_overrides",
            ).queue
            sqs.RedrivePolicy(
                f"{name}-redrive",
                queue_url=self.queue_url,
                redrive_policy=redrive_policy(self._created_dlq.arn, existing.max_receive_count),
                opts=pulumi.ResourceOptions(parent=self),
            )
