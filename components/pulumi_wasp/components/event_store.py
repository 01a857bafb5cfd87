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
from pulumi_wasp.components.stream_processor import (
    DeprecatedMappingFields,
    StreamConsumer,
    StreamMappingArgs,
    stream_consumer,
)
from pulumi_wasp.components.table import GlobalSecondaryIndex, LocalSecondaryIndex, Table, TableArgs

PARTITION_KEY = "aggregateId"
SORT_KEY = "version"
#: A filter pattern for projections that only care about new events (appends), not TTL deletes.
INSERTS_ONLY: Mapping[str, Any] = {"eventName": ["INSERT"]}
#: The stream view types that carry the appended event to the projections.
PROJECTION_VIEW_TYPES = ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")


@dataclass(kw_only=True)
class Projection(DeprecatedMappingFields):
    """A function fed by the event store's stream (granted read on it), e.g. a read-model updater."""

    name: str
    function: ServerlessFunctionArgs
    #: How the function reads the store's stream; settings left None take the projection defaults (no batching
    #: window, one batch per shard, TRIM_HORIZON: see StreamMappingArgs), e.g. ``filter_patterns=[INSERTS_ONLY]``.
    mapping: StreamMappingArgs = field(default_factory=StreamMappingArgs)

    def _owner(self) -> str:
        return f"Projection {self.name!r}"

    def validate(self) -> None:
        self.mapping.validate(self._owner())

    @property
    def resolved_mapping(self) -> StreamMappingArgs:
        return self.mapping.resolved(
            batching_window_seconds=defaults.PROJECTION_BATCHING_WINDOW_SECONDS,
            parallelization_factor=defaults.PROJECTION_PARALLELIZATION_FACTOR,
            starting_position=defaults.PROJECTION_STARTING_POSITION,
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
    #: defaults.EVENT_STORE_STREAM_VIEW_TYPE (NEW_IMAGE): a projection reads the appended event; an append-only
    #: log has no old image worth the doubled record size. "NEW_AND_OLD_IMAGES" for projections of rewrites.
    stream_view_type: str = defaults.EVENT_STORE_STREAM_VIEW_TYPE
    #: Indexes over the events (e.g. by event type); the table's keys are aggregateId (S) and version (N).
    global_secondary_indexes: Sequence[GlobalSecondaryIndex] = ()
    #: Only at the store's creation (see LocalSecondaryIndex): adding one later replaces the table.
    local_secondary_indexes: Sequence[LocalSecondaryIndex] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None

    def validate(self) -> None:
        if self.stream_view_type not in PROJECTION_VIEW_TYPES:
            raise ValueError(
                f"EventStoreArgs.stream_view_type must be one of {', '.join(PROJECTION_VIEW_TYPES)} (projections read "
                f"the new image), got {self.stream_view_type!r}"
            )
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
    """The event log (on-demand, PITR, SSE, a NEW_IMAGE stream by default) and its projections.

    Example::

        store = EventStore("event-store", EventStoreArgs(projections=[
            Projection(name="orders", function=ServerlessFunctionArgs(
                handler="order_projector.projector.handler", code=["lambdas/order_projector", "lambdas/shared"]),
                mapping=StreamMappingArgs(filter_patterns=[INSERTS_ONLY]))]))
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
            stream_view_type=args.stream_view_type,
            ttl_attribute=args.ttl_attribute,
            global_secondary_indexes=args.global_secondary_indexes,
            local_secondary_indexes=args.local_secondary_indexes,
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
                mapping=projection.resolved_mapping,
            )
        self.register_outputs({"arn": self.arn, "name": self.name, "stream_arn": self.stream_arn})
