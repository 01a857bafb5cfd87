"""Application Auto Scaling: scalable targets, target-tracking policies and scheduled actions (registered with
their bounds, targets and schedules; the emulator never scales anything, so a provisioned table keeps the capacity
it was created with)."""

from __future__ import annotations

from typing import Any

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import Creator, DeployContext, Outputs, compact, physical_name, value

SERVICE = "application-autoscaling"


def target(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    fields = {key: value(args, key) for key in ("serviceNamespace", "resourceId", "scalableDimension")}
    response = ctx.client(SERVICE).register_scalable_target(
        ServiceNamespace=fields["serviceNamespace"],
        ResourceId=fields["resourceId"],
        ScalableDimension=fields["scalableDimension"],
        MinCapacity=int(value(args, "minCapacity")),
        MaxCapacity=int(value(args, "maxCapacity")),
        **compact(RoleARN=value(args, "roleArn")),
    )
    arn = response.get("ScalableTargetARN") or ctx.arn(SERVICE, f"scalable-target/{fields['resourceId']}")
    return str(fields["resourceId"]), {**fields, "arn": arn}


def policy(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    tracking = value(args, "targetTrackingScalingPolicyConfiguration")
    response = ctx.client(SERVICE).put_scaling_policy(
        PolicyName=name,
        ServiceNamespace=value(args, "serviceNamespace"),
        ResourceId=value(args, "resourceId"),
        ScalableDimension=value(args, "scalableDimension"),
        **compact(
            PolicyType=value(args, "policyType"),
            TargetTrackingScalingPolicyConfiguration=_pascal(tracking) if tracking else None,
        ),
    )
    return name, {"name": name, "arn": response["PolicyARN"], "alarmArns": []}


def scheduled_action(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    action = value(args, "scalableTargetAction") or {}
    ctx.client(SERVICE).put_scheduled_action(
        ServiceNamespace=value(args, "serviceNamespace"),
        ScheduledActionName=name,
        ResourceId=value(args, "resourceId"),
        ScalableDimension=value(args, "scalableDimension"),
        Schedule=value(args, "schedule"),
        ScalableTargetAction=_pascal({key: int(number) for key, number in action.items()}),
        **compact(Timezone=value(args, "timezone")),
    )
    arn = ctx.arn(SERVICE, f"scheduled-action/{value(args, 'resourceId')}/{name}")
    return name, {"name": name, "arn": arn}


def _pascal(data: Any) -> Any:
    """A nested input in the wire's camelCase as the API's PascalCase (``targetValue`` → ``TargetValue``)."""
    if isinstance(data, dict):
        return {key[:1].upper() + key[1:]: _pascal(item) for key, item in data.items()}
    if isinstance(data, list):
        return [_pascal(item) for item in data]
    return data


#: DescribeScalableTargets needs a namespace, so nothing is warmed up.
WARM_UP: dict[str, str] = {}
RESOURCES: dict[str, Creator] = {
    "aws:appautoscaling/target:Target": target,
    "aws:appautoscaling/policy:Policy": policy,
    "aws:appautoscaling/scheduledAction:ScheduledAction": scheduled_action,
}
