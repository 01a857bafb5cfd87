"""Log groups with retention: created by us, so no service ever creates an unmanaged one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_aws import cloudwatch

from pulumi_wasp.components.shared import children
from pulumi_wasp.components.shared.context import StackContext


def log_group(
    name: str,
    log_group_name: pulumi.Input[str],
    *,
    context: StackContext,
    parent: pulumi.Resource,
    tags: dict[str, str],
    retention_days: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    overrides_arg: str = "",
    kms_key_id: pulumi.Input[str] | None = None,
) -> cloudwatch.LogGroup:
    """``overrides`` (keyword arguments of ``aws.cloudwatch.LogGroup``, named ``overrides_arg`` in errors) merge
    over the defaults (see :func:`children.resource_kwargs`). ``kms_key_id``: the ARN of a customer-managed key to
    encrypt the group with (None: CloudWatch Logs' own encryption); its policy must let CloudWatch Logs use it
    (:func:`~pulumi_wasp.components.shared.kms.log_group_statement`)."""
    defaults = {
        "name": log_group_name,
        "retention_in_days": retention_days or context.log_retention_days,
        "kms_key_id": kms_key_id,
        "tags": tags,
    }
    options = pulumi.ResourceOptions(parent=parent)
    return children.create(
        cloudwatch.LogGroup, f"{name}-logs", defaults, overrides or {}, arg=overrides_arg, opts=options
    )
