"""StreamProcessor: a Kinesis stream read by a function that never blocks on a poison record.

:func:`stream_consumer` (function + mapping + on-failure queue) is shared with the EventStore's
projections: DynamoDB streams and Kinesis take the same failure handling.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
from pulumi_aws import kinesis, lambda_, sqs

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import (
    ExistingFunction,
    ServerlessFunction,
    ServerlessFunctionArgs,
    grant_to_existing,
)
from pulumi_wasp.components.queue import ExistingQueue, adopt_dead_letter_queue
from pulumi_wasp.components.shared import children, iam, names, patterns
from pulumi_wasp.components.shared.alarms import AlarmSpec, metric_alarm
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.kms import customer_key_arn
from pulumi_wasp.components.shared.queues import dead_letter_queue, queue_name_of, sender_statements
from pulumi_wasp.components.shared.tokens import component_type
from pulumi_wasp.components.stream_redrive import (
    OnFailureQueue,
    RedriveArgs,
    RedriveSource,
    RedriveTarget,
    redrive_function,
)

STARTING_POSITIONS = ("LATEST", "TRIM_HORIZON")
#: Mapping overrides the re-drive does not reproduce (it rebuilds batches from the mapping args).
REDRIVE_UNREPLAYED_OVERRIDES = ("batch_size", "filter_criteria", "tumbling_window_in_seconds")
#: Lambda's default quota of filters per event source mapping.
MAX_FILTERS = 5


#: The mapping settings StreamProcessorArgs and Projection took one by one before StreamMappingArgs (0.2.0).
DEPRECATED_MAPPING_FIELDS = (
    "batch_size",
    "batching_window_seconds",
    "parallelization_factor",
    "starting_position",
    "max_retries",
    "max_record_age_seconds",
    "filter_patterns",
)


@dataclass(frozen=True, kw_only=True)
class StreamMappingArgs:
    """How a function reads a stream (a Kinesis stream or a DynamoDB table's stream): the event source mapping.

    A setting left None takes its source's default: a :class:`StreamProcessor` batches for throughput (Kinesis),
    an EventStore projection for freshness (its read model). Always: bisect on error, partial batch responses, an
    on-failure queue.
    """

    #: defaults.STREAM_BATCH_SIZE (100, Lambda's default for streams); 1..10000.
    batch_size: int = defaults.STREAM_BATCH_SIZE
    #: None: defaults.KINESIS_BATCHING_WINDOW_SECONDS (5: fuller batches, fewer invocations) for a StreamProcessor,
    #: defaults.PROJECTION_BATCHING_WINDOW_SECONDS (0: read models stay fresh) for a projection; 0..300.
    batching_window_seconds: int | None = None
    #: None: defaults.KINESIS_PARALLELIZATION_FACTOR (10 batches per shard in flight, order kept per key) for a
    #: StreamProcessor, defaults.PROJECTION_PARALLELIZATION_FACTOR (1) for a projection; 1..10.
    parallelization_factor: int | None = None
    #: None: defaults.KINESIS_STARTING_POSITION (LATEST) for a StreamProcessor, defaults.PROJECTION_STARTING_POSITION
    #: (TRIM_HORIZON: no event skipped on first deploy) for a projection.
    starting_position: str | None = None
    #: defaults.STREAM_MAX_RETRIES (3), then the batch's coordinates go to the on-failure queue (-1, Lambda's
    #: default, would block the shard on a poison record).
    max_retries: int = defaults.STREAM_MAX_RETRIES
    #: defaults.STREAM_MAX_RECORD_AGE_SECONDS (3600): an older record is parked rather than holding up the shard.
    max_record_age_seconds: int = defaults.STREAM_MAX_RECORD_AGE_SECONDS
    #: Lambda event filters on the record (e.g. ``{"data": {"type": ["click"]}}``, or ``INSERTS_ONLY`` for a
    #: projection); every record when empty. At most MAX_FILTERS (5).
    filter_patterns: Sequence[Mapping[str, Any]] = ()

    def resolved(
        self, *, batching_window_seconds: int, parallelization_factor: int, starting_position: str
    ) -> StreamMappingArgs:
        """These settings with the source's defaults in place of the ones left None."""
        return replace(
            self,
            batching_window_seconds=_first(self.batching_window_seconds, batching_window_seconds),
            parallelization_factor=_first(self.parallelization_factor, parallelization_factor),
            starting_position=_first(self.starting_position, starting_position),
        )

    def validate(self, owner: str) -> None:
        """Lambda's limits for a stream mapping, with finite retries and record age required (errors name
        ``owner.mapping.<setting>``); settings left None are checked once resolved."""
        owner = f"{owner}.mapping"
        if not 1 <= self.batch_size <= 10_000:
            raise ValueError(f"{owner}.batch_size must be 1..10000, got {self.batch_size}")
        window, factor, position = self.batching_window_seconds, self.parallelization_factor, self.starting_position
        if window is not None and not 0 <= window <= 300:
            raise ValueError(f"{owner}.batching_window_seconds must be 0..300, got {window}")
        if factor is not None and not 1 <= factor <= 10:
            raise ValueError(f"{owner}.parallelization_factor must be 1..10, got {factor}")
        if position is not None and position not in STARTING_POSITIONS:
            raise ValueError(
                f"{owner}.starting_position must be one of {', '.join(STARTING_POSITIONS)}, got {position!r}",
            )
        if not 0 <= self.max_retries <= 10_000:
            raise ValueError(
                f"{owner}.max_retries must be 0..10000, got {self.max_retries} (-1 blocks the shard on a poison record)",
            )
        if not 60 <= self.max_record_age_seconds <= 604_800:
            raise ValueError(
                f"{owner}.max_record_age_seconds must be 60..604800, got {self.max_record_age_seconds} "
                "(-1 blocks the shard)",
            )
        if len(self.filter_patterns) > MAX_FILTERS:
            raise ValueError(
                f"{owner}.filter_patterns: at most {MAX_FILTERS} filters per mapping, got {len(self.filter_patterns)}",
            )
        if any(not pattern for pattern in self.filter_patterns):
            raise ValueError(
                f"{owner}.filter_patterns: a pattern is empty; leave filter_patterns empty to receive every record",
            )
        for index, pattern in enumerate(self.filter_patterns):
            patterns.check_lambda_filter(pattern, f"{owner}.filter_patterns[{index}]")


def _first(value: Any, default: Any) -> Any:
    return default if value is None else value


@dataclass(kw_only=True)
class DeprecatedMappingFields:
    """The 0.1.0 fields of StreamProcessorArgs and Projection, one per mapping setting: deprecated since 0.2.0 (a
    DeprecationWarning), folded into ``mapping``; a setting given both ways is an error naming both."""

    mapping: StreamMappingArgs = field(default_factory=StreamMappingArgs)
    batch_size: int | None = None
    batching_window_seconds: int | None = None
    parallelization_factor: int | None = None
    starting_position: str | None = None
    max_retries: int | None = None
    max_record_age_seconds: int | None = None
    filter_patterns: Sequence[Mapping[str, Any]] | None = None

    def _owner(self) -> str:
        """How errors and warnings name these args."""
        raise NotImplementedError

    def __post_init__(self) -> None:
        given = {f: getattr(self, f) for f in DEPRECATED_MAPPING_FIELDS if getattr(self, f) is not None}
        if not given:
            return
        owner = self._owner()
        warnings.warn(
            f"{owner}.{', .'.join(given)}: deprecated since 0.2.0, set mapping=StreamMappingArgs({', '.join(given)}=...)",
            DeprecationWarning,
            stacklevel=3,
        )
        unset = StreamMappingArgs()
        both = [f for f in given if getattr(self.mapping, f) not in (getattr(unset, f), given[f])]
        if both:
            raise ValueError(f"{owner}: {', '.join(both)} set both in mapping and as the deprecated field; set it once")
        self.mapping = replace(self.mapping, **given)


#: Why an existing on-failure queue must be a standard one: Lambda sends failure records to standard queues only
#: (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html; a stream mapping's
#: on-failure destination is the same kind of destination,
#: https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html).
ON_FAILURE_SENDER = "a Lambda stream mapping"


def check_on_failure_args(owner: str, existing: ExistingQueue | None, overrides: Mapping[str, Any] | None) -> None:
    """``<owner>.existing_on_failure_queue`` xor ``<owner>.on_failure_overrides``, and a standard queue."""
    if existing is None:
        return
    existing.validate_failure_destination(f"{owner}.existing_on_failure_queue", ON_FAILURE_SENDER)
    if overrides:
        raise ValueError(
            f"{owner}.on_failure_overrides apply to an on-failure queue the component creates, not to "
            "existing_on_failure_queue"
        )


@dataclass
class StreamConsumer:
    #: The function the component created (None for an existing one: see ``function_name``).
    function: ServerlessFunction | None
    #: Where the coordinates of records that exhausted their retries go (the records stay in the stream), when the
    #: component created it (None with ``existing_on_failure_queue``: see ``on_failure_arn``, ``on_failure_url``).
    on_failure: sqs.Queue | None
    #: The on-failure queue's ARN, URL and name, created or existing.
    on_failure_arn: pulumi.Output[str]
    on_failure_url: pulumi.Output[str]
    on_failure_name: pulumi.Output[str]
    mapping: lambda_.EventSourceMapping
    function_name: pulumi.Output[str]
    #: Statements an existing function's role needs and the component could not grant (given no role).
    required_statements: list[iam.Statement] = field(default_factory=list)
    #: The function that replays what ``on_failure`` points at (None when opted out: see stream_redrive).
    redrive: ServerlessFunction | None = None


def _retention_problem(name: str, stream_hours: int, given_hours: int) -> str | None:
    if stream_hours == given_hours:
        return None
    return (
        f"StreamProcessor {name}: the existing stream keeps records {stream_hours} h but "
        f"StreamProcessorArgs.retention_hours is {given_hours}: the iterator-age and on-failure age alarms fire at "
        f"half the retention; set retention_hours={stream_hours}"
    )


def plain_timeout(consumer: ServerlessFunctionArgs | ExistingFunction) -> int | None:
    """A consumer's timeout where it is known at synthesis (None: an Output, or a bare ARN's, unknown until deployed)."""
    timeout = consumer.timeout_seconds if isinstance(consumer, ServerlessFunctionArgs) else consumer.timeout()
    return timeout if isinstance(timeout, int) else None


def on_failure_age_alarm_seconds(retention_hours: int) -> int:
    """The on-failure queue's oldest entry alarms at half the stream's retention (re-drive while the stream still
    holds the records), or half the queue's own retention if that is shorter (before SQS deletes the entry)."""
    return min(retention_hours * 3600, defaults.DLQ_RETENTION_SECONDS) // 2


def stream_consumer(
    name: str,
    *,
    source_arn: pulumi.Input[str],
    read: Sequence[iam.Statement],
    function: ServerlessFunctionArgs | ExistingFunction,
    context: StackContext,
    parent: pulumi.Resource,
    tags: dict[str, str],
    mapping: StreamMappingArgs,
    owner: str,
    source: RedriveSource,
    retention_hours: int,
    redrive: RedriveArgs | None,
    mapping_overrides: Mapping[str, Any] | None = None,
    on_failure_overrides: Mapping[str, Any] | None = None,
    existing_on_failure: ExistingQueue | None = None,
) -> StreamConsumer:
    """A function (a new one, or an existing one granted through its role) reading a stream: bisect on error,
    finite retries and record age, partial batch responses, an on-failure queue alarmed on its depth and on the
    age of its oldest entry, and (unless ``redrive`` is None) the function that re-drives it. ``read`` are the
    stream read grants; ``mapping`` is resolved (no setting left None); ``retention_hours`` is how long the stream
    keeps a record; ``owner`` names the args in errors and warnings (``<owner>.mapping_overrides``,
    ``<owner>.on_failure_overrides``, ``<owner>.existing_function``). With ``existing_on_failure`` (a standard
    queue, validated by :func:`check_on_failure_args`) no queue is created: that one is alarmed on, sent to and
    re-driven."""
    on_failure, queue = _on_failure_queue(
        name,
        existing_on_failure,
        owner=owner,
        overrides=on_failure_overrides,
        context=context,
        parent=parent,
        tags=tags,
    )
    queue_name = on_failure.name if on_failure is not None else queue_name_of(queue.url)
    age_alarm = AlarmSpec(
        suffix="on-failure-age",
        metric_name="ApproximateAgeOfOldestMessage",
        namespace="AWS/SQS",
        dimensions={"QueueName": queue_name},
        threshold=on_failure_age_alarm_seconds(retention_hours),
        statistic="Maximum",
        description="A stream batch was given up long ago: re-drive it before the records it names expire.",
    )
    metric_alarm(name, age_alarm, context=context, parent=parent, tags=tags)
    # Lambda sends to the on-failure destination with the function's own role (and its key through SQS).
    grants = [*read, *sender_statements(queue.arn, queue.key_arn)]
    consumer: ServerlessFunction | None = None
    required: list[iam.Statement] = []
    if isinstance(function, ExistingFunction):
        required = grant_to_existing(f"{name}-read", function, grants, parent=parent, arg=f"{owner}.existing_function")
        function_arn: pulumi.Input[str] = function.function_arn
        function_name = function.function_name
    else:
        function = replace(function, permissions=[*function.permissions, *grants], tags={**tags, **function.tags})
        consumer = ServerlessFunction(name, function, pulumi.ResourceOptions(parent=parent))
        function_arn, function_name = consumer.target.arn, consumer.name
    filters = [
        lambda_.EventSourceMappingFilterCriteriaFilterArgs(pattern=json.dumps(p)) for p in mapping.filter_patterns
    ]
    mapping_defaults = {
        "event_source_arn": source_arn,
        "function_name": function_arn,
        "starting_position": mapping.starting_position,
        "batch_size": mapping.batch_size,
        "maximum_batching_window_in_seconds": mapping.batching_window_seconds or None,
        "parallelization_factor": mapping.parallelization_factor,
        "bisect_batch_on_function_error": True,
        "maximum_retry_attempts": mapping.max_retries,
        "maximum_record_age_in_seconds": mapping.max_record_age_seconds,
        "destination_config": {"on_failure": {"destination_arn": queue.arn}},
        "function_response_types": [defaults.BATCH_ITEM_FAILURES],
        "filter_criteria": lambda_.EventSourceMappingFilterCriteriaArgs(filters=filters) if filters else None,
        "tags": tags,
    }
    source_mapping = children.create(
        lambda_.EventSourceMapping,
        f"{name}-mapping",
        mapping_defaults,
        mapping_overrides or {},
        arg=f"{owner}.mapping_overrides",
        opts=pulumi.ResourceOptions(parent=parent),
    )
    redriver = None
    if redrive is not None:
        unreplayed = sorted(set(mapping_overrides or {}) & set(REDRIVE_UNREPLAYED_OVERRIDES))
        if unreplayed:
            pulumi.log.warn(
                f"{owner}.mapping_overrides sets {', '.join(unreplayed)}: the re-drive rebuilds batches from "
                f"{owner}.mapping (batch size, filters), not from the overrides, and replays no tumbling window state"
            )
        subject = consumer if consumer is not None else function
        assert isinstance(subject, (ServerlessFunction, ExistingFunction))
        redriver = redrive_function(
            name,
            redrive,
            target=RedriveTarget.of(subject, owner),
            on_failure=queue,
            source=source,
            batch_size=mapping.batch_size,
            filter_patterns=mapping.filter_patterns,
            context=context,
            parent=parent,
            tags=tags,
        )
    return StreamConsumer(
        function=consumer,
        on_failure=on_failure,
        on_failure_arn=pulumi.Output.from_input(queue.arn),
        on_failure_url=pulumi.Output.from_input(queue.url),
        on_failure_name=queue_name,
        mapping=source_mapping,
        function_name=function_name,
        required_statements=required,
        redrive=redriver,
    )


def _on_failure_queue(
    name: str,
    existing: ExistingQueue | None,
    *,
    owner: str,
    overrides: Mapping[str, Any] | None,
    context: StackContext,
    parent: pulumi.Resource,
    tags: dict[str, str],
) -> tuple[sqs.Queue | None, OnFailureQueue]:
    """Consumer ``name``'s on-failure queue ``<name>-on-failure-dlq``, created (with ``overrides``) or ``existing``,
    alarmed on its depth: the queue created (None for an existing one) and what the mapping, the consumer and the
    re-drive use of it."""
    if existing is None:
        created = dead_letter_queue(
            f"{name}-on-failure",
            context=context,
            parent=parent,
            tags=tags,
            overrides=overrides,
            overrides_arg=f"{owner}.on_failure_overrides",
        )
        return created.queue, OnFailureQueue(created.queue.arn, created.queue.url, created.key_arn)
    # Lambda sends as the consumer's role, which is granted the queue: its policy is left as it is.
    arg, consumer = f"{owner}.existing_on_failure_queue", f"stream consumer {name}"
    adopted = adopt_dead_letter_queue(
        f"{name}-on-failure",
        existing,
        owner=consumer,
        arg=arg,
        unchecked="encryption (declare its key with kms_key_arn)",
        context=context,
        parent=parent,
        tags=tags,
    )
    existing.check_fifo(consumer, arg, fifo=False, why=f"{ON_FAILURE_SENDER} sends failures to standard queues only")
    return None, OnFailureQueue(adopted.arn, adopted.url, adopted.key_arn)


@dataclass(kw_only=True)
class StreamProcessorArgs(DeprecatedMappingFields):
    """Arguments of :class:`StreamProcessor`: each principal child (stream, consumer) is an existing one xor the
    args to create it."""

    #: The consumer to create; it is granted read on the stream and send on the on-failure queue. Or
    #: ``existing_function``.
    function: ServerlessFunctionArgs | None = None
    #: A consumer the processor does not create (see :class:`ExistingFunction` for its role): the processor still
    #: adds the mapping, the on-failure queue, the alarms and the re-drive, and grants the function's role the stream
    #: read and the on-failure send (or lists them in ``required_statements``).
    existing_function: ExistingFunction | None = None
    #: None: ON_DEMAND capacity (no shard planning); a number: PROVISIONED with that many shards.
    shard_count: int | None = None
    #: defaults.KINESIS_RETENTION_HOURS (168, the seed's 7 days): replay after a consumer bug.
    retention_hours: int = defaults.KINESIS_RETENTION_HOURS
    #: defaults.KINESIS_KMS_KEY (alias/aws/kinesis): encryption at rest, no key policy to manage. A customer-managed
    #: key by its ARN is granted to the consumer (Decrypt through Kinesis) and to producers that take
    #: :meth:`StreamProcessor.producer_statements`; its key policy must delegate to IAM.
    kms_key_id: pulumi.Input[str] = defaults.KINESIS_KMS_KEY
    #: How the function reads the stream; settings left None take the Kinesis defaults (see StreamMappingArgs).
    mapping: StreamMappingArgs = field(default_factory=StreamMappingArgs)
    #: Iterator age ≥ half the retention and read throttling alarms.
    alarms: bool = True
    #: The function that re-drives the on-failure queue (see stream_redrive; an operator invokes it, e.g.
    #: ``wasp local redrive-stream``); None: no re-drive function.
    redrive: RedriveArgs | None = field(default_factory=RedriveArgs)
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None
    #: A stream the processor does not create: an ``aws.kinesis.Stream`` or its ARN (its name is the ARN's last
    #: part; nothing is looked up, its encryption is not checked). The consumer, mapping, on-failure queue and
    #: alarms are still the processor's; set ``retention_hours`` to the stream's so the iterator-age alarm fires at
    #: half of it (a resource's retention period, once known, must equal it; a bare ARN's is not checked).
    existing_stream: kinesis.Stream | pulumi.Input[str] | None = None
    #: Keyword arguments of ``aws.kinesis.Stream`` merged over the stream's defaults (only for a stream the
    #: processor creates); dropping KMS encryption warns naming kinesis-encryption.
    stream_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.lambda_.EventSourceMapping`` merged over the mapping's defaults; dropping
    #: ReportBatchItemFailures warns naming esm-batch-item-failures.
    mapping_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.sqs.Queue`` merged over the on-failure queue's defaults; dropping its encryption
    #: warns naming sqs-encryption. A ``kms_master_key_id`` (a customer-managed key's ARN) is granted to the consumer
    #: and the re-drive through SQS.
    on_failure_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: A standard queue the processor does not create for given-up batches (an ``aws.sqs.Queue`` or a Queue, or ARN
    #: and URL; see :class:`ExistingQueue`): the consumer's role is granted send on it (and its key through SQS), the
    #: re-drive consumes it, and its depth and oldest entry are alarmed on. A queue known to be FIFO fails.
    #: A queue that redrives to a DLQ of its own (a Queue does) moves an entry the re-drive keeps there once it was
    #: received its maxReceiveCount times: out of the re-drive's reach.
    existing_on_failure_queue: ExistingQueue | None = None

    def _owner(self) -> str:
        return "StreamProcessorArgs"

    def validate(self) -> None:
        check_on_failure_args("StreamProcessorArgs", self.existing_on_failure_queue, self.on_failure_overrides)
        children.exactly_one(
            "StreamProcessorArgs",
            ("StreamProcessorArgs.existing_function", self.existing_function),
            ("StreamProcessorArgs.function", self.function),
        )
        if self.existing_function is not None:
            self.existing_function.validate("StreamProcessorArgs.existing_function")
            if self.redrive is not None and RedriveTarget.of(self.existing_function, "").role_arn is None:
                raise ValueError(
                    "StreamProcessorArgs.existing_function: the re-drive needs the consumer's role as a resource or "
                    "an ARN (Kinesis records name the role that read them); give ExistingFunction(role=...) or set "
                    "redrive=None"
                )
        if self.existing_stream is not None and (self.stream_overrides or self.shard_count is not None):
            raise ValueError(
                "StreamProcessorArgs.stream_overrides and shard_count apply to a stream the processor creates, "
                "not to existing_stream"
            )
        customer_key_arn(self.kms_key_id, "StreamProcessorArgs.kms_key_id")
        if not 24 <= self.retention_hours <= 8760:
            raise ValueError(f"StreamProcessorArgs.retention_hours must be 24..8760, got {self.retention_hours}")
        if self.shard_count is not None and self.shard_count < 1:
            raise ValueError(
                f"StreamProcessorArgs.shard_count must be ≥ 1 (or None for ON_DEMAND), got {self.shard_count}",
            )
        self.mapping.validate("StreamProcessorArgs")
        if self.redrive is not None:
            self.redrive.validate(
                "StreamProcessorArgs",
                consumer_timeout=plain_timeout(self.consumer),
                filter_patterns=self.mapping.filter_patterns,
            )

    @property
    def consumer(self) -> ServerlessFunctionArgs | ExistingFunction:
        """The function to create or the existing one (validated: exactly one is set)."""
        consumer = self.function if self.function is not None else self.existing_function
        assert consumer is not None
        return consumer

    @property
    def resolved_mapping(self) -> StreamMappingArgs:
        return self.mapping.resolved(
            batching_window_seconds=defaults.KINESIS_BATCHING_WINDOW_SECONDS,
            parallelization_factor=defaults.KINESIS_PARALLELIZATION_FACTOR,
            starting_position=defaults.KINESIS_STARTING_POSITION,
        )


class StreamProcessor(pulumi.ComponentResource):
    """An encrypted Kinesis stream and its consumer, alarmed on a lagging or throttled reader.

    Outputs: ``arn`` and ``name`` are the stream's, the principal: producers put records to it (Kinesis has
    no URL); ``function_name``, ``on_failure_url`` and ``redrive_function_name`` besides (``stream_arn`` and
    ``stream_name`` until 0.2.0, component outputs only).

    A batch the consumer gives up (retries or record age exhausted) leaves its coordinates in the on-failure queue,
    alarmed on its depth and on the age of its oldest entry (half the retention). An operator re-drives it by
    invoking ``redrive`` (``{"maxMessages": N}``; ``wasp local redrive-stream <name>`` locally): the records are
    read from the stream while it retains them and delivered to the consumer as the mapping would, and what is
    gone is reported and kept in the queue. The consumer must therefore be idempotent.

    With an existing stream or consumer the processor creates only what it owns (the mapping, the on-failure queue,
    the alarms, the re-drive); see ``existing_stream`` and :class:`ExistingFunction` for what it checks.

    Example::

        clicks = StreamProcessor("clickstream", StreamProcessorArgs(
            function=ServerlessFunctionArgs(handler="clickstream.processor.handler",
                                            code=["lambdas/clickstream", "lambdas/shared"])))
    """

    #: The stream the processor created (None with ``existing_stream``: see ``arn`` and ``name``).
    stream: kinesis.Stream | None
    #: The consumer the processor created (None with ``existing_function``: see ``function_name``).
    function: ServerlessFunction | None
    function_name: pulumi.Output[str]
    #: Statements an existing consumer's role needs and the processor could not grant (given no role).
    required_statements: list[iam.Statement]
    #: The on-failure queue the processor created (None with ``existing_on_failure_queue``: see ``on_failure_arn``,
    #: ``on_failure_url`` and ``on_failure_name``, which name it either way).
    on_failure: sqs.Queue | None
    on_failure_arn: pulumi.Output[str]
    on_failure_url: pulumi.Output[str]
    on_failure_name: pulumi.Output[str]
    mapping: lambda_.EventSourceMapping
    #: The re-drive function (None with ``redrive=None``).
    redrive: ServerlessFunction | None
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    #: The customer-managed key of the stream the processor created (None: the AWS-managed key, or an existing
    #: stream, whose key is not known).
    kms_key_arn: pulumi.Input[str] | None

    def __init__(self, name: str, args: StreamProcessorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("stream", "StreamProcessor", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        self.stream, self.kms_key_arn = None, None
        if args.existing_stream is None:
            # An override may set the key: what the stream is encrypted with is what its consumer and producers need.
            self.kms_key_arn = customer_key_arn(
                args.stream_overrides.get("kms_key_id", args.kms_key_id),
                "StreamProcessorArgs.stream_overrides['kms_key_id']"
                if "kms_key_id" in args.stream_overrides
                else "StreamProcessorArgs.kms_key_id",
            )
            provisioned = args.shard_count is not None
            stream_defaults = {
                "name": context.physical_name(name, names.KINESIS_STREAM),
                "retention_period": args.retention_hours,
                "encryption_type": "KMS",
                "kms_key_id": args.kms_key_id,
                "stream_mode_details": {"stream_mode": "PROVISIONED" if provisioned else "ON_DEMAND"},
                "shard_count": args.shard_count,
                "tags": tags,
            }
            self.stream = children.create(
                kinesis.Stream,
                f"{name}-stream",
                stream_defaults,
                args.stream_overrides,
                arg="StreamProcessorArgs.stream_overrides",
                opts=pulumi.ResourceOptions(parent=self),
            )
            stream_arn, stream_name = self.stream.arn, self.stream.name
        elif isinstance(args.existing_stream, kinesis.Stream):
            stream_arn, stream_name = args.existing_stream.arn, args.existing_stream.name
            children.check_known(
                args.existing_stream.retention_period,
                lambda hours: _retention_problem(name, hours, args.retention_hours),
            )
        else:
            stream_arn = pulumi.Output.from_input(args.existing_stream)
            stream_name = stream_arn.apply(lambda arn: arn.split(":stream/", 1)[-1])
            children.not_checked(f"StreamProcessor {name}", "the existing stream's encryption and retention")
        consumer = stream_consumer(
            name,
            source_arn=stream_arn,
            read=[
                *iam.kinesis_consume(stream_arn),
                *([iam.kms_decrypt(self.kms_key_arn, "kinesis")] if self.kms_key_arn is not None else []),
            ],
            function=args.consumer,
            context=context,
            parent=self,
            tags=tags,
            mapping=args.resolved_mapping,
            owner="StreamProcessorArgs",
            source=RedriveSource("kinesis", stream_arn, kms_key_arn=self.kms_key_arn),
            retention_hours=args.retention_hours,
            redrive=args.redrive,
            mapping_overrides=args.mapping_overrides,
            on_failure_overrides=args.on_failure_overrides,
            existing_on_failure=args.existing_on_failure_queue,
        )
        self.function, self.on_failure, self.mapping = consumer.function, consumer.on_failure, consumer.mapping
        self.on_failure_arn, self.on_failure_url = consumer.on_failure_arn, consumer.on_failure_url
        self.on_failure_name = consumer.on_failure_name
        self.function_name, self.required_statements = consumer.function_name, consumer.required_statements
        self.redrive = consumer.redrive
        if args.alarms:
            dimensions: dict[str, pulumi.Input[str]] = {"StreamName": stream_name}
            half_retention_ms = args.retention_hours * 3600 * 1000 / 2
            for spec in (
                AlarmSpec(
                    suffix="iterator-age",
                    metric_name="GetRecords.IteratorAgeMilliseconds",
                    namespace="AWS/Kinesis",
                    dimensions=dimensions,
                    threshold=half_retention_ms,
                    statistic="Maximum",
                    description="The consumer lags half the retention behind: records will expire unread.",
                ),
                AlarmSpec(
                    suffix="read-throttled",
                    metric_name="ReadProvisionedThroughputExceeded",
                    namespace="AWS/Kinesis",
                    dimensions=dimensions,
                    threshold=0,
                    comparison="GreaterThanThreshold",
                    description="Reads were throttled: too many consumers or too few shards.",
                ),
            ):
                metric_alarm(name, spec, context=context, parent=self, tags=tags)
        self.arn, self.name = stream_arn, stream_name
        outputs = {"arn": self.arn, "name": self.name, "function_name": self.function_name}
        redrive_name = {"redrive_function_name": self.redrive.name} if self.redrive is not None else {}
        self.register_outputs({**outputs, "on_failure_url": self.on_failure_url, **redrive_name})

    def producer_statements(self) -> list[iam.Statement]:
        """What a role needs to put records to the stream: PutRecord(s), and its key through Kinesis."""
        statements = [iam.allow(["kinesis:PutRecord", "kinesis:PutRecords"], [self.arn])]
        if self.kms_key_arn is not None:
            statements.append(iam.kms_encrypt(self.kms_key_arn, "kinesis"))
        return statements
