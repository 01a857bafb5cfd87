"""Table: a DynamoDB table with on-demand (or auto-scaled provisioned) capacity, point-in-time recovery and
encryption.

Secondary indexes are declared with their keys' types; the table's attribute definitions are derived from the
keys of the table and of every index (each attribute once), so a key can neither go undeclared nor be declared
twice with different types. :class:`ExistingTable` refers to a table the toolkit did not create, for a component
that reads or writes one (an EventStore over an existing event log).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
from pulumi_aws import dynamodb

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import children, names
from pulumi_wasp.components.shared.capacity import Kind, ProvisionedCapacity, ScaledCapacity, autoscale
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.kms import customer_key_arn
from pulumi_wasp.components.shared.tokens import component_type

KeyType = Literal["S", "N", "B"]
#: What an index holds besides its keys: every attribute, only the keys, or the keys and the attributes named.
IndexProjection = Literal["ALL", "KEYS_ONLY"] | tuple[Literal["INCLUDE"], Sequence[str]]

BillingMode = Literal["PAY_PER_REQUEST", "PROVISIONED"]
BILLING_MODES = ("PAY_PER_REQUEST", "PROVISIONED")
STREAM_VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
#: What auto-scaling changes on a provisioned table: the program keeps the capacity it was created with, so a
#: ``pulumi up`` must not reset what Application Auto Scaling set since (``pulumi refresh`` shows the live values).
_SCALED_PROPERTIES = [
    "readCapacity",
    "writeCapacity",
    "globalSecondaryIndexes[*].readCapacity",
    "globalSecondaryIndexes[*].writeCapacity",
]
#: DynamoDB's rule for table and index names.
_INDEX_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_TABLE_ARN = re.compile(r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/(?P<name>[A-Za-z0-9_.-]{3,255})")
_STREAM_ARN = re.compile(rf"(?P<table>{_TABLE_ARN.pattern})/stream/[^/]+")


@dataclass(frozen=True)
class GlobalSecondaryIndex:
    """A global secondary index: another partition (and sort) key over the table's items, added or removed at any
    time (DynamoDB backfills a new one).

    **Sparse indexes** are a property of the data, not a setting DynamoDB has: an item without the index's key
    attribute(s) is not in the index. Key an index on an attribute only some items carry (e.g. ``openedAt`` set
    while an order is open, removed when it closes) and the index holds only those items, so a query or scan on it
    reads (and pays for) only them. ``sparse=True`` states that intent and is checked: a sparse index must not
    key on the table's own key attributes, which every item has.
    """

    name: str
    hash_key: str
    hash_key_type: KeyType = "S"
    range_key: str | None = None
    range_key_type: KeyType = "S"
    #: "ALL" (default: any query can be answered from the index, at the cost of storing every attribute again),
    #: "KEYS_ONLY", or ("INCLUDE", [attribute, ...]).
    projection: IndexProjection = "ALL"
    sparse: bool = False
    #: Provisioned tables only: the index's own read and write scaling (None: the table's ``capacity``).
    capacity: ProvisionedCapacity | None = None


@dataclass(frozen=True)
class LocalSecondaryIndex:
    """A local secondary index: the table's partition key with another sort key. DynamoDB creates LSIs only with
    the table: adding, changing or removing one replaces the table (its data is lost unless restored), so declare
    them up front. The table needs a sort key, and each partition key value's items (table and LSIs together) are
    limited to 10 GB."""

    name: str
    range_key: str
    range_key_type: KeyType = "S"
    #: As for :class:`GlobalSecondaryIndex` ("ALL" by default).
    projection: IndexProjection = "ALL"


@dataclass(kw_only=True)
class TableArgs:
    """Arguments of :class:`Table`."""

    #: Partition key name and type.
    hash_key: str
    hash_key_type: KeyType = "S"
    #: Optional sort key name and type.
    range_key: str | None = None
    range_key_type: KeyType = "S"
    #: defaults.TABLE_STREAM_VIEW_TYPE (None: no stream): a stream is for a consumer; pass "NEW_IMAGE",
    #: "NEW_AND_OLD_IMAGES", "OLD_IMAGE" or "KEYS_ONLY" when one reads it.
    stream_view_type: str | None = defaults.TABLE_STREAM_VIEW_TYPE
    #: Attribute holding an epoch-seconds expiry; DynamoDB deletes expired items for free.
    ttl_attribute: str | None = None
    #: defaults.TABLE_POINT_IN_TIME_RECOVERY (on): restores to any second of the last 35 days.
    point_in_time_recovery: bool = defaults.TABLE_POINT_IN_TIME_RECOVERY
    #: A customer-managed key's ARN for encryption at rest (None: the AWS-managed ``alias/aws/dynamodb``, whose
    #: policy lets the account's principals use it through DynamoDB: nothing to grant). Readers and writers of the
    #: table and of its stream need ``iam.kms_decrypt(key_arn, "dynamodb")`` (EventStore grants its projections);
    #: its key policy must delegate to IAM.
    kms_key_arn: pulumi.Input[str] | None = None
    #: Refuse deletion (turn on in production stacks).
    deletion_protection: bool = False
    #: defaults.TABLE_BILLING_MODE ("PAY_PER_REQUEST", on demand): no capacity to plan and no throttling at an
    #: unforeseen peak, at a higher price per request. "PROVISIONED" is cheaper for steady, predictable traffic:
    #: reads and writes of the table and of each global index are then auto-scaled per ``capacity``.
    billing_mode: BillingMode = defaults.TABLE_BILLING_MODE
    #: Provisioned mode only (an error on demand): read and write scaling. None: ``ProvisionedCapacity()``, the
    #: guide's 5..100 units at 70 % target utilization (defaults.TABLE_MIN_CAPACITY, TABLE_MAX_CAPACITY,
    #: TABLE_TARGET_UTILIZATION).
    capacity: ProvisionedCapacity | None = None
    #: At most defaults.TABLE_MAX_GLOBAL_INDEXES (20, the default quota per table).
    global_secondary_indexes: Sequence[GlobalSecondaryIndex] = ()
    #: At most defaults.TABLE_MAX_LOCAL_INDEXES (5); only at table creation (see :class:`LocalSecondaryIndex`).
    local_secondary_indexes: Sequence[LocalSecondaryIndex] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None
    #: Keyword arguments of ``aws.dynamodb.Table`` merged over the table's defaults (``tags`` merge, other keys,
    #: lists included, replace). An unknown key is an error; turning off point-in-time recovery or on-demand
    #: capacity warns naming dynamodb-pitr or dynamodb-scalable-capacity, turning off the AWS-managed KMS key
    #: (or, where the component turned it on, deletion protection) warns that no rule will catch it.
    overrides: Mapping[str, Any] = field(default_factory=dict)
    #: How errors and warnings name ``overrides`` (a component composing a Table names its own arg).
    overrides_arg: str = "TableArgs.overrides"

    def validate(self) -> None:
        if not self.hash_key:
            raise ValueError("TableArgs.hash_key is empty")
        if self.range_key == self.hash_key:
            raise ValueError("TableArgs.range_key must differ from hash_key")
        if self.stream_view_type is not None and self.stream_view_type not in STREAM_VIEW_TYPES:
            raise ValueError(
                f"TableArgs.stream_view_type must be one of {', '.join(STREAM_VIEW_TYPES)}, "
                f"got {self.stream_view_type!r}"
            )
        if isinstance(self.kms_key_arn, str) and self.kms_key_arn.startswith("alias/"):
            raise ValueError(
                f"TableArgs.kms_key_arn: give a customer-managed key's ARN, got {self.kms_key_arn!r} (leave it None "
                "for the AWS-managed alias/aws/dynamodb)"
            )
        customer_key_arn(self.kms_key_arn, "TableArgs.kms_key_arn")
        self._validate_capacity()
        self._validate_indexes()
        self.attribute_types()

    def _validate_capacity(self) -> None:
        if self.billing_mode not in BILLING_MODES:
            raise ValueError(
                f"TableArgs.billing_mode must be one of {', '.join(BILLING_MODES)}, got {self.billing_mode!r}"
            )
        provisioned = self.billing_mode == "PROVISIONED"
        scaled = [("TableArgs.capacity", self.capacity)] + [
            (f"TableArgs.global_secondary_indexes[{index.name!r}].capacity", index.capacity)
            for index in self.global_secondary_indexes
        ]
        for arg, capacity in scaled:
            if capacity is None:
                continue
            if not provisioned:
                raise ValueError(
                    f'{arg} applies only with billing_mode="PROVISIONED" (an on-demand table has no capacity to '
                    "scale); remove it or set TableArgs.billing_mode"
                )
            if not isinstance(capacity, ProvisionedCapacity):
                raise ValueError(f"{arg} must be a ProvisionedCapacity, got {type(capacity).__name__}")
            capacity.validate(arg)

    @property
    def provisioned_capacity(self) -> ProvisionedCapacity | None:
        """The table's scaling in provisioned mode (``capacity`` or the defaults), None on demand."""
        if self.billing_mode != "PROVISIONED":
            return None
        return self.capacity or ProvisionedCapacity()

    def _validate_indexes(self) -> None:
        gsis, lsis = self.global_secondary_indexes, self.local_secondary_indexes
        if len(gsis) > defaults.TABLE_MAX_GLOBAL_INDEXES:
            raise ValueError(
                f"TableArgs.global_secondary_indexes: at most {defaults.TABLE_MAX_GLOBAL_INDEXES} per table "
                f"(DynamoDB's default quota), got {len(gsis)}"
            )
        if len(lsis) > defaults.TABLE_MAX_LOCAL_INDEXES:
            raise ValueError(
                f"TableArgs.local_secondary_indexes: at most {defaults.TABLE_MAX_LOCAL_INDEXES} per table, got {len(lsis)}"
            )
        if lsis and not self.range_key:
            raise ValueError("TableArgs.local_secondary_indexes need a table with a range_key (a composite key)")
        seen: set[str] = set()
        included = 0
        indexes = [("global_secondary_indexes", i) for i in gsis] + [("local_secondary_indexes", i) for i in lsis]
        table_keys = {self.hash_key, self.range_key}
        for arg, index in indexes:
            where = f"TableArgs.{arg}[{index.name!r}]"
            if not _INDEX_NAME.fullmatch(index.name):
                raise ValueError(f"{where}: an index name is 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.'")
            if index.name in seen:
                raise ValueError(f"{where}: index names must be unique across the table's indexes")
            seen.add(index.name)
            if isinstance(index, GlobalSecondaryIndex):
                if not index.hash_key:
                    raise ValueError(f"{where}.hash_key is empty")
                if index.range_key == index.hash_key:
                    raise ValueError(f"{where}.range_key must differ from hash_key")
                if index.sparse and {index.hash_key, index.range_key} & table_keys:
                    raise ValueError(
                        f"{where} is sparse but keys on the table's key attribute(s) "
                        f"{sorted(k for k in {index.hash_key, index.range_key} & table_keys if k)}, which every item "
                        "has: key it on attributes only some items carry"
                    )
            elif not index.range_key:
                raise ValueError(f"{where}.range_key is empty")
            included += len(_non_key_attributes(where, index.projection))
        if included > defaults.TABLE_MAX_PROJECTED_ATTRIBUTES:
            raise ValueError(
                f"TableArgs: the INCLUDE projections name {included} attributes across the indexes; DynamoDB allows "
                f"at most {defaults.TABLE_MAX_PROJECTED_ATTRIBUTES} (an attribute projected into two indexes counts "
                "twice)"
            )

    def attribute_types(self) -> dict[str, KeyType]:
        """Each key attribute of the table and its indexes, once, with its type (an error on two types)."""
        declared: dict[str, tuple[KeyType, str]] = {}

        def declare(attribute: str, kind: KeyType, where: str) -> None:
            if attribute in declared and declared[attribute][0] != kind:
                first_kind, first_where = declared[attribute]
                raise ValueError(
                    f"TableArgs: key attribute {attribute!r} is {first_kind} as {first_where} but {kind} as {where}; "
                    "an attribute has one type"
                )
            declared.setdefault(attribute, (kind, where))

        declare(self.hash_key, self.hash_key_type, "hash_key")
        if self.range_key:
            declare(self.range_key, self.range_key_type, "range_key")
        for gsi in self.global_secondary_indexes:
            declare(gsi.hash_key, gsi.hash_key_type, f"global_secondary_indexes[{gsi.name!r}].hash_key")
            if gsi.range_key:
                declare(gsi.range_key, gsi.range_key_type, f"global_secondary_indexes[{gsi.name!r}].range_key")
        for lsi in self.local_secondary_indexes:
            declare(lsi.range_key, lsi.range_key_type, f"local_secondary_indexes[{lsi.name!r}].range_key")
        return {attribute: kind for attribute, (kind, _) in declared.items()}


def _non_key_attributes(where: str, projection: IndexProjection) -> list[str]:
    """The attributes an INCLUDE projection names (none for ALL and KEYS_ONLY), validated."""
    if projection in ("ALL", "KEYS_ONLY"):
        return []
    if not (isinstance(projection, tuple) and len(projection) == 2 and projection[0] == "INCLUDE"):
        raise ValueError(
            f'{where}.projection must be "ALL", "KEYS_ONLY" or ("INCLUDE", [attribute, ...]), got {projection!r}'
        )
    attributes = projection[1]
    if isinstance(attributes, str) or not attributes:
        raise ValueError(
            f'{where}.projection: ("INCLUDE", ...) takes a non-empty list of attribute names, got {attributes!r} '
            '(use "KEYS_ONLY" to project no attribute)'
        )
    if len(set(attributes)) != len(attributes):
        raise ValueError(f"{where}.projection: INCLUDE names an attribute twice in {list(attributes)}")
    return list(attributes)


def _projection(projection: IndexProjection) -> tuple[str, list[str] | None]:
    if isinstance(projection, tuple):
        return "INCLUDE", list(projection[1])
    return projection, None


class Table(pulumi.ComponentResource):
    """An on-demand (or auto-scaled provisioned), encrypted, recoverable DynamoDB table.

    Outputs: ``arn`` and ``name`` are the table's; ``stream_arn`` its stream's (when ``stream_view_type`` is set).
    DynamoDB has no URL for a table. Reading an index needs its ARN, ``<arn>/index/<name>``: the read grants of
    :mod:`~pulumi_wasp.components.shared.iam` cover ``<arn>/index/*``.

    In provisioned mode the table and each global index are created with their ``min_capacity`` and get an
    Application Auto Scaling target and target-tracking policy per kind (``scaling``, keyed ``"table"`` and each
    index's name); the table ignores later capacity changes so ``pulumi up`` never resets what auto-scaling set.

    Example::

        orders = Table("orders", TableArgs(
            hash_key="orderId",
            global_secondary_indexes=[
                GlobalSecondaryIndex("by-customer", "customerId", range_key="createdAt"),
                # sparse: only open orders carry openedAt, so the index holds only them
                GlobalSecondaryIndex("open", "openedAt", hash_key_type="N", projection="KEYS_ONLY", sparse=True),
            ]))
        # What the args do not name, merged over the defaults (tags merge):
        audit = Table("audit", TableArgs(hash_key="id", overrides={"table_class": "STANDARD_INFREQUENT_ACCESS"}))

    A table the toolkit did not create is an :class:`ExistingTable` of the component that uses it.
    """

    table: dynamodb.Table
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    stream_arn: pulumi.Output[str]
    #: The customer-managed key the table is encrypted with (None: the AWS-managed key).
    kms_key_arn: pulumi.Input[str] | None
    #: Provisioned mode: the read and write scaling of the table (key "table") and of each global index (its name).
    scaling: dict[str, dict[Kind, ScaledCapacity]]

    def __init__(self, name: str, args: TableArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("table", "Table", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        attributes = [dynamodb.TableAttributeArgs(name=n, type=t) for n, t in args.attribute_types().items()]
        capacity = args.provisioned_capacity
        table_defaults: dict[str, Any] = {
            "name": context.auto_name(f"{name}-table", names.TABLE),
            "billing_mode": args.billing_mode,
            "read_capacity": capacity.read.min_capacity if capacity else None,
            "write_capacity": capacity.write.min_capacity if capacity else None,
            "hash_key": args.hash_key,
            "range_key": args.range_key,
            "attributes": attributes,
            "global_secondary_indexes": [_global_index(i, capacity) for i in args.global_secondary_indexes] or None,
            "local_secondary_indexes": [_local_index(i) for i in args.local_secondary_indexes] or None,
            "stream_enabled": bool(args.stream_view_type) or None,
            "stream_view_type": args.stream_view_type,
            "ttl": _ttl(args.ttl_attribute),
            "point_in_time_recovery": {"enabled": args.point_in_time_recovery},
            "server_side_encryption": {
                "enabled": True,
                **({"kms_key_arn": args.kms_key_arn} if args.kms_key_arn else {}),
            },
            "deletion_protection_enabled": args.deletion_protection,
            "tags": context.tags_for(args.tags),
        }
        kwargs = children.resource_kwargs(
            dynamodb.Table, table_defaults, args.overrides, arg=args.overrides_arg, logical_name=f"{name}-table"
        )
        self.table = dynamodb.Table(
            f"{name}-table",
            **kwargs,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=_SCALED_PROPERTIES if capacity else None),
        )
        #: What the table was given (overrides included), for a component adopting it (:class:`ExistingTable`).
        self.hash_key: pulumi.Input[str] = kwargs["hash_key"]
        self.range_key: pulumi.Input[str] | None = kwargs["range_key"]
        self.stream_view_type: pulumi.Input[str] | None = kwargs["stream_view_type"]
        self.arn, self.name, self.stream_arn = self.table.arn, self.table.name, self.table.stream_arn
        self.kms_key_arn = args.kms_key_arn
        self.scaling = self._autoscale(name, args, context) if capacity else {}
        self.register_outputs({"arn": self.arn, "name": self.name, "stream_arn": self.stream_arn})

    def _autoscale(self, name: str, args: TableArgs, context: StackContext) -> dict[str, dict[Kind, ScaledCapacity]]:
        capacity = args.provisioned_capacity
        assert capacity is not None  # provisioned
        tags = context.tags_for(args.tags)
        scaled = {"table": autoscale(name, self.name, capacity, context=context, tags=tags, parent=self)}
        for index in args.global_secondary_indexes:
            scaled[index.name] = autoscale(
                name,
                self.name,
                index.capacity or capacity,
                index=index.name,
                context=context,
                tags=tags,
                parent=self,
            )
        return scaled


@dataclass(frozen=True, kw_only=True)
class ExistingTable:
    """A table a component uses but does not create: a :class:`Table`, an ``aws.dynamodb.Table``, or its ARN (and
    its stream's ARN, for a component that reads the stream). Nothing is looked up.

    From a resource the component checks, once known, what it was given (its keys and stream view type against what
    the component needs); from bare ARNs it checks nothing and logs what it could not. A table's name alone is not
    enough: IAM grants name its ARN, which holds the account only a lookup would find. A stream's ARN ends in a
    label DynamoDB chose, so it is given, never derived; the table's ARN is its prefix, so ``stream_arn`` alone
    names both.
    """

    #: The table as a resource; or leave None and give ``arn`` and/or ``stream_arn``.
    table: Table | dynamodb.Table | None = None
    #: ``arn:aws:dynamodb:<region>:<account>:table/<name>``.
    arn: pulumi.Input[str] | None = None
    #: ``<table arn>/stream/<label>``: the table's latest stream (its ``LatestStreamArn``).
    stream_arn: pulumi.Input[str] | None = None

    def validate(self, arg: str) -> None:
        bare = self.arn is not None or self.stream_arn is not None
        if (self.table is None) == (not bare):
            raise ValueError(f"{arg}: give table= (a resource) or arn= and/or stream_arn=, not both and not neither")
        if isinstance(self.arn, str) and not _TABLE_ARN.fullmatch(self.arn):
            raise ValueError(f"{arg}.arn must be arn:aws:dynamodb:<region>:<account>:table/<name>, got {self.arn!r}")
        if isinstance(self.stream_arn, str):
            match = _STREAM_ARN.fullmatch(self.stream_arn)
            if not match:
                raise ValueError(f"{arg}.stream_arn must be <table arn>/stream/<label>, got {self.stream_arn!r}")
            if isinstance(self.arn, str) and match["table"] != self.arn:
                raise ValueError(f"{arg}.stream_arn {self.stream_arn!r} is not a stream of {self.arn!r}")

    def require_stream(self, arg: str, why: str) -> None:
        """Fail unless a bare table names its stream (``why``: what reads it)."""
        if self.table is None and self.stream_arn is None:
            raise ValueError(f"{arg}.stream_arn is required: {why} (no lookup at synthesis)")

    @property
    def table_arn(self) -> pulumi.Output[str]:
        if self.table is not None:
            return self.table.arn
        if self.arn is not None:
            return pulumi.Output.from_input(self.arn)
        stream_arn: pulumi.Output[str] = pulumi.Output.from_input(self.stream_arn)  # type: ignore[arg-type]
        return stream_arn.apply(lambda arn: arn.split("/stream/", 1)[0])

    @property
    def table_name(self) -> pulumi.Output[str]:
        if self.table is not None:
            return self.table.name
        return self.table_arn.apply(lambda arn: arn.split(":table/", 1)[-1])

    @property
    def table_stream_arn(self) -> pulumi.Output[str]:
        if self.table is not None:
            return self.table.stream_arn
        return pulumi.Output.from_input(self.stream_arn)  # type: ignore[arg-type]

    def check(
        self, owner: str, arg: str, *, hash_key: str, range_key: str | None, stream_view_types: Sequence[str] = ()
    ) -> None:
        """Check the keys (and, given ``stream_view_types``, the stream) of a table resource once known; for bare
        ARNs, log that nothing was checked. Errors name ``arg``."""
        if self.table is None:
            stream = f", its stream's view type ({' or '.join(stream_view_types)})" if stream_view_types else ""
            children.not_checked(
                owner, f"the table's keys ({hash_key}, {range_key}){stream}, its recovery and encryption"
            )
            return
        given = pulumi.Output.all(self.table.hash_key, self.table.range_key, self.table.stream_view_type)

        def problem(known: list[Any]) -> str | None:
            table_hash, table_range, view_type = known
            if (table_hash, table_range) != (hash_key, range_key):
                return f"{arg} is keyed ({table_hash}, {table_range}); it must be keyed ({hash_key}, {range_key})"
            if stream_view_types and view_type not in stream_view_types:
                return (
                    f"{arg} has stream view type {view_type!r}; it needs a stream of type "
                    f"{' or '.join(stream_view_types)}"
                )
            return None

        children.check_known(given, problem)


def _ttl(attribute: str | None) -> dynamodb.TableTtlArgs | None:
    return dynamodb.TableTtlArgs(attribute_name=attribute, enabled=True) if attribute else None


def _global_index(
    index: GlobalSecondaryIndex, table_capacity: ProvisionedCapacity | None
) -> dynamodb.TableGlobalSecondaryIndexArgs:
    projection_type, non_key_attributes = _projection(index.projection)
    capacity = (index.capacity or table_capacity) if table_capacity else None
    return dynamodb.TableGlobalSecondaryIndexArgs(
        name=index.name,
        hash_key=index.hash_key,
        range_key=index.range_key,
        projection_type=projection_type,
        non_key_attributes=non_key_attributes,
        read_capacity=capacity.read.min_capacity if capacity else None,
        write_capacity=capacity.write.min_capacity if capacity else None,
    )


def _local_index(index: LocalSecondaryIndex) -> dynamodb.TableLocalSecondaryIndexArgs:
    projection_type, non_key_attributes = _projection(index.projection)
    return dynamodb.TableLocalSecondaryIndexArgs(
        name=index.name,
        range_key=index.range_key,
        projection_type=projection_type,
        non_key_attributes=non_key_attributes,
    )
