"""Provisioned DynamoDB capacity that scales: Application Auto Scaling targets and target-tracking policies for the
reads and writes of a table and of each of its global secondary indexes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pulumi
from pulumi_aws import appautoscaling

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import names
from pulumi_wasp.components.shared.context import StackContext

Kind = Literal["read", "write"]
#: Per kind: the capacity unit scaled (``dynamodb:table:<it>`` or ``dynamodb:index:<it>``) and the metric tracked.
_DIMENSIONS: dict[Kind, tuple[str, str]] = {
    "read": ("ReadCapacityUnits", "DynamoDBReadCapacityUtilization"),
    "write": ("WriteCapacityUnits", "DynamoDBWriteCapacityUtilization"),
}


@dataclass(frozen=True, kw_only=True)
class CapacityScaling:
    """Capacity units of one kind kept between ``min_capacity`` and ``max_capacity`` by target tracking, so that
    consumed capacity stays near ``target_utilization`` percent of provisioned."""

    #: defaults.TABLE_MIN_CAPACITY (5, the guide's ``minCapacity``); also the capacity the table is created with.
    min_capacity: int = defaults.TABLE_MIN_CAPACITY
    #: defaults.TABLE_MAX_CAPACITY (100, the guide's ``maxCapacity``): the cost ceiling; requests beyond it throttle.
    max_capacity: int = defaults.TABLE_MAX_CAPACITY
    #: defaults.TABLE_TARGET_UTILIZATION (70 %): headroom for a burst while scaling out (minutes); 20..90.
    target_utilization: float = defaults.TABLE_TARGET_UTILIZATION

    def validate(self, arg: str) -> None:
        for bound in ("min_capacity", "max_capacity"):
            value = getattr(self, bound)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{arg}.{bound} must be a whole number of capacity units ≥ 1, got {value!r}")
        if self.min_capacity > self.max_capacity:
            raise ValueError(f"{arg}: min_capacity ({self.min_capacity}) must be ≤ max_capacity ({self.max_capacity})")
        low, high = defaults.TABLE_TARGET_UTILIZATION_RANGE
        target = self.target_utilization
        if isinstance(target, bool) or not isinstance(target, int | float) or not low <= target <= high:
            raise ValueError(
                f"{arg}.target_utilization must be {low:g}..{high:g} percent (Application Auto Scaling's range for "
                f"DynamoDB), got {target!r}"
            )


@dataclass(frozen=True, kw_only=True)
class ProvisionedCapacity:
    """Read and write capacity of a provisioned table or index, each auto-scaled (the guide's defaults)."""

    read: CapacityScaling = field(default_factory=CapacityScaling)
    write: CapacityScaling = field(default_factory=CapacityScaling)

    def validate(self, arg: str) -> None:
        for kind in ("read", "write"):
            scaling = getattr(self, kind)
            if not isinstance(scaling, CapacityScaling):
                raise ValueError(f"{arg}.{kind} must be a CapacityScaling, got {type(scaling).__name__}")
            scaling.validate(f"{arg}.{kind}")


@dataclass
class ScaledCapacity:
    """One scalable target and the target-tracking policy on it."""

    target: appautoscaling.Target
    policy: appautoscaling.Policy


def autoscale(
    name: str,
    table_name: pulumi.Input[str],
    capacity: ProvisionedCapacity,
    *,
    index: str | None = None,
    context: StackContext,
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> dict[Kind, ScaledCapacity]:
    """Reads and writes of the table ``table_name`` (or of its global index ``index``) scaled per ``capacity``.

    No role is given: Application Auto Scaling uses its DynamoDB service-linked role
    (AWSServiceRoleForApplicationAutoScaling_DynamoDBTable), creating it on first use.
    """
    resource_id = pulumi.Output.concat("table/", table_name, *(("/index/", index) if index else ()))
    scope = "index" if index else "table"
    scaled: dict[Kind, ScaledCapacity] = {}
    for kind, (unit, metric) in _DIMENSIONS.items():
        scaling: CapacityScaling = getattr(capacity, kind)
        prefix = f"{name}-{index}-{kind}" if index else f"{name}-{kind}"
        child = pulumi.ResourceOptions(parent=parent)
        target = appautoscaling.Target(
            f"{prefix}-target",
            service_namespace="dynamodb",
            resource_id=resource_id,
            scalable_dimension=f"dynamodb:{scope}:{unit}",
            min_capacity=scaling.min_capacity,
            max_capacity=scaling.max_capacity,
            tags=tags,
            opts=child,
        )
        policy = appautoscaling.Policy(
            f"{prefix}-scaling",
            name=context.auto_name(f"{prefix}-scaling", names.SCALING_POLICY),
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            resource_id=target.resource_id,
            scalable_dimension=target.scalable_dimension,
            target_tracking_scaling_policy_configuration={
                "predefined_metric_specification": {"predefined_metric_type": metric},
                "target_value": float(scaling.target_utilization),
            },
            opts=child,
        )
        scaled[kind] = ScaledCapacity(target, policy)
    return scaled
