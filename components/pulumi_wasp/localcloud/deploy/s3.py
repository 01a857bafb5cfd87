"""S3: buckets and their settings (public access block, encryption, versioning, lifecycle,
policy) and notifications (the emulator sends them; Lambda ones reach the runtime)."""

from __future__ import annotations

import json
from typing import Any

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import (
    Creator,
    DeployContext,
    Outputs,
    api_shape,
    compact,
    physical_name,
    tag_list,
    value,
)
from pulumi_wasp.localcloud.deploy.registry import Skipped

#: Pulumi input keys whose S3 API names are not the plain PascalCase of the key.
_S3_NAMES = {"id": "ID", "sseAlgorithm": "SSEAlgorithm", "kmsMasterKeyId": "KMSMasterKeyID"}


def _api_shape(data: Any) -> Any:
    """Pulumi's camelCase settings as the S3 API's PascalCase (numbers as integers)."""
    return api_shape(data, _S3_NAMES)


def location(region: str) -> dict[str, Any]:
    """CreateBucket's location for ``region``: S3 requires the constraint everywhere but in
    us-east-1, where it refuses one (IllegalLocationConstraintException / InvalidLocationConstraint)."""
    return {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}


def bucket(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args, "bucket").lower()
    s3 = ctx.client("s3")
    s3.create_bucket(Bucket=name, **location(ctx.region))
    if tag_list(args):
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(args)})
    ctx.registry.record("buckets", args.name, name)
    return name, {
        "bucket": name,
        "arn": f"arn:aws:s3:::{name}",
        "region": ctx.region,
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
    }


def public_access_block(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = value(args, "bucket")
    settings = {
        key: bool(value(args, key[:1].lower() + key[1:]))
        for key in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    }
    ctx.client("s3").put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=settings)
    return name, {}


def encryption(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = value(args, "bucket")
    ctx.client("s3").put_bucket_encryption(
        Bucket=name, ServerSideEncryptionConfiguration={"Rules": _api_shape(value(args, "rules"))}
    )
    return name, {}


def versioning(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = value(args, "bucket")
    ctx.client("s3").put_bucket_versioning(
        Bucket=name, VersioningConfiguration=_api_shape(value(args, "versioningConfiguration"))
    )
    return name, {}


def lifecycle(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = value(args, "bucket")
    ctx.client("s3").put_bucket_lifecycle_configuration(
        Bucket=name, LifecycleConfiguration={"Rules": _api_shape(value(args, "rules"))}
    )
    return name, {}


def policy(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    """The bucket policy without its conditional Deny statements: the emulator enforces statements
    but ignores their conditions, so a TLS-only Deny (``aws:SecureTransport``) would refuse
    every request on the loopback HTTP endpoint. A conditional Allow is kept (ignoring its condition
    only widens a grant, e.g. to S3's logging service, which S3 needs to see before it turns on access
    logging). Both are listed in the report."""
    name, document = value(args, "bucket"), json.loads(value(args, "policy"))
    statements = document.get("Statement", [])
    kept = [s for s in statements if "Condition" not in s or s.get("Effect") == "Allow"]
    changes = []
    if len(kept) < len(statements):
        left_out = ", ".join(s.get("Sid", "(no Sid)") for s in statements if s not in kept)
        changes.append(f"conditional Deny statements not enforced by the emulator, left out: {left_out}")
    widened = [s.get("Sid", "(no Sid)") for s in kept if "Condition" in s]
    if widened:
        changes.append(f"conditions of Allow statements not enforced by the emulator: {', '.join(widened)}")
    if changes:
        ctx.registry.adjust(Skipped(args.typ, args.name, "; ".join(changes)))
    if kept:
        ctx.client("s3").put_bucket_policy(Bucket=name, Policy=json.dumps({**document, "Statement": kept}))
    return name, {}


def ownership_controls(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = value(args, "bucket")
    ctx.client("s3").put_bucket_ownership_controls(
        Bucket=name, OwnershipControls={"Rules": [_api_shape(value(args, "rule"))]}
    )
    return name, {}


def access_logging(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    """Server access logging, configured as declared (S3 checks the target's policy grant, as AWS does); the
    emulator writes no log objects, which the report says."""
    name = value(args, "bucket")
    enabled = compact(
        TargetBucket=value(args, "targetBucket"),
        TargetPrefix=value(args, "targetPrefix") or "",
        TargetObjectKeyFormat=_api_shape(value(args, "targetObjectKeyFormat")),
    )
    ctx.client("s3").put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": enabled})
    reason = "access logging configured; the emulator delivers no access log objects to the target"
    ctx.registry.adjust(Skipped(args.typ, args.name, reason))
    return name, {}


def _notification(target_key: str, target_arn: str, spec: dict[str, Any]) -> dict[str, Any]:
    rules = [
        {"Name": n, "Value": spec[f"filter{n.title()}"]} for n in ("prefix", "suffix") if spec.get(f"filter{n.title()}")
    ]
    return compact(
        Id=spec.get("id"),
        Events=spec["events"],
        Filter={"Key": {"FilterRules": rules}} if rules else None,
        **{target_key: target_arn},
    )


def notification(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = value(args, "bucket")
    configuration: dict[str, Any] = {
        "LambdaFunctionConfigurations": [
            _notification("LambdaFunctionArn", spec["lambdaFunctionArn"], spec)
            for spec in value(args, "lambdaFunctions") or []
        ],
        "QueueConfigurations": [
            _notification("QueueArn", spec["queueArn"], spec) for spec in value(args, "queues") or []
        ],
        "TopicConfigurations": [
            _notification("TopicArn", spec["topicArn"], spec) for spec in value(args, "topics") or []
        ],
    }
    if value(args, "eventbridge"):
        configuration["EventBridgeConfiguration"] = {}
    ctx.client("s3").put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=configuration)
    return name, {}


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"s3": "list_buckets"}
RESOURCES: dict[str, Creator] = {
    "aws:s3/bucket:Bucket": bucket,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": public_access_block,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": encryption,
    "aws:s3/bucketVersioning:BucketVersioning": versioning,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": lifecycle,
    "aws:s3/bucketPolicy:BucketPolicy": policy,
    "aws:s3/bucketNotification:BucketNotification": notification,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ownership_controls,
    "aws:s3/bucketLogging:BucketLogging": access_logging,
}
