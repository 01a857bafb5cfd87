"""EventStore: an append-only DynamoDB event log whose stream feeds projections.

Events are items keyed by ``aggregateId`` (S) and ``version`` (N); writers append with a
conditional put (``attribute_not_exists(version)``), which makes concurrent appends to one
aggregate fail instead of overwriting (optimistic concurrency). Read models are plain
:class:`~components.table.Table` components updated by the projections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import ServerlessFunctionArgs
from pulumi_wasp.components.shared import iam
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.tokens import component_type
from pulumi_wasp.components.stream_processor import StreamConsumer, stream_consumer, validate_stream_mapping
from pulumi_wasp.components.table import Table, TableArgs

PARTITION_KEY = "aggregateId"
SORT_KEY = "version"
#: A filter pattern for projections that only care about new events (appends), not TTL deletes.
INSERTS_ONLY: Mapping[str, Any] = {"eventName": ["INSERT"]}


@dataclass(kw_only=True)
class Projection:
    """A function fed by the event store's stream (granted read on it), e.g. a read-model updater."""

    name: str
    function: ServerlessFunctionArgs
    #: Lambda event filters on the stream record, e.g. ``[INSERTS_ONLY]``; all records when empty.
    filter_patterns: Sequence[Mapping[str, Any]] = ()
    #: defaults.STREAM_BATCH_SIZE (100).
    batch_size: int = defaults.STREAM_BATCH_SIZE
    #: defaults.PROJECTION_BATCHING_WINDOW_SECONDS (0): read models stay fresh.
    batching_window_seconds: int = defaults.PROJECTION_BATCHING_WINDOW_SECONDS
    #: defaults.PROJECTION_PARALLELIZATION_FACTOR (1): one batch per shard at a time.
    parallelization_factor: int = defaults.PROJECTION_PARALLELIZATION_FACTOR
    #: defaults.PROJECTION_STARTING_POSITION (TRIM_HORIZON): no event is skipped on first deploy.
    starting_position: str = defaults.PROJECTION_STARTING_POSITION
    #: defaults.STREAM_MAX_RETRIES (3), then the batch's coordinates go to the on-failure queue.
    max_retries: int = defaults.STREAM_MAX_RETRIES
    #: defaults.STREAM_MAX_RECORD_AGE_SECONDS (3600).
    max_record_age_seconds: int = defaults.STREAM_MAX_RECORD_AGE_SECONDS

    def validate(self) -> None:
        validate_stream_mapping(
            f"Projection {self.name!r}",
            batch_size=self.batch_size,
            batching_window_seconds=self.batching_window_seconds,
            parallelization_factor=self.parallelization_factor,
            starting_position=self.starting_position,
            max_retries=self.max_retries,
            max_record_age_seconds=self.max_record_age_seconds,
            filter_patterns=self.filter_patterns,
        )


@dataclass(kw_only=True)
class EventStoreArgs:
    """Arguments of :class:`EventStore`."""

    projections: Sequence[Projection] = ()
    #: defaults.EVENT_STORE_DELETION_PROTECTION (on): the store is the system of record.
    deletion_protection: bool = defaults.EVENT_STORE_DELETION_PROTECTION
    #: defaults.TABLE_POINT_IN_TIME_RECOVERY (on).
    point_in_time_recovery: bool = defaults.TABLE_POINT_IN_TIME_RECOVERY
    #: Attribute with an epoch-seconds expiry, for stores that may forget (e.g. after snapshots).
    ttl_attribute: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None

    def validate(self) -> None:
        names = [p.name for p in self.projections]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"EventStoreArgs.projections: duplicate names {duplicates}")
        for projection in self.projections:
            if not projection.name:
                raise ValueError("EventStoreArgs.projections: a projection has an empty name")
            projection.validate()
        if self.ttl_attribute in (PARTITION_KEY, SORT_KEY):
            raise ValueError(f"EventStoreArgs.ttl_attribute must not be a key attribute, got {self.ttl_attribute!r}")


class EventStore(pulumi.ComponentResource):
    """The event log (on-demand, PITR, SSE, NEW_IMAGE stream) and its projections.

    Example::

        store = EventStore("event-store", EventStoreArgs(projections=[
            Projection(name="orders", function=ServerlessFunctionArgs(
                handler="order_projector.projector.handler", code=["lambdas/order_projector", "lambdas/shared"]),
                filter_patterns=[INSERTS_ONLY])]))
    """

    table: Table
    projections: dict[str, StreamConsumer]
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    stream_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: EventStoreArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        token, opts = component_type("eventstore", "EventStore", opts)
        super().__init__(token, name, None, opts)
        args = args or EventStoreArgs()
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        table_args = TableArgs(
            hash_key=PARTITION_KEY,
            hash_key_type="S",
            range_key=SORT_KEY,
            range_key_type="N",
            stream_view_type="NEW_IMAGE",
            ttl_attribute=args.ttl_attribute,
            point_in_time_recovery=args.point_in_time_recovery,
            deletion_protection=args.deletion_protection,
            tags=args.tags,
            context=context,
        )
        self.table = Table(name, table_args, pulumi.ResourceOptions(parent=self))
        self.arn, self.name, self.stream_arn = self.table.arn, self.table.name, self.table.stream_arn
        self.projections = {}
        for projection in args.projections:
            self.projections[projection.name] = stream_consumer(
                f"{name}-{projection.name}",
                source_arn=self.stream_arn,
                read=iam.dynamodb_stream_read(self.stream_arn),
                function=projection.function,
                context=context,
                parent=self,
                tags=tags,
                batch_size=projection.batch_size,
                batching_window_seconds=projection.batching_window_seconds,
                parallelization_factor=projection.parallelization_factor,
                starting_position=projection.starting_position,
                max_retries=projection.max_retries,
                max_record_age_seconds=projection.max_record_age_seconds,
                filter_patterns=projection.filter_patterns,
            )
        self.register_outputs({"arn": self.arn, "name": self.name, "stream_arn": self.stream_arn})
