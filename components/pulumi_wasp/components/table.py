"""Table: a DynamoDB table with on-demand capacity, point-in-time recovery and encryption."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pulumi
from pulumi_aws import dynamodb

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import names
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.tokens import component_type

KeyType = Literal["S", "N", "B"]


@dataclass(kw_only=True)
class TableArgs:
    """Arguments of :class:`Table`."""

    #: Partition key name and type.
    hash_key: str
    hash_key_type: KeyType = "S"
    #: Optional sort key name and type.
    range_key: str | None = None
    range_key_type: KeyType = "S"
    #: Stream view type ("NEW_IMAGE", "NEW_AND_OLD_IMAGES", ...); no stream when None.
    stream_view_type: str | None = None
    #: Attribute holding an epoch-seconds expiry; DynamoDB deletes expired items for free.
    ttl_attribute: str | None = None
    #: defaults.TABLE_POINT_IN_TIME_RECOVERY (on): restores to any second of the last 35 days.
    point_in_time_recovery: bool = defaults.TABLE_POINT_IN_TIME_RECOVERY
    #: Refuse deletion (turn on in production stacks).
    deletion_protection: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None

    def validate(self) -> None:
        if not self.hash_key:
            raise ValueError("TableArgs.hash_key is empty")
        if self.range_key == self.hash_key:
            raise ValueError("TableArgs.range_key must differ from hash_key")
        views = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
        if self.stream_view_type is not None and self.stream_view_type not in views:
            raise ValueError(
                f"TableArgs.stream_view_type must be one of {', '.join(views)}, got {self.stream_view_type!r}"
            )


class Table(pulumi.ComponentResource):
    """An on-demand, encrypted, recoverable DynamoDB table.

    Example::

        orders = Table("orders", TableArgs(hash_key="orderId"))
    """

    table: dynamodb.Table
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    stream_arn: pulumi.Output[str]

    def __init__(self, name: str, args: TableArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("table", "Table", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        attributes = [dynamodb.TableAttributeArgs(name=args.hash_key, type=args.hash_key_type)]
        if args.range_key:
            attributes.append(dynamodb.TableAttributeArgs(name=args.range_key, type=args.range_key_type))
        self.table = dynamodb.Table(
            f"{name}-table",
            name=context.auto_name(f"{name}-table", names.TABLE),
            billing_mode=defaults.TABLE_BILLING_MODE,
            hash_key=args.hash_key,
            range_key=args.range_key,
            attributes=attributes,
            stream_enabled=bool(args.stream_view_type) or None,
            stream_view_type=args.stream_view_type,
            ttl=dynamodb.TableTtlArgs(attribute_name=args.ttl_attribute, enabled=True) if args.ttl_attribute else None,
            point_in_time_recovery={"enabled": args.point_in_time_recovery},
            server_side_encryption={"enabled": True},
            deletion_protection_enabled=args.deletion_protection,
            tags=context.tags_for(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn, self.name, self.stream_arn = self.table.arn, self.table.name, self.table.stream_arn
        self.register_outputs({"arn": self.arn, "name": self.name})
