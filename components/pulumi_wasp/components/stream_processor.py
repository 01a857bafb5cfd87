"""StreamProcessor: a Kinesis stream read by a function that never blocks on a poison record.

:func:`stream_consumer` (function + mapping + on-failure queue) is shared with the EventStore's
projections: DynamoDB streams and Kinesis take the same failure handling.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
from pulumi_aws import kinesis, lambda_, sqs

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import ServerlessFunction, ServerlessFunctionArgs
from pulumi_wasp.components.shared import children, iam, names, patterns
from pulumi_wasp.components.shared.alarms import AlarmSpec, metric_alarm
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.queues import dead_letter_queue
from pulumi_wasp.components.shared.tokens import component_type

STARTING_POSITIONS = ("LATEST", "TRIM_HORIZON")
#: Lambda's default quota of filters per event source mapping.
MAX_FILTERS = 5


def validate_stream_mapping(
    owner: str,
    *,
    batch_size: int,
    batching_window_seconds: int,
    parallelization_factor: int,
    starting_position: str,
    max_retries: int,
    max_record_age_seconds: int,
    filter_patterns: Sequence[Mapping[str, Any]],
) -> None:
    """Lambda's limits for a stream mapping, with finite retries and record age required."""
    if not 1 <= batch_size <= 10_000:
        raise ValueError(f"{owner}.batch_size must be 1..10000, got {batch_size}")
    if not 0 <= batching_window_seconds <= 300:
        raise ValueError(f"{owner}.batching_window_seconds must be 0..300, got {batching_window_seconds}")
    if not 1 <= parallelization_factor <= 10:
        raise ValueError(f"{owner}.parallelization_factor must be 1..10, got {parallelization_factor}")
    if starting_position not in STARTING_POSITIONS:
        raise ValueError(
            f"{owner}.starting_position must be one of {', '.join(STARTING_POSITIONS)}, got {starting_position!r}",
        )
    if not 0 <= max_retries <= 10_000:
        raise ValueError(
            f"{owner}.max_retries must be 0..10000, got {max_retries} (-1 blocks the shard on a poison record)",
        )
    if not 60 <= max_record_age_seconds <= 604_800:
        raise ValueError(
            f"{owner}.max_record_age_seconds must be 60..604800, got {max_record_age_seconds} (-1 blocks the shard)",
        )
    if len(filter_patterns) > MAX_FILTERS:
        raise ValueError(
            f"{owner}.filter_patterns: at most {MAX_FILTERS} filters per mapping, got {len(filter_patterns)}",
        )
    if any(not pattern for pattern in filter_patterns):
        raise ValueError(
            f"{owner}.filter_patterns: a pattern is empty; leave filter_patterns empty to receive every record",
        )
    for index, pattern in enumerate(filter_patterns):
        patterns.check_lambda_filter(pattern, f"{owner}.filter_patterns[{index}]")


@dataclass
class StreamConsumer:
    function: ServerlessFunction
    #: Where the coordinates of records that exhausted their retries go (the records stay in the stream).
    on_failure: sqs.Queue
    mapping: lambda_.EventSourceMapping


def stream_consumer(
    name: str,
    *,
    source_arn: pulumi.Input[str],
    read: Sequence[iam.Statement],
    function: ServerlessFunctionArgs,
    context: StackContext,
    parent: pulumi.Resource,
    tags: dict[str, str],
    batch_size: int,
    batching_window_seconds: int,
    parallelization_factor: int,
    starting_position: str,
    max_retries: int,
    max_record_age_seconds: int,
    filter_patterns: Sequence[Mapping[str, Any]] = (),
) -> StreamConsumer:
    """A function reading a stream: bisect on error, finite retries and record age, partial
    batch responses, and an alarmed on-failure queue. ``read`` are the stream read grants."""
    on_failure = dead_letter_queue(f"{name}-on-failure", context=context, parent=parent, tags=tags).queue
    # Lambda sends to the on-failure destination with the function's own role.
    function = replace(function, permissions=[*function.permissions, *read, iam.sqs_send(on_failure.arn)])
    consumer = ServerlessFunction(name, function, pulumi.ResourceOptions(parent=parent))
    filters = [lambda_.EventSourceMappingFilterCriteriaFilterArgs(pattern=json.dumps(p)) for p in filter_patterns]
    mapping = lambda_.EventSourceMapping(
        f"{name}-mapping",
        event_source_arn=source_arn,
        function_name=consumer.arn,
        starting_position=starting_position,
        batch_size=batch_size,
        maximum_batching_window_in_seconds=batching_window_seconds or None,
        parallelization_factor=parallelization_factor,
        bisect_batch_on_function_error=True,
        maximum_retry_attempts=max_retries,
        maximum_record_age_in_seconds=max_record_age_seconds,
        destination_config={"on_failure": {"destination_arn": on_failure.arn}},
        function_response_types=[defaults.BATCH_ITEM_FAILURES],
        filter_criteria=lambda_.EventSourceMappingFilterCriteriaArgs(filters=filters) if filters else None,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return StreamConsumer(consumer, on_failure, mapping)


@dataclass(kw_only=True)
class StreamProcessorArgs:
    """Arguments of :class:`StreamProcessor`."""

    #: The consumer; it is granted read on the stream and send on the on-failure queue.
    function: ServerlessFunctionArgs
    #: None: ON_DEMAND capacity (no shard planning); a number: PROVISIONED with that many shards.
    shard_count: int | None = None
    #: defaults.KINESIS_RETENTION_HOURS (168, the seed's 7 days): replay after a consumer bug.
    retention_hours: int = defaults.KINESIS_RETENTION_HOURS
    #: defaults.KINESIS_KMS_KEY (alias/aws/kinesis): encryption at rest, no key policy to manage.
    kms_key_id: pulumi.Input[str] = defaults.KINESIS_KMS_KEY
    #: defaults.STREAM_BATCH_SIZE (100).
    batch_size: int = defaults.STREAM_BATCH_SIZE
    #: defaults.KINESIS_BATCHING_WINDOW_SECONDS (5): fuller batches, fewer invocations.
    batching_window_seconds: int = defaults.KINESIS_BATCHING_WINDOW_SECONDS
    #: defaults.KINESIS_PARALLELIZATION_FACTOR (10): batches per shard in flight (order kept per key).
    parallelization_factor: int = defaults.KINESIS_PARALLELIZATION_FACTOR
    #: defaults.KINESIS_STARTING_POSITION (LATEST).
    starting_position: str = defaults.KINESIS_STARTING_POSITION
    #: defaults.STREAM_MAX_RETRIES (3): then the batch's coordinates go to the on-failure queue.
    max_retries: int = defaults.STREAM_MAX_RETRIES
    #: defaults.STREAM_MAX_RECORD_AGE_SECONDS (3600).
    max_record_age_seconds: int = defaults.STREAM_MAX_RECORD_AGE_SECONDS
    #: Lambda event filters on the record (e.g. ``{"data": {"type": ["click"]}}``); all records when empty.
    filter_patterns: Sequence[Mapping[str, Any]] = ()
    #: Iterator age ≥ half the retention and read throttling alarms.
    alarms: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None
    #: A stream the processor does not create: an ``aws.kinesis.Stream`` or its ARN (its name is the ARN's last
    #: part; nothing is looked up or checked, its encryption included). The consumer, mapping, on-failure queue and
    #: alarms are still the processor's; set ``retention_hours`` to the stream's so the iterator-age alarm fires at
    #: half of it.
    existing_stream: kinesis.Stream | pulumi.Input[str] | None = None
    #: Keyword arguments of ``aws.kinesis.Stream`` merged over the stream's defaults (only for a stream the
    #: processor creates); dropping KMS encryption warns naming kinesis-encryption.
    stream_overrides: Mapping[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if self.existing_stream is not None and (self.stream_overrides or self.shard_count is not None):
            raise ValueError(
                "StreamProcessorArgs.stream_overrides and shard_count apply to a stream the processor creates, "
                "not to existing_stream"
            )
        if not 24 <= self.retention_hours <= 8760:
            raise ValueError(f"StreamProcessorArgs.retention_hours must be 24..8760, got {self.retention_hours}")
        if self.shard_count is not None and self.shard_count < 1:
            raise ValueError(
                f"StreamProcessorArgs.shard_count must be ≥ 1 (or None for ON_DEMAND), got {self.shard_count}",
            )
        validate_stream_mapping(
            "StreamProcessorArgs",
            batch_size=self.batch_size,
            batching_window_seconds=self.batching_window_seconds,
            parallelization_factor=self.parallelization_factor,
            starting_position=self.starting_position,
            max_retries=self.max_retries,
            max_record_age_seconds=self.max_record_age_seconds,
            filter_patterns=self.filter_patterns,
        )


class StreamProcessor(pulumi.ComponentResource):
    """An encrypted Kinesis stream and its consumer, alarmed on a lagging or throttled reader.

    Example::

        clicks = StreamProcessor("clickstream", StreamProcessorArgs(
            function=ServerlessFunctionArgs(handler="clickstream.processor.handler",
                                            code=["lambdas/clickstream", "lambdas/shared"])))
    """

    #: The stream the processor created (None with ``existing_stream``: see ``arn`` and ``name``).
    stream: kinesis.Stream | None
    function: ServerlessFunction
    on_failure: sqs.Queue
    mapping: lambda_.EventSourceMapping
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: StreamProcessorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("stream", "StreamProcessor", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        self.stream = None
        if args.existing_stream is None:
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
        else:
            stream_arn = pulumi.Output.from_input(args.existing_stream)
            stream_name = stream_arn.apply(lambda arn: arn.split(":stream/", 1)[-1])
            children.not_checked(f"StreamProcessor {name}", "the existing stream's encryption and retention")
        consumer = stream_consumer(
            name,
            source_arn=stream_arn,
            read=iam.kinesis_consume(stream_arn),
            function=args.function,
            context=context,
            parent=self,
            tags=tags,
            batch_size=args.batch_size,
            batching_window_seconds=args.batching_window_seconds,
            parallelization_factor=args.parallelization_factor,
            starting_position=args.starting_position,
            max_retries=args.max_retries,
            max_record_age_seconds=args.max_record_age_seconds,
            filter_patterns=args.filter_patterns,
        )
        self.function, self.on_failure, self.mapping = consumer.function, consumer.on_failure, consumer.mapping
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
        outputs = {"stream_arn": self.arn, "stream_name": self.name, "function_name": self.function.name}
        self.register_outputs({**outputs, "on_failure_url": self.on_failure.url})
