"""EventBridge Scheduler: schedule groups and schedules (stored in the emulator, fired by the runtime)."""

from __future__ import annotations

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import (
    Creator,
    DeployContext,
    Outputs,
    compact,
    physical_name,
    tag_list,
    value,
)


def schedule(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name, group = physical_name(args), value(args, "groupName") or "default"
    target = value(args, "target") or {}
    retry = target.get("retryPolicy") or {}
    window = value(args, "flexibleTimeWindow") or {"mode": "OFF"}
    target_request = compact(
        Arn=target["arn"],
        RoleArn=target["roleArn"],
        Input=target.get("input"),
        RetryPolicy=compact(
            MaximumRetryAttempts=int(retry["maximumRetryAttempts"]) if "maximumRetryAttempts" in retry else None,
            MaximumEventAgeInSeconds=int(retry["maximumEventAgeInSeconds"])
            if "maximumEventAgeInSeconds" in retry
            else None,
        )
        or None,
        DeadLetterConfig={"Arn": target["deadLetterConfig"]["arn"]} if target.get("deadLetterConfig") else None,
    )
    request = compact(
        Description=value(args, "description"),
        ScheduleExpressionTimezone=value(args, "scheduleExpressionTimezone"),
        State=value(args, "state"),
        StartDate=value(args, "startDate"),
        EndDate=value(args, "endDate"),
    )
    arn = ctx.client("scheduler").create_schedule(
        Name=name,
        GroupName=group,
        ScheduleExpression=value(args, "scheduleExpression"),
        FlexibleTimeWindow=compact(
            Mode=window["mode"],
            MaximumWindowInMinutes=int(window["maximumWindowInMinutes"])
            if window.get("maximumWindowInMinutes")
            else None,
        ),
        Target=target_request,
        **request,
    )["ScheduleArn"]
    ctx.registry.record("schedules", f"{group}/{name}", arn)
    ctx.registry.dead_letter(target_request.get("DeadLetterConfig", {}).get("Arn"))
    return f"{group}/{name}", {"name": name, "arn": arn}


def schedule_group(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    arn = ctx.client("scheduler").create_schedule_group(Name=name, Tags=tag_list(args))["ScheduleGroupArn"]
    return name, {"name": name, "arn": arn}


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"scheduler": "list_schedules"}
RESOURCES: dict[str, Creator] = {
    "aws:scheduler/schedule:Schedule": schedule,
    "aws:scheduler/scheduleGroup:ScheduleGroup": schedule_group,
}
