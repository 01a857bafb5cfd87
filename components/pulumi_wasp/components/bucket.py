"""SecureBucket: a private, encrypted, versioned S3 bucket that only answers over TLS.

Every public access is blocked (all four flags), objects are encrypted at rest (SSE-S3 by
default, SSE-KMS with a bucket key on request), overwritten and deleted objects stay
recoverable for a while, abandoned multipart uploads stop costing, and the bucket policy denies
any request without TLS. On request it logs server access to a log bucket (one it creates or a
stack's shared one), and a bucket made to receive such logs lets only S3's logging service of
this account write. :class:`~components.bucket_processor.BucketProcessor` composes one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_aws import s3

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import children, names
from pulumi_wasp.components.shared.account import deploying_account
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.kms import customer_key_arn
from pulumi_wasp.components.shared.tokens import component_type

_EncryptionDefault = s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs
#: The service principal S3 server access logging writes as (a bucket policy grant; ACLs stay disabled).
LOGGING_SERVICE_PRINCIPAL = "logging.s3.amazonaws.com"


@dataclass(frozen=True, kw_only=True)
class AccessLogArgs:
    """Where a bucket's server access logs go: ``target_bucket`` (an existing log bucket) or a log bucket the
    component creates for it (``<name>-access-logs``, itself a SecureBucket that receives access logs)."""

    #: An existing log bucket: a SecureBucket with ``receives_access_logs`` (checked), or a bucket name (not
    #: checked: its policy must let logging.s3.amazonaws.com PutObject). None: create one for this bucket.
    target_bucket: SecureBucket | pulumi.Input[str] | None = None
    #: Key prefix of this bucket's logs in the target; None: ``<name>/``, so one shared log bucket keeps each
    #: source apart. Keys below it are partitioned by account, region, bucket and event date (Athena-friendly).
    prefix: str | None = None
    #: defaults.BUCKET_ACCESS_LOG_EXPIRATION_DAYS (365): logs in a created log bucket expire after a year of audits.
    expiration_days: int = defaults.BUCKET_ACCESS_LOG_EXPIRATION_DAYS

    def validate(self) -> None:
        if self.target_bucket is not None and self.expiration_days != defaults.BUCKET_ACCESS_LOG_EXPIRATION_DAYS:
            raise ValueError(
                "SecureBucketArgs.access_logs: expiration_days is a setting of a log bucket the component creates; "
                "with target_bucket set it cannot apply (set the expiration on that bucket)"
            )
        if self.expiration_days < 1:
            raise ValueError(f"SecureBucketArgs.access_logs.expiration_days must be ≥ 1, got {self.expiration_days}")
        if self.prefix is not None and self.prefix.startswith("/"):
            raise ValueError(f"SecureBucketArgs.access_logs.prefix must not start with '/', got {self.prefix!r}")
        target = self.target_bucket
        if isinstance(target, SecureBucket) and not target.receives_access_logs:
            raise ValueError(
                "SecureBucketArgs.access_logs.target_bucket is a SecureBucket without receives_access_logs=True: "
                "S3's logging service may not write to it"
            )


@dataclass(kw_only=True)
class SecureBucketArgs:
    """Arguments of :class:`SecureBucket`; every default is Well-Architected and overridable."""

    #: defaults.BUCKET_SSE_ALGORITHM (AES256, SSE-S3); "aws:kms" with ``kms_key_arn`` (or the AWS-managed key).
    encryption: str = defaults.BUCKET_SSE_ALGORITHM
    #: A customer-managed key's ARN (with encryption="aws:kms"): a BucketProcessor grants it to its function
    #: (Decrypt to read, GenerateDataKey to write back, through S3 only). Its key policy is yours: it must delegate
    #: to IAM, and let s3.amazonaws.com use it if the bucket notifies an encrypted queue or topic.
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
    #: Keyword arguments of ``aws.s3.Bucket`` merged over the bucket's defaults (``tags`` merge, other keys
    #: replace); an unknown key is an error.
    overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.s3.BucketPublicAccessBlock`` merged over the all-four-true defaults; turning a
    #: flag off warns naming s3-block-public-access.
    public_access_block_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Server access logs (who read or wrote what, for audits and incident response): ``AccessLogArgs()`` to a log
    #: bucket created for this one, ``AccessLogArgs(target_bucket=...)`` to a shared one. None (the default): no
    #: access logs, which s3-access-logging reports; a log bucket per bucket doubles the buckets, so a stack usually
    #: shares one (``receives_access_logs``) and opts each bucket in.
    access_logs: AccessLogArgs | None = None
    #: This bucket receives server access logs: S3's logging service of this account may PutObject (bucket policy;
    #: objects owned by the bucket owner, ACLs disabled); it needs SSE-S3 (S3 cannot deliver logs to SSE-KMS) and
    #: logs nothing to a bucket created for it (that would log its own deliveries forever); the s3-access-logging rule
    #: knows a log bucket by the BucketLogging resources that target it. False by default.
    receives_access_logs: bool = False
    #: With ``receives_access_logs``: the ARNs of the buckets that may deliver here (``aws:SourceArn``); empty (the
    #: default): any bucket of the deploying account (``aws:SourceAccount``), as a shared log bucket needs.
    access_log_sources: Sequence[pulumi.Input[str]] = ()

    def validate(self) -> None:
        if self.encryption not in ("AES256", "aws:kms"):
            raise ValueError(f"SecureBucketArgs.encryption must be 'AES256' or 'aws:kms', got {self.encryption!r}")
        if self.kms_key_arn is not None and self.encryption != "aws:kms":
            raise ValueError("SecureBucketArgs.kms_key_arn needs encryption='aws:kms'")
        customer_key_arn(self.kms_key_arn, "SecureBucketArgs.kms_key_arn")
        for attribute in ("noncurrent_version_expiration_days", "abort_incomplete_upload_days", "expiration_days"):
            days = getattr(self, attribute)
            if days is not None and days < 1:
                raise ValueError(f"SecureBucketArgs.{attribute} must be ≥ 1 (or None), got {days}")
        if self.access_logs is not None:
            self.access_logs.validate()
        if self.access_log_sources and not self.receives_access_logs:
            raise ValueError("SecureBucketArgs.access_log_sources needs receives_access_logs=True")
        if self.receives_access_logs:
            if self.encryption != "AES256":
                raise ValueError(
                    "SecureBucketArgs.receives_access_logs needs encryption='AES256': S3 cannot deliver server "
                    "access logs to a bucket encrypted with SSE-KMS"
                )
            if self.access_logs is not None and self.access_logs.target_bucket is None:
                raise ValueError(
                    "SecureBucketArgs: a bucket with receives_access_logs cannot have access_logs create a log bucket "
                    "for it (that one would need its own, without end); set access_logs.target_bucket or None"
                )


class SecureBucket(pulumi.ComponentResource):
    """A bucket that blocks public access, encrypts, versions, expires what it no longer needs
    and requires TLS.

    Its children are named after it (``<name>-bucket``, ``<name>-public-access-block``,
    ``<name>-encryption``, ``<name>-versioning``, ``<name>-bucket-policy``, ``<name>-lifecycle``)
    and carry an alias to the parent passed in ``opts``: a component that created these resources
    itself before composing a SecureBucket (BucketProcessor did) keeps its bucket on update
    instead of replacing it.

    Outputs: ``arn`` and ``name`` are the bucket's; S3 has no URL for a bucket as such (its endpoint is
    ``bucket.bucket_regional_domain_name``).

    Example::

        reports = SecureBucket("reports", SecureBucketArgs(expiration_days=365))
        writer = ServerlessFunctionArgs(..., permissions=[iam.s3_write(reports.arn, "daily/")])
    """

    bucket: s3.Bucket
    #: The log bucket created for this one by ``AccessLogArgs()``; None otherwise.
    access_log_bucket: SecureBucket | None = None
    #: Whether S3's logging service may deliver to this bucket (``SecureBucketArgs.receives_access_logs``).
    receives_access_logs: bool = False
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    #: The customer-managed key the bucket is encrypted with (None: SSE-S3 or the AWS-managed key).
    kms_key_arn: pulumi.Input[str] | None

    def __init__(
        self, name: str, args: SecureBucketArgs | None = None, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        token, opts = component_type("bucket", "SecureBucket", opts)
        super().__init__(token, name, None, opts)
        args = args or SecureBucketArgs()
        args.validate()
        self.kms_key_arn = customer_key_arn(args.kms_key_arn, "SecureBucketArgs.kms_key_arn")
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        # The URNs these children had when the parent created them directly.
        owner = opts.parent
        aliases = [pulumi.Alias(parent=owner)] if owner is not None else None
        child = pulumi.ResourceOptions(parent=self, aliases=aliases)
        bucket_defaults = {
            "bucket_prefix": names.bucket_prefix(f"{name}-bucket"),
            "force_destroy": args.force_destroy or None,
            "tags": tags,
        }
        self.bucket = children.create(
            s3.Bucket, f"{name}-bucket", bucket_defaults, args.overrides, arg="SecureBucketArgs.overrides", opts=child
        )
        self.arn, self.name = self.bucket.arn, self.bucket.bucket
        block_defaults = {
            "bucket": self.bucket.id,
            "block_public_acls": True,
            "block_public_policy": True,
            "ignore_public_acls": True,
            "restrict_public_buckets": True,
        }
        public_access = children.create(
            s3.BucketPublicAccessBlock,
            f"{name}-public-access-block",
            block_defaults,
            args.public_access_block_overrides,
            arg="SecureBucketArgs.public_access_block_overrides",
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
        self.receives_access_logs = args.receives_access_logs
        statements = [_tls_only(self.bucket.arn)]
        if args.receives_access_logs:
            # Bucket owner enforced: ACLs off, every delivered log object belongs to this account.
            s3.BucketOwnershipControls(
                f"{name}-ownership",
                bucket=self.bucket.id,
                rule={"object_ownership": "BucketOwnerEnforced"},
                opts=child,
            )
            statements.append(_log_delivery(self.bucket.arn, args.access_log_sources, deploying_account(self)))
        s3.BucketPolicy(
            f"{name}-bucket-policy",
            bucket=self.bucket.id,
            policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements}),
            # The public access block first: S3 evaluates a new policy against it.
            opts=pulumi.ResourceOptions(parent=self, aliases=aliases, depends_on=[public_access]),
        )
        rules = _lifecycle_rules(args)
        if rules:
            s3.BucketLifecycleConfiguration(f"{name}-lifecycle", bucket=self.bucket.id, rules=rules, opts=child)
        if args.access_logs is not None:
            self._log_access(name, args.access_logs, args, child)
        self.register_outputs({"arn": self.arn, "name": self.name})

    def _log_access(
        self, name: str, logs: AccessLogArgs, args: SecureBucketArgs, child: pulumi.ResourceOptions
    ) -> None:
        target = logs.target_bucket
        if target is None:
            log_args = SecureBucketArgs(
                receives_access_logs=True,
                access_log_sources=[self.bucket.arn],
                expiration_days=logs.expiration_days,
                force_destroy=args.force_destroy,
                tags=args.tags,
                context=args.context,
            )
            target = self.access_log_bucket = SecureBucket(f"{name}-access-logs", log_args, child)
        target_name = target.name if isinstance(target, SecureBucket) else target
        if not isinstance(target, SecureBucket):
            children.not_checked(f"SecureBucket {name}", f"that the log bucket lets {LOGGING_SERVICE_PRINCIPAL} write")
        s3.BucketLogging(
            f"{name}-access-logging",
            bucket=self.bucket.id,
            target_bucket=target_name,
            target_prefix=f"{name}/" if logs.prefix is None else logs.prefix,
            target_object_key_format={"partitioned_prefix": {"partition_date_source": "EventTime"}},
            # S3 checks the target's policy when logging is turned on: the log bucket complete first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[target] if isinstance(target, SecureBucket) else []),
        )


def _tls_only(bucket_arn: pulumi.Output[str]) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _log_delivery(
    bucket_arn: pulumi.Output[str], sources: Sequence[pulumi.Input[str]], account: pulumi.Output[str]
) -> dict[str, Any]:
    """S3's logging service may write objects, for this account's buckets only (the confused-deputy guard)."""
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account}}
    if sources:
        condition["ArnLike"] = {"aws:SourceArn": list(sources)}
    return {
        "Sid": "AllowServerAccessLogDelivery",
        "Effect": "Allow",
        "Principal": {"Service": LOGGING_SERVICE_PRINCIPAL},
        "Action": "s3:PutObject",
        "Resource": pulumi.Output.concat(bucket_arn, "/*"),
        "Condition": condition,
    }


def _lifecycle_rules(args: SecureBucketArgs) -> list[s3.BucketLifecycleConfigurationRuleArgs]:
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
