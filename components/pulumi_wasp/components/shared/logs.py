"""Log groups with retention: created by us, so no service ever creates an unmanaged one."""

from __future__ import annotations

import pulumi
from pulumi_aws import cloudwatch

from pulumi_wasp.components.shared.context import StackContext


def log_group(
    name: str,
    log_group_name: pulumi.Input[str],
    *,
    context: StackContext,
    parent: pulumi.Resource,
    tags: dict[str, str],
    retention_days: int | None = None,
) -> cloudwatch.LogGroup:
    return cloudwatch.LogGroup(
        f"{name}-logs",
        name=log_group_name,
        retention_in_days=retention_days or context.log_retention_days,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
