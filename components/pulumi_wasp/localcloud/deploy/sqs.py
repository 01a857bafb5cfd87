"""SQS: queues (with redrive to their DLQ) and queue policies."""

from __future__ import annotations

import json

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import Creator, DeployContext, Outputs, physical_name, tags, value
from pulumi_wasp.localcloud.deploy.registry import Queue

#: Pulumi input → SQS attribute.
_ATTRIBUTES = {
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "redrivePolicy": "RedrivePolicy",
    "redriveAllowPolicy": "RedriveAllowPolicy",
    "policy": "Policy",
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "deduplicationScope": "DeduplicationScope",
    "fifoThroughputLimit": "FifoThroughputLimit",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
}


def _attribute(raw: object) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def queue(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    if value(args, "fifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {
        attr: _attribute(value(args, key)) for key, attr in _ATTRIBUTES.items() if value(args, key) is not None
    }
    url = ctx.client("sqs").create_queue(QueueName=name, Attributes=attributes, tags=tags(args))["QueueUrl"]
    arn = ctx.arn("sqs", name)
    dlq_arn = json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"] if "RedrivePolicy" in attributes else None
    ctx.registry.record("queues", args.name, Queue(args.name, name, url, arn, dlq_arn))
    ctx.registry.dead_letter(dlq_arn)
    return url, {"name": name, "arn": arn, "url": url}


def queue_policy(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    url = value(args, "queueUrl")
    ctx.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": value(args, "policy")})
    return url, {}


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"sqs": "list_queues"}
RESOURCES: dict[str, Creator] = {
    "aws:sqs/queue:Queue": queue,
    "aws:sqs/queuePolicy:QueuePolicy": queue_policy,
}
