"""CloudWatch: log groups with retention (and a customer-managed key, whose policy must let CloudWatch Logs use it:
"Encrypt log data in CloudWatch Logs using AWS Key Management Service",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html), metric alarms and dashboards
(stored; alarms never evaluate)."""

from __future__ import annotations

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import (
    Creator,
    DeployContext,
    Outputs,
    compact,
    integer,
    physical_name,
    tag_list,
    tags,
    value,
)


def log_group(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    logs = ctx.client("logs")
    key = value(args, "kmsKeyId")
    if key:
        # CloudWatch Logs tries the key for the group as it creates it: a key policy that does not let
        # logs.<region>.amazonaws.com use it for this group fails the creation (moto never checks).
        ctx.emulator.authorize_log_group_key(name, key)
    logs.create_log_group(logGroupName=name, tags=tags(args), **compact(kmsKeyId=key))
    retention = integer(args, "retentionInDays")
    if retention:
        logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
    return name, {"name": name, "arn": ctx.arn("logs", f"log-group:{name}")}


def metric_alarm(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    dimensions = [{"Name": k, "Value": str(v)} for k, v in (value(args, "dimensions") or {}).items()]
    request = compact(
        AlarmDescription=value(args, "alarmDescription"),
        Namespace=value(args, "namespace"),
        MetricName=value(args, "metricName"),
        Statistic=value(args, "statistic"),
        Period=integer(args, "period"),
        EvaluationPeriods=integer(args, "evaluationPeriods"),
        Threshold=value(args, "threshold"),
        ComparisonOperator=value(args, "comparisonOperator"),
        TreatMissingData=value(args, "treatMissingData"),
        AlarmActions=value(args, "alarmActions"),
        OKActions=value(args, "okActions"),
    )
    ctx.client("cloudwatch").put_metric_alarm(AlarmName=name, Dimensions=dimensions, Tags=tag_list(args), **request)
    return name, {"arn": ctx.arn("cloudwatch", f"alarm:{name}"), "name": name}


def dashboard(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = value(args, "dashboardName") or physical_name(args)
    ctx.client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=value(args, "dashboardBody"))
    return name, {"dashboardArn": f"arn:aws:cloudwatch::{ctx.account_id}:dashboard/{name}"}


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"logs": "describe_log_groups", "cloudwatch": "describe_alarms"}
RESOURCES: dict[str, Creator] = {
    "aws:cloudwatch/logGroup:LogGroup": log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": metric_alarm,
    "aws:cloudwatch/dashboard:Dashboard": dashboard,
}
