"""BucketProcessor: a private, encrypted, versioned bucket whose new objects are processed.

New objects (``s3:ObjectCreated:*``, filtered by prefix and suffix) go either straight to a
function (an async target: retries, max age and a DLQ) or to a queue (S3 is admitted only from
this bucket), optionally with a QueueProcessor consuming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
from pulumi_aws import lambda_, s3

from components import defaults
from components.function import AsyncInvokeArgs, ServerlessFunction, ServerlessFunctionArgs
from components.queue import Queue, QueueArgs
from components.queue_processor import QueueProcessor, QueueProcessorArgs
from components.shared import iam
from components.shared.context import StackContext, current_stack_context
from components.shared.queues import ServiceSender

OBJECT_CREATED = "s3:ObjectCreated:*"
_EncryptionDefault = s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs


@dataclass(kw_only=True)
class BucketProcessorArgs:
    """Arguments of :class:`BucketProcessor`: exactly one of ``function``, ``processor`` or ``queue``."""

    #: S3 invokes this function directly; it may read the objects under ``prefix``.
    function: ServerlessFunctionArgs | None = None
    #: S3 sends to this QueueProcessor's queue (buffering, batching, redrive); its function may read.
    processor: QueueProcessorArgs | None = None
    #: S3 sends to a bare queue consumed elsewhere.
    queue: QueueArgs | None = None
    #: Only keys starting with this (e.g. "uploads/") are notified.
    prefix: str = ""
    #: Only keys ending with this (e.g. ".csv") are notified.
    suffix: str = ""
    #: defaults.BUCKET_SSE_ALGORITHM (AES256, SSE-S3); "aws:kms" with ``kms_key_arn`` (or the AWS-managed key).
    encryption: str = defaults.BUCKET_SSE_ALGORITHM
    kms_key_arn: pulumi.Input[str] | None = None
    #: Keep overwritten and deleted objects recoverable.
    versioning: bool = True
    #: defaults.BUCKET_NONCURRENT_VERSION_EXPIRATION_DAYS (90): old versions expire (versioned buckets).
    noncurrent_version_expiration_days: int | None = defaults.BUCKET_NONCURRENT_VERSION_EXPIRATION_DAYS
    #: defaults.BUCKET_ABORT_INCOMPLETE_UPLOAD_DAYS (7): abandoned multipart uploads stop costing.
    abort_incomplete_upload_days: int | None = defaults.BUCKET_ABORT_INCOMPLETE_UPLOAD_DAYS
    #: Delete current objects this many days after creation; kept forever when None.
    expiration_days: int | None = None
    #: Let ``pulumi destroy`` delete a bucket that still holds objects (throw-away stacks).
    force_destroy: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None

    def validate(self) -> None:
        targets = [t for t in (self.function, self.processor, self.queue) if t is not None]
        if len(targets) != 1:
            raise ValueError("BucketProcessorArgs: set exactly one of function=, processor= or queue=")
        if self.encryption not in ("AES256", "aws:kms"):
            raise ValueError(f"BucketProcessorArgs.encryption must be 'AES256' or 'aws:kms', got {self.encryption!r}")
        if self.kms_key_arn is not None and self.encryption != "aws:kms":
            raise ValueError("BucketProcessorArgs.kms_key_arn needs encryption='aws:kms'")
        if self.prefix.startswith("/"):
            raise ValueError(f"BucketProcessorArgs.prefix: S3 keys do not start with '/', got {self.prefix!r}")
        for attribute in ("noncurrent_version_expiration_days", "abort_incomplete_upload_days", "expiration_days"):
            days = getattr(self, attribute)
            if days is not None and days < 1:
                raise ValueError(f"BucketProcessorArgs.{attribute} must be ≥ 1 (or None), got {days}")


class BucketProcessor(pulumi.ComponentResource):
    """A bucket that blocks public access, encrypts, versions, requires TLS, and notifies a
    function or a queue of new objects.

    Example::

        imports = BucketProcessor("bulk-import", BucketProcessorArgs(prefix="uploads/", suffix=".csv",
            function=ServerlessFunctionArgs(handler="bulk_import.importer.handler",
                                            code=["lambdas/bulk_import", "lambdas/shared"])))
    """

    bucket: s3.Bucket
    function: ServerlessFunction | None
    processor: QueueProcessor | None
    queue: Queue | None
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: BucketProcessorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("serverless:bucket:BucketProcessor", name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = s3.Bucket(f"{name}-bucket", force_destroy=args.force_destroy or None, tags=tags, opts=child)
        self.arn, self.name = self.bucket.arn, self.bucket.bucket
        public_access = s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=_EncryptionDefault(
                        sse_algorithm=args.encryption,
                        kms_master_key_id=args.kms_key_arn,
                    ),
                    # One data key per bucket instead of per object: fewer KMS calls, lower cost.
                    bucket_key_enabled=True if args.encryption == "aws:kms" else None,
                )
            ],
            opts=child,
        )
        if args.versioning:
            enabled = s3.BucketVersioningVersioningConfigurationArgs(status="Enabled")
            s3.BucketVersioning(
                f"{name}-versioning",
                bucket=self.bucket.id,
                versioning_configuration=enabled,
                opts=child,
            )
        s3.BucketPolicy(
            f"{name}-bucket-policy",
            bucket=self.bucket.id,
            policy=_tls_only(self.bucket.arn),
            # The public access block first: S3 evaluates a new policy against it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )
        rules = _lifecycle_rules(args)
        if rules:
            s3.BucketLifecycleConfiguration(f"{name}-lifecycle", bucket=self.bucket.id, rules=rules, opts=child)

        read = [iam.s3_read(self.bucket.arn, args.prefix)]
        if args.kms_key_arn is not None:
            read.append(iam.kms_decrypt(args.kms_key_arn))
        self.function, self.processor, self.queue = None, None, None
        notified: dict[str, Any] = {"events": [OBJECT_CREATED], "filter_prefix": args.prefix or None}
        notified["filter_suffix"] = args.suffix or None
        functions, queues = None, None
        if args.function is not None:
            function_args = replace(
                args.function,
                permissions=[*args.function.permissions, *read],
                async_invoke=args.function.async_invoke or AsyncInvokeArgs(),
            )
            self.function = ServerlessFunction(name, function_args, child)
            ready: pulumi.Resource = lambda_.Permission(
                f"{name}-permission",
                action="lambda:InvokeFunction",
                function=self.function.name,
                principal="s3.amazonaws.com",
                source_arn=self.bucket.arn,
                # Bucket ARNs carry no account: without it, a bucket of that name elsewhere could invoke.
                source_account=self.function.arn.apply(lambda arn: arn.split(":")[4]),
                opts=child,
            )
            functions = [s3.BucketNotificationLambdaFunctionArgs(lambda_function_arn=self.function.arn, **notified)]
        else:
            from_bucket = ServiceSender("s3.amazonaws.com", self.bucket.arn)
            if args.processor is not None:
                processor = args.processor
                processor = replace(
                    processor,
                    queue=replace(processor.queue, senders=[*processor.queue.senders, from_bucket]),
                    function=replace(processor.function, permissions=[*processor.function.permissions, *read]),
                )
                self.processor = QueueProcessor(name, processor, child)
                self.queue = self.processor.queue
            else:
                assert args.queue is not None  # validated above
                self.queue = Queue(name, replace(args.queue, senders=[*args.queue.senders, from_bucket]), child)
            # S3 checks on creation that it may send: the queue's policy must exist first.
            ready = self.processor or self.queue
            queues = [s3.BucketNotificationQueueArgs(queue_arn=self.queue.arn, **notified)]
        s3.BucketNotification(
            f"{name}-notification",
            bucket=self.bucket.id,
            lambda_functions=functions,
            queues=queues,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[ready]),
        )
        self.register_outputs({"bucket_name": self.name, "bucket_arn": self.arn})


def _tls_only(bucket_arn: pulumi.Output[str]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def _lifecycle_rules(args: BucketProcessorArgs) -> list[s3.BucketLifecycleConfigurationRuleArgs]:
    def rule(rule_id: str, **action: Any) -> s3.BucketLifecycleConfigurationRuleArgs:
        whole_bucket = s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="")
        return s3.BucketLifecycleConfigurationRuleArgs(id=rule_id, status="Enabled", filter=whole_bucket, **action)

    rules = []
    if args.versioning and args.noncurrent_version_expiration_days:
        days = args.noncurrent_version_expiration_days
        expire = s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(noncurrent_days=days)
        rules.append(rule("expire-noncurrent-versions", noncurrent_version_expiration=expire))
    if args.abort_incomplete_upload_days:
        days = args.abort_incomplete_upload_days
        abort = s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(days_after_initiation=days)
        rules.append(rule("abort-incomplete-uploads", abort_incomplete_multipart_upload=abort))
    if args.expiration_days:
        expiration = s3.BucketLifecycleConfigurationRuleExpirationArgs(days=args.expiration_days)
        rules.append(rule("expire-objects", expiration=expiration))
    return rules
