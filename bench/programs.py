"""The generated programs: N units built from the components, and the same resources written flat.

A unit is a Table read by a QueueProcessor (queue, DLQ, function, role, log group, alarms, mapping):
four components, 13 AWS resources. The flat unit registers the same AWS resources with the same
names, inputs and Output wiring through raw pulumi_aws classes, so the difference between the two
programs is what the components themselves cost. :func:`differences` proves the "same resources".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import pulumi
from pulumi_aws import cloudwatch, dynamodb, iam, lambda_, sqs

from pulumi_wasp.components import QueueProcessor, QueueProcessorArgs, ServerlessFunctionArgs, Table, TableArgs
from pulumi_wasp.components import iam as grants
from pulumi_wasp.synthesis.recording import RecordedResource

CODE = ["lambdas/invoices", "lambdas/shared"]
HANDLER = "invoices.worker.handler"
LAYER = "arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:27"


def component_unit(index: int) -> None:
    table = Table(f"table{index}", TableArgs(hash_key="pk"))
    function = ServerlessFunctionArgs(
        handler=HANDLER,
        code=CODE,
        environment={"ORDERS_TABLE": table.name},
        permissions=[*grants.dynamodb_read(table.arn)],
    )
    QueueProcessor(f"worker{index}", QueueProcessorArgs(function=function))


def _tags() -> dict[str, str]:
    return {"project": pulumi.get_project(), "stack": pulumi.get_stack(), "managed-by": "pulumi"}


def _deny_insecure_transport(queue_arn: pulumi.Output[str]) -> pulumi.Output[str]:
    statement = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:*",
        "Resource": queue_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [statement]})


def _alarm(
    name: str, metric: str, namespace: str, dimensions: dict[str, Any], threshold: float, **options: Any
) -> None:
    cloudwatch.MetricAlarm(
        name,
        namespace=namespace,
        metric_name=metric,
        dimensions=dimensions,
        period=300,
        evaluation_periods=1,
        threshold=threshold,
        treat_missing_data="notBreaching",
        alarm_actions=[],
        ok_actions=[],
        tags=_tags(),
        **options,
    )


def flat_unit(index: int) -> None:
    """The resources of :func:`component_unit`, written by hand without components."""
    name, tags = f"worker{index}", _tags()
    physical = f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}"
    table = dynamodb.Table(
        f"table{index}-table",
        billing_mode="PAY_PER_REQUEST",
        hash_key="pk",
        attributes=[{"name": "pk", "type": "S"}],
        point_in_time_recovery={"enabled": True},
        server_side_encryption={"enabled": True},
        deletion_protection_enabled=False,
        tags=tags,
    )
    dlq = sqs.Queue(f"{name}-dlq", message_retention_seconds=1_209_600, sqs_managed_sse_enabled=True, tags=tags)
    sqs.QueuePolicy(f"{name}-dlq-policy", queue_url=dlq.url, policy=_deny_insecure_transport(dlq.arn))
    _alarm(
        f"{name}-dlq-alarm",
        "ApproximateNumberOfMessagesVisible",
        "AWS/SQS",
        {"QueueName": dlq.name},
        1,
        statistic="Maximum",
        comparison_operator="GreaterThanOrEqualToThreshold",
        alarm_description="A message reached the dead-letter queue: inspect it, fix the cause, redrive.",
    )
    queue = sqs.Queue(
        f"{name}-queue",
        visibility_timeout_seconds=65,
        message_retention_seconds=345_600,
        receive_wait_time_seconds=20,
        sqs_managed_sse_enabled=True,
        redrive_policy=dlq.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3})),
        tags=tags,
    )
    sqs.QueuePolicy(f"{name}-queue-policy", queue_url=queue.url, policy=_deny_insecure_transport(queue.arn))
    logs = cloudwatch.LogGroup(f"{name}-logs", name=f"/aws/lambda/{physical}", retention_in_days=14, tags=tags)
    trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    role = iam.Role(
        f"{name}-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [trust]}), tags=tags
    )
    statements = [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [pulumi.Output.concat(logs.arn, ":*")],
        },
        {"Effect": "Allow", "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Resource": ["*"]},
        {
            "Effect": "Allow",
            "Action": ["dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem"],
            "Resource": [table.arn],
        },
        {
            "Effect": "Allow",
            "Action": ["dynamodb:Query"],
            "Resource": [table.arn, pulumi.Output.concat(table.arn, "/index/*")],
        },
        {
            "Effect": "Allow",
            "Action": [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            "Resource": [queue.arn],
        },
    ]
    policy = iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    function = lambda_.Function(
        f"{name}-function",
        name=physical,
        role=role.arn,
        runtime="python3.12",
        architectures=["arm64"],
        handler=HANDLER,
        code=pulumi.AssetArchive({path.split("/")[-1]: pulumi.FileArchive(path) for path in CODE}),
        memory_size=256,
        timeout=10,
        reserved_concurrent_executions=10,
        layers=[LAYER.format(region=pulumi.Config("aws").require("region"))],
        environment={
            "variables": {
                "POWERTOOLS_SERVICE_NAME": name,
                "POWERTOOLS_METRICS_NAMESPACE": pulumi.get_project(),
                "POWERTOOLS_LOG_LEVEL": "INFO",
                "ORDERS_TABLE": table.name,
            }
        },
        tracing_config={"mode": "Active"},
        logging_config={"log_format": "JSON", "log_group": logs.name},
        tags=tags,
        opts=pulumi.ResourceOptions(depends_on=[logs, policy]),
    )
    for metric in ("Errors", "Throttles"):
        _alarm(
            f"{name}-{metric.lower()}",
            metric,
            "AWS/Lambda",
            {"FunctionName": function.name},
            0,
            statistic="Sum",
            comparison_operator="GreaterThanThreshold",
            alarm_description=f"{metric} GreaterThanThreshold 0",
        )
    lambda_.EventSourceMapping(
        f"{name}-mapping",
        event_source_arn=queue.arn,
        function_name=function.arn,
        batch_size=10,
        maximum_batching_window_in_seconds=5,
        function_response_types=["ReportBatchItemFailures"],
        tags=tags,
    )


UNITS: dict[str, Callable[[int], None]] = {"components": component_unit, "flat": flat_unit}


def program(kind: str, units: int) -> Callable[[], None]:
    unit = UNITS[kind]

    def run() -> None:
        for index in range(units):
            unit(index)

    return run


def differences(components: Iterable[RecordedResource], flat: Iterable[RecordedResource]) -> list[str]:
    """How the AWS resources of two programs differ (by type and logical name, then inputs); empty when the same."""
    ours = {(r.type, r.name): r.inputs for r in components if r.custom}
    theirs = {(r.type, r.name): r.inputs for r in flat if r.custom}
    found = [f"only with components: {t} {n}" for t, n in sorted(ours.keys() - theirs.keys())]
    found += [f"only in the flat program: {t} {n}" for t, n in sorted(theirs.keys() - ours.keys())]
    for key in sorted(ours.keys() & theirs.keys()):
        a, b = ours[key], theirs[key]
        keys = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        if keys:
            found.append(f"{key[0]} {key[1]}: inputs differ at {', '.join(keys)}")
    return found
