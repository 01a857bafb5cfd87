"""Kinesis: data streams (on-demand or provisioned), retention and encryption."""

from __future__ import annotations

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import Creator, DeployContext, Outputs, integer, physical_name, tags, value


def stream(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    kinesis = ctx.client("kinesis")
    mode = (value(args, "streamModeDetails") or {}).get("streamMode", "PROVISIONED")
    if mode == "ON_DEMAND":
        kinesis.create_stream(StreamName=name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    else:
        kinesis.create_stream(StreamName=name, ShardCount=integer(args, "shardCount", 1))
    retention = integer(args, "retentionPeriod", 24)
    if retention and retention > 24:
        kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=retention)
    if value(args, "encryptionType") == "KMS":
        kinesis.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId=value(args, "kmsKeyId"))
    if tags(args):
        kinesis.add_tags_to_stream(StreamName=name, Tags=tags(args))
    arn = ctx.arn("kinesis", f"stream/{name}")
    ctx.registry.record("streams", args.name, arn)
    return arn, {"name": name, "arn": arn}


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"kinesis": "list_streams"}
RESOURCES: dict[str, Creator] = {"aws:kinesis/stream:Stream": stream}
