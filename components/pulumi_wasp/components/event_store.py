"""EventStore: an append-only DynamoDB event log whose stream feeds projections.

Events are items keyed by ``aggregateId`` (S) and ``version`` (N); writers append with a
conditional put (``attribute_not_exists(version)``), which makes concurrent appends to one
aggregate fail instead of overwriting (optimistic concurrency). Read models are plain
:class:`~components.table.Table` components updated by the projections. The log may be an existing table
(:class:`~components.table.ExistingTable`) and a projection an existing function
(:class:`~components.function.ExistingFunction`): the store still owns the mappings, the on-failure queues, their
alarms and the read grants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import ExistingFunction, ServerlessFunctionArgs
from pulumi_wasp.components.queue import ExistingQueue
from pulumi_wasp.components.shared import children, iam
from pulumi_wasp.components.shared.capacity import ProvisionedCapacity
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.tokens import component_type
from pulumi_wasp.components.stream_processor import (
    DeprecatedMappingFields,
    StreamConsumer,
    StreamMappingArgs,
    check_on_failure_args,
    plain_timeout,
    stream_consumer,
)
from pulumi_wasp.components.stream_redrive import RedriveArgs, RedriveSource, RedriveTable
from pulumi_wasp.components.table import (
    BillingMode,
    ExistingTable,
    GlobalSecondaryIndex,
    LocalSecondaryIndex,
    Table,
    TableArgs,
)

PARTITION_KEY = "aggregateId"
SORT_KEY = "version"
#: A filter pattern for projections that only care about new events (appends), not TTL deletes.
INSERTS_ONLY: Mapping[str, Any] = {"eventName": ["INSERT"]}
#: The stream view types that carry the appended event to the projections.
PROJECTION_VIEW_TYPES = ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
#: The variable naming the store's table for a projection with ``update_store=True``.
STORE_TABLE_VARIABLE = "EVENT_STORE_TABLE"


@dataclass(kw_only=True)
class Projection(DeprecatedMappingFields):
    """A function fed by the event store's stream (granted read on it), e.g. a read-model updater: a new one
    (``function``) xor an existing one (``existing_function``)."""

    name: str
    #: The function to create; it is granted read on the stream and send on the on-failure queue.
    function: ServerlessFunctionArgs | None = None
    #: A function the store does not create (see :class:`ExistingFunction` for its role): the store still adds
    #: the mapping and the on-failure queue, and grants the function's role what they need (or lists it).
    existing_function: ExistingFunction | None = None
    #: How the function reads the store's stream; settings left None take the projection defaults (no batching
    #: window, one batch per shard, TRIM_HORIZON: see StreamMappingArgs), e.g. ``filter_patterns=[INSERTS_ONLY]``.
    mapping: StreamMappingArgs = field(default_factory=StreamMappingArgs)
    #: Keyword arguments of ``aws.lambda_.EventSourceMapping`` merged over the mapping's defaults; dropping
    #: ReportBatchItemFailures warns naming esm-batch-item-failures.
    mapping_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.sqs.Queue`` merged over the on-failure queue's defaults; dropping its
    #: encryption warns naming sqs-encryption.
    on_failure_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: A standard queue the store does not create for the projection's given-up batches (an ``aws.sqs.Queue`` or a
    #: Queue, or ARN and URL; see :class:`ExistingQueue`): the function's role is granted send on it (and its key
    #: through SQS), the re-drive consumes it, and its depth and oldest entry are alarmed on. A FIFO queue fails.
    #: A queue that redrives to a DLQ of its own (a Queue does) moves an entry the re-drive keeps there once it was
    #: received its maxReceiveCount times: out of the re-drive's reach.
    existing_on_failure_queue: ExistingQueue | None = None
    #: The function that re-drives the projection's on-failure queue (see stream_redrive and EventStore); None:
    #: no re-drive function.
    redrive: RedriveArgs | None = field(default_factory=RedriveArgs)
    #: False (default: a projection reads the store's stream). True grants ``dynamodb:GetItem`` and
    #: ``dynamodb:UpdateItem`` on the store's table (also inside TransactWriteItems) and sets ``EVENT_STORE_TABLE``
    #: to its name (a new function's; an existing function's owner sets it), for a projection that records on each
    #: event what it did (e.g. an outbox's "published" mark); the store stays append-only for every other writer.
    #: The mapping must then filter on inserts only (``filter_patterns=[INSERTS_ONLY]``): the projection's own
    #: updates are MODIFY records that must not feed back into it.
    update_store: bool = False

    def _owner(self) -> str:
        return f"Projection {self.name!r}"

    def validate(self) -> None:
        owner = self._owner()
        check_on_failure_args(owner, self.existing_on_failure_queue, self.on_failure_overrides)
        children.exactly_one(
            owner, (f"{owner}.existing_function", self.existing_function), (f"{owner}.function", self.function)
        )
        if self.existing_function is not None:
            self.existing_function.validate(f"{owner}.existing_function")
        self.mapping.validate(owner)
        if self.redrive is not None:
            self.redrive.validate(
                owner,
                consumer_timeout=plain_timeout(self.consumer),
                filter_patterns=self.mapping.filter_patterns,
            )
        if self.update_store and not self._inserts_only():
            raise ValueError(
                f"{owner}: update_store=True needs mapping.filter_patterns that match inserts only (e.g. "
                f"[INSERTS_ONLY]), got {list(self.mapping.filter_patterns or [])!r}: its own updates would come back "
                "to it as MODIFY records"
            )

    def _inserts_only(self) -> bool:
        patterns = list(self.mapping.filter_patterns or [])
        return bool(patterns) and all(p.get("eventName") == ["INSERT"] for p in patterns)

    @property
    def consumer(self) -> ServerlessFunctionArgs | ExistingFunction:
        """The function to create or the existing one (validated: exactly one is set)."""
        consumer = self.function if self.function is not None else self.existing_function
        assert consumer is not None
        return consumer

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
    #: As :attr:`TableArgs.kms_key_arn`: a customer-managed key for the store; its projections are granted
    #: ``kms:Decrypt`` through DynamoDB to read the stream.
    kms_key_arn: pulumi.Input[str] | None = None
    #: Attribute with an epoch-seconds expiry, for stores that may forget (e.g. after snapshots).
    ttl_attribute: str | None = None
    #: The attribute every appended event carries with its append time (ISO 8601 or epoch seconds), e.g.
    #: ``occurredAt``. None (the default): a re-drive reads only the stream, which keeps a record 24 h. Named: once
    #: the stream has forgotten a batch, the re-drive finds its events in the table by the batch's arrival window
    #: (a Scan of the store, granted to the re-drive function only then).
    appended_at_attribute: str | None = None
    #: defaults.EVENT_STORE_STREAM_VIEW_TYPE (NEW_IMAGE): a projection reads the appended event; an append-only
    #: log has no old image worth the doubled record size. "NEW_AND_OLD_IMAGES" for projections of rewrites.
    stream_view_type: str = defaults.EVENT_STORE_STREAM_VIEW_TYPE
    #: Indexes over the events (e.g. by event type); the table's keys are aggregateId (S) and version (N).
    global_secondary_indexes: Sequence[GlobalSecondaryIndex] = ()
    #: Only at the store's creation (see LocalSecondaryIndex): adding one later replaces the table.
    local_secondary_indexes: Sequence[LocalSecondaryIndex] = ()
    #: As :attr:`TableArgs.billing_mode` (defaults.TABLE_BILLING_MODE, on demand): "PROVISIONED" auto-scales the
    #: store's reads and writes per ``capacity``, for a steady append rate that costs less provisioned.
    billing_mode: BillingMode = defaults.TABLE_BILLING_MODE
    #: As :attr:`TableArgs.capacity`: provisioned mode only (None: the guide's 5..100 units at 70 %).
    capacity: ProvisionedCapacity | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None
    #: An event log the store does not create (see :class:`ExistingTable`; with projections, a bare one needs
    #: ``stream_arn``). It must be keyed (aggregateId, version) with a NEW_IMAGE or NEW_AND_OLD_IMAGES stream:
    #: checked for a resource once known, not for bare ARNs (a log line says so). The table settings above
    #: (recovery, protection, TTL, indexes, stream view type) and ``table_overrides`` are then the table's own.
    existing_table: ExistingTable | None = None
    #: Keyword arguments of ``aws.dynamodb.Table`` merged over the log's defaults (only for a log the store
    #: creates); turning off point-in-time recovery warns naming dynamodb-pitr, deletion protection or the KMS
    #: key warns that no rule will catch it.
    table_overrides: Mapping[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if self.existing_table is not None:
            self._validate_existing_table(self.existing_table)
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
        if self.appended_at_attribute is not None and (
            not self.appended_at_attribute or self.appended_at_attribute in (PARTITION_KEY, SORT_KEY)
        ):
            raise ValueError(
                "EventStoreArgs.appended_at_attribute must name a non-key attribute holding the append time, got "
                f"{self.appended_at_attribute!r}"
            )

    def _validate_existing_table(self, existing: ExistingTable) -> None:
        unset = EventStoreArgs()
        table_only = ["deletion_protection", "point_in_time_recovery", "ttl_attribute", "stream_view_type"]
        table_only += [
            "global_secondary_indexes",
            "local_secondary_indexes",
            "table_overrides",
            "billing_mode",
            "capacity",
            "kms_key_arn",
        ]
        # An empty list given for an empty default is no setting.
        given = [
            f for f in table_only if getattr(self, f) != getattr(unset, f) and (getattr(self, f) or getattr(unset, f))
        ]
        if given:
            raise ValueError(
                f"EventStoreArgs.{', .'.join(given)}: only for a table the store creates, not with existing_table "
                "(an existing table's settings are its own)"
            )
        existing.validate("EventStoreArgs.existing_table")
        if self.projections:
            existing.require_stream("EventStoreArgs.existing_table", "the projections read the table's stream")


class EventStore(pulumi.ComponentResource):
    """The event log (on-demand, PITR, SSE, a NEW_IMAGE stream by default) and its projections.

    Outputs: ``arn`` and ``name`` are the log table's, ``stream_arn`` its stream's (DynamoDB has no URL);
    ``redrive_function_names`` (projection → its re-drive function's name) besides.

    Each projection's given-up batches leave their coordinates in its on-failure queue, alarmed on its depth and
    on the age of its oldest entry (12 h: half the stream's 24 h). An operator re-drives them by invoking the
    projection's ``redrive`` function (``projections[name].redrive``; ``{"maxMessages": N}``; ``wasp local
    redrive-stream <store>-<projection>`` locally): it fetches the batch from the stream while it holds it, else,
    with ``appended_at_attribute``, from the table, the source of truth, and delivers it to the projection as the
    mapping would. What cannot be fetched is reported and stays in the queue. Projections must be idempotent.

    Example::

        store = EventStore("event-store", EventStoreArgs(projections=[
            Projection(name="orders", function=ServerlessFunctionArgs(
                handler="order_projector.projector.handler", code=["lambdas/order_projector", "lambdas/shared"]),
                mapping=StreamMappingArgs(filter_patterns=[INSERTS_ONLY]))]))

    With ``existing_table`` the store creates no table, only its projections (mapping, on-failure queue and its
    alarm, grants); it checks a table resource's keys and stream view type once known and, given bare ARNs,
    logs that it checked nothing. A projection's ``existing_function`` is granted through its role, or its
    statements are listed in ``required_statements`` (per projection name).
    """

    #: The table the store created (None with ``existing_table``: see ``arn``, ``name`` and ``stream_arn``).
    table: Table | None
    projections: dict[str, StreamConsumer]
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    stream_arn: pulumi.Output[str]
    #: Per projection with an existing function given no role: the statements its role needs.
    required_statements: dict[str, list[iam.Statement]]

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
        self.table = None
        if args.existing_table is None:
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
                billing_mode=args.billing_mode,
                capacity=args.capacity,
                kms_key_arn=args.kms_key_arn,
                tags=args.tags,
                context=context,
                overrides=args.table_overrides,
                overrides_arg="EventStoreArgs.table_overrides",
            )
            self.table = Table(name, table_args, pulumi.ResourceOptions(parent=self))
            self.arn, self.name, self.stream_arn = self.table.arn, self.table.name, self.table.stream_arn
        else:
            existing = args.existing_table
            existing.check(
                f"EventStore {name}",
                "EventStoreArgs.existing_table",
                hash_key=PARTITION_KEY,
                range_key=SORT_KEY,
                stream_view_types=PROJECTION_VIEW_TYPES if args.projections else (),
            )
            self.arn, self.name, self.stream_arn = existing.table_arn, existing.table_name, existing.table_stream_arn
        key_arn = self.table.kms_key_arn if self.table is not None else None
        if args.existing_table is not None and isinstance(args.existing_table.table, Table):
            key_arn = args.existing_table.table.kms_key_arn
        self.projections, self.required_statements = {}, {}
        redrive_table = None
        if args.appended_at_attribute is not None:
            redrive_table = RedriveTable(
                self.arn, self.name, (PARTITION_KEY, SORT_KEY), args.appended_at_attribute, args.stream_view_type
            )
        for projection in args.projections:
            consumer = stream_consumer(
                f"{name}-{projection.name}",
                source_arn=self.stream_arn,
                read=[
                    *iam.dynamodb_stream_read(self.stream_arn),
                    *([iam.kms_decrypt(key_arn, "dynamodb")] if key_arn else []),
                    *(
                        [iam.allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [self.arn])]
                        if projection.update_store
                        else []
                    ),
                ],
                function=self._told_the_store(projection),
                context=context,
                parent=self,
                tags=tags,
                mapping=projection.resolved_mapping,
                owner=f"Projection {projection.name!r}",
                source=RedriveSource("dynamodb", self.stream_arn, table=redrive_table, kms_key_arn=key_arn or None),
                retention_hours=defaults.DYNAMODB_STREAM_RETENTION_HOURS,
                redrive=projection.redrive,
                mapping_overrides=projection.mapping_overrides,
                on_failure_overrides=projection.on_failure_overrides,
                existing_on_failure=projection.existing_on_failure_queue,
            )
            self.projections[projection.name] = consumer
            if consumer.required_statements:
                self.required_statements[projection.name] = consumer.required_statements
        redrive_names = {n: c.redrive.name for n, c in self.projections.items() if c.redrive is not None}
        self.register_outputs(
            {"arn": self.arn, "name": self.name, "stream_arn": self.stream_arn, "redrive_function_names": redrive_names}
        )

    def _told_the_store(self, projection: Projection) -> ServerlessFunctionArgs | ExistingFunction:
        """The projection's function, a new one given the store's name when it updates the store."""
        consumer = projection.consumer
        if not projection.update_store or not isinstance(consumer, ServerlessFunctionArgs):
            return consumer
        return replace(consumer, environment={**consumer.environment, STORE_TABLE_VARIABLE: self.name})
