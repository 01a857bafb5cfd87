"""EventBridge: buses, rules (patterns and schedules), targets with retry policy and DLQ, archives.

Targets are stored in the emulator with every field (RetryPolicy, DeadLetterConfig, Input...):
the runtime reads them back from there when a rule matches.
"""

from __future__ import annotations

from typing import Any

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import (
    Creator,
    DeployContext,
    Outputs,
    compact,
    integer,
    physical_name,
    tag_list,
    value,
)


def bus(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    arn = ctx.client("events").create_event_bus(Name=name, Tags=tag_list(args))["EventBusArn"]
    ctx.registry.record("buses", args.name, name)
    return name, {"name": name, "arn": arn}


def rule(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name, bus_name = physical_name(args), value(args, "eventBusName") or "default"
    schedule = value(args, "scheduleExpression")
    request = compact(
        EventPattern=value(args, "eventPattern"),
        ScheduleExpression=schedule,
        Description=value(args, "description"),
        RoleArn=value(args, "roleArn"),
        State=value(args, "state") or ("DISABLED" if value(args, "isEnabled") is False else "ENABLED"),
    )
    arn = ctx.client("events").put_rule(Name=name, EventBusName=bus_name, Tags=tag_list(args), **request)["RuleArn"]
    if schedule:
        ctx.registry.record("scheduled_rules", f"{bus_name}/{name}", arn)
    return f"{bus_name}/{name}", {"name": name, "arn": arn}


def _target(args: MockResourceArgs, target_id: str) -> dict[str, Any]:
    retry = value(args, "retryPolicy") or {}
    transformer = value(args, "inputTransformer")
    return compact(
        Id=target_id,
        Arn=value(args, "arn"),
        RoleArn=value(args, "roleArn"),
        Input=value(args, "input"),
        InputPath=value(args, "inputPath"),
        InputTransformer=compact(
            InputPathsMap=transformer.get("inputPaths"), InputTemplate=transformer["inputTemplate"]
        )
        if transformer
        else None,
        RetryPolicy=compact(
            MaximumRetryAttempts=int(retry["maximumRetryAttempts"]) if "maximumRetryAttempts" in retry else None,
            MaximumEventAgeInSeconds=int(retry["maximumEventAgeInSeconds"])
            if "maximumEventAgeInSeconds" in retry
            else None,
        )
        or None,
        DeadLetterConfig={"Arn": value(args, "deadLetterConfig")["arn"]} if value(args, "deadLetterConfig") else None,
        SqsParameters={"MessageGroupId": value(args, "sqsTarget")["messageGroupId"]}
        if value(args, "sqsTarget")
        else None,
    )


def target(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    rule_name, bus_name = value(args, "rule"), value(args, "eventBusName") or "default"
    target_id = value(args, "targetId") or physical_name(args, "targetId")
    spec = _target(args, target_id)
    response = ctx.client("events").put_targets(Rule=rule_name, EventBusName=bus_name, Targets=[spec])
    if response.get("FailedEntryCount"):
        raise RuntimeError(f"PutTargets failed: {response['FailedEntries']}")
    ctx.registry.dead_letter(spec.get("DeadLetterConfig", {}).get("Arn"))
    return f"{bus_name}-{rule_name}-{target_id}", {"targetId": target_id}


def archive(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    request = compact(
        Description=value(args, "description"),
        EventPattern=value(args, "eventPattern"),
        RetentionDays=integer(args, "retentionDays"),
    )
    arn = ctx.client("events").create_archive(
        ArchiveName=name, EventSourceArn=value(args, "eventSourceArn"), **request
    )["ArchiveArn"]
    return name, {"name": name, "arn": arn}


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"events": "list_event_buses"}
RESOURCES: dict[str, Creator] = {
    "aws:cloudwatch/eventBus:EventBus": bus,
    "aws:cloudwatch/eventRule:EventRule": rule,
    "aws:cloudwatch/eventTarget:EventTarget": target,
    "aws:cloudwatch/eventArchive:EventArchive": archive,
}
