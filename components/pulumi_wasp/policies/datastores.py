"""Data stores, secrets and logs: DynamoDB recovery and capacity, Kinesis and S3 protection, S3 access logs,
secret rotation, log retention, tags."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .aws_types import (
    BUCKET_LOGGINGS,
    BUCKET_POLICY,
    BUCKETS,
    LOG_GROUP,
    PUBLIC_ACCESS_BLOCK,
    SCALING_POLICY,
    SCALING_TARGET,
    SECRET,
    SECRET_ROTATION,
    STREAM,
    TABLE,
)
from .common import (
    ADVISORY,
    MANDATORY,
    Config,
    Finding,
    Res,
    Stack,
    as_list,
    integer,
    json_doc,
    number,
    raw,
    resource_rule,
    show,
    stack_rule,
    string_list,
    violation,
)

PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
CAPACITY_UNITS = ("ReadCapacityUnits", "WriteCapacityUnits")
RATE_IN_DAYS = re.compile(r"^rate\((\d+) days?\)$")
# Types commonly found in serverless stacks that accept tags.
TAGGABLE = frozenset(
    (
        "aws:lambda/function:Function",
        "aws:sqs/queue:Queue",
        "aws:sns/topic:Topic",
        TABLE,
        STREAM,
        *BUCKETS,
        LOG_GROUP,
        "aws:iam/role:Role",
        "aws:sfn/stateMachine:StateMachine",
        "aws:cloudwatch/eventBus:EventBus",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:apigateway/restApi:RestApi",
        "aws:apigateway/stage:Stage",
        "aws:kms/key:Key",
        "aws:secretsmanager/secret:Secret",
        "aws:scheduler/scheduleGroup:ScheduleGroup",
        "aws:schemas/registry:Registry",
    )
)


@resource_rule(
    "dynamodb-pitr",
    types=[TABLE],
    description="DynamoDB tables keep point-in-time recovery (35 days of restorable history).",
    level=ADVISORY,
    fix='Set point_in_time_recovery={"enabled": True}.',
    pillar="reliability",
    anchors="AwsSolutions-DDB3",
)
def pitr(table: Res, config: Config) -> Iterator[str]:
    if table.get("pointInTimeRecovery", "enabled") is not True:
        found = table.get("pointInTimeRecovery", "enabled")
        yield violation(
            table, "pointInTimeRecovery.enabled", found, "true", 'set point_in_time_recovery={"enabled": True}'
        )


@stack_rule(
    "dynamodb-scalable-capacity",
    types=[TABLE],
    description="DynamoDB tables scale: on-demand, or provisioned with auto-scaling (min ≤ max, a target-tracking "
    "utilization in bounds) for the reads and writes of the table and of each global secondary index.",
    level=MANDATORY,
    fix='Set billing_mode="PAY_PER_REQUEST", or add appautoscaling.Target (+ a TargetTrackingScaling Policy) for '
    "read and write capacity of the table and of each global index (resource id table/<name>/index/<index>).",
    pillar="performance-efficiency",
    anchors="seed",
    config={
        "min_target_utilization": integer(20, 1, 100, "Lowest target utilization allowed (percent)."),
        "max_target_utilization": integer(90, 1, 100, "Highest target utilization allowed (percent)."),
    },
)
def scalable_capacity(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(table: Res) -> Iterator[str]:
        mode = table.get("billingMode")
        if mode == "PAY_PER_REQUEST":
            return
        targets = [res for res, prop in stack.referrers(table, SCALING_TARGET) if prop == "resourceId"]
        if not targets:
            wanted_id = f"table/{table.known('name')}"
            targets = [t for t in stack.of_type(SCALING_TARGET) if str(t.get("resourceId")).startswith(wanted_id)]
        by_dimension = {(_scaled_index(t), t.get("scalableDimension")): t for t in targets}
        indexes = [None, *(index.get("name") for index in as_list(table.get("globalSecondaryIndexes")))]
        missing, problems = [], []
        for index in indexes:
            for unit in CAPACITY_UNITS:
                dimension = f"dynamodb:{'index' if index else 'table'}:{unit}"
                target = by_dimension.get((index, dimension))
                if target is None:
                    missing.append(f"{dimension} of index {index}" if index else dimension)
                else:
                    problems += _scaling_problems(stack, target, config)
        if missing or problems:
            wanted = f'"PAY_PER_REQUEST", or auto-scaling targets for {", ".join(missing)}' if missing else ""
            wanted = "; ".join(filter(None, [wanted, *problems]))
            yield violation(
                table,
                "billingMode",
                mode or "PROVISIONED (default)",
                wanted,
                'set billing_mode="PAY_PER_REQUEST" or add appautoscaling targets and target-tracking policies',
            )

    return stack.each([TABLE], check)


def _scaled_index(target: Res) -> str | None:
    """The index a DynamoDB scalable target's resource id names (``table/<t>/index/<i>``), None for the table."""
    parts = str(target.known("resourceId")).split("/")
    return parts[3] if len(parts) == 4 and parts[2] == "index" else None


def _scaling_problems(stack: Stack, target: Res, config: Config) -> list[str]:
    dimension = target.get("scalableDimension")
    low, high = number(target.get("minCapacity")), number(target.get("maxCapacity"))
    problems = []
    if low is None or high is None or low > high:
        problems.append(f"{dimension}: minCapacity ({show(low)}) ≤ maxCapacity ({show(high)})")
    policies = [
        policy
        for policy in stack.of_type(SCALING_POLICY)
        if policy.get("resourceId") == target.get("resourceId") and policy.get("scalableDimension") == dimension
    ]
    tracking = [p for p in policies if p.get("policyType") == "TargetTrackingScaling"]
    if not tracking:
        problems.append(f"{dimension}: a TargetTrackingScaling policy on its target (none found)")
    bounds = config["min_target_utilization"], config["max_target_utilization"]
    for policy in tracking:
        value = number(policy.get("targetTrackingScalingPolicyConfiguration", "targetValue"))
        if value is None or not bounds[0] <= value <= bounds[1]:
            problems.append(
                f"{dimension}: targetValue of {policy.name} ({show(value)}) between {show(bounds[0])} and {show(bounds[1])} %"
            )
    return problems


@resource_rule(
    "kinesis-encryption",
    types=[STREAM],
    description="Kinesis streams encrypt records at rest with KMS.",
    level=MANDATORY,
    fix='Set encryption_type="KMS" and kms_key_id="alias/aws/kinesis" (or a customer key).',
    pillar="security",
    anchors="AwsSolutions-KDS1",
)
def kinesis_encryption(stream: Res, config: Config) -> Iterator[str]:
    if stream.get("encryptionType") != "KMS":
        yield violation(
            stream, "encryptionType", stream.get("encryptionType"), '"KMS"', 'set encryption_type="KMS" and kms_key_id'
        )


def _bucket_children(stack: Stack, bucket: Res, type_: str) -> list[Res]:
    return [res for res, prop in stack.referrers(bucket, type_) if prop == "bucket"]


@stack_rule(
    "s3-block-public-access",
    types=BUCKETS,
    description="Each S3 bucket has a public access block with all four settings on.",
    level=MANDATORY,
    fix="Add s3.BucketPublicAccessBlock(bucket=bucket.id, block_public_acls=True, block_public_policy=True, "
    "ignore_public_acls=True, restrict_public_buckets=True).",
    pillar="security",
    anchors="CKV2 (S3 public access block)",
)
def block_public_access(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(bucket: Res) -> Iterator[str]:
        blocks = _bucket_children(stack, bucket, PUBLIC_ACCESS_BLOCK)
        if not blocks:
            yield violation(
                bucket,
                "public access block",
                None,
                "a BucketPublicAccessBlock with all four flags true",
                "add s3.BucketPublicAccessBlock for the bucket with all four flags True",
            )
        for block in blocks:
            off = [flag for flag in PUBLIC_ACCESS_FLAGS if block.get(flag) is not True]
            if off:
                yield violation(block, ", ".join(off), {f: block.get(f) for f in off}, "true", "set each flag to True")

    return stack.each(BUCKETS, check)


@stack_rule(
    "s3-tls-only",
    types=BUCKETS,
    description="Each S3 bucket policy denies requests without TLS (aws:SecureTransport false).",
    level=MANDATORY,
    fix='Add a bucket policy statement: Effect Deny, Principal "*", Action "s3:*", Resource the bucket and '
    'its objects, Condition {"Bool": {"aws:SecureTransport": "false"}}.',
    pillar="security",
    anchors="AwsSolutions-S10",
)
def tls_only(stack: Stack, config: Config) -> Iterator[Finding]:
    fix = "add a BucketPolicy that denies requests without TLS"
    return stack.tls_only(BUCKETS, BUCKET_POLICY, "bucket", "bucket policy", fix)


def _log_targets(stack: Stack) -> set[str]:
    """URNs of the buckets that receive other buckets' server access logs."""
    targets: set[str] = set()
    for logging in stack.of_type(*BUCKET_LOGGINGS):
        sources = {bucket.urn for bucket in stack.targets(logging, "bucket", *BUCKETS)}
        targets.update(b.urn for b in stack.targets(logging, "targetBucket", *BUCKETS) if b.urn not in sources)
    for bucket in stack.of_type(*BUCKETS):
        for inline in as_list(bucket.get("loggings")) + as_list(bucket.get("logging")):
            target = raw(inline).get("targetBucket") if isinstance(raw(inline), dict) else None
            if isinstance(target, str):
                targets.update(b.urn for b in stack.identified_by(target) if b.type in BUCKETS and b is not bucket)
    return targets


def _logging_targets(stack: Stack, bucket: Res) -> list[tuple[Res, object]]:
    """(holder, target bucket) of each server access logging configuration of ``bucket``."""
    found: list[tuple[Res, object]] = []
    for inline in as_list(bucket.get("loggings")) + as_list(bucket.get("logging")):
        if isinstance(raw(inline), dict):
            found.append((bucket, raw(inline).get("targetBucket")))
    for logging, prop in stack.referrers(bucket):
        if logging.type in BUCKET_LOGGINGS and prop == "bucket":
            found.append((logging, logging.get("targetBucket")))
    return found


@stack_rule(
    "s3-access-logging",
    types=BUCKETS,
    description="Each S3 bucket logs server access to another bucket (log buckets themselves are exempt).",
    level=ADVISORY,
    fix='Add s3.BucketLogging(bucket=bucket.id, target_bucket=<log bucket id>, target_prefix="<bucket>/") and '
    "a log bucket (encrypted, public access blocked, lifecycle expiry) that the S3 logging service may write to.",
    pillar="security",
    anchors="AwsSolutions-S1, CKV_AWS_18",
)
def access_logging(stack: Stack, config: Config) -> Iterator[Finding]:
    log_buckets = _log_targets(stack)

    def check(bucket: Res) -> Iterator[str]:
        if bucket.urn in log_buckets:
            return  # a log bucket logging to itself would log its own log deliveries forever
        loggings = _logging_targets(stack, bucket)
        if not loggings:
            yield violation(
                bucket,
                "server access logging",
                None,
                "an s3.BucketLogging to a log bucket",
                "add s3.BucketLogging with target_bucket set to a dedicated log bucket",
            )
        own = {bucket.get("bucket"), bucket.get("id")} - {None}
        for holder, target in loggings:
            if target in own:
                yield violation(
                    holder,
                    "targetBucket",
                    target,
                    "another bucket (a bucket that logs to itself logs its own log deliveries)",
                    "send the logs to a dedicated log bucket",
                )

    return stack.each(BUCKETS, check)


def _rotation_days(rules: object) -> float | None:
    """The longest interval between rotations the rules allow, in days (None: not bounded in days)."""
    if not isinstance(rules, dict):
        return None
    days = number(rules.get("automaticallyAfterDays"))
    if days is not None:
        return days
    found = RATE_IN_DAYS.match(str(rules.get("scheduleExpression") or ""))
    return float(found[1]) if found else None


@stack_rule(
    "secret-rotation",
    types=[SECRET],
    description="Secrets Manager secrets rotate on a schedule, or are exempted with the reason they cannot.",
    level=ADVISORY,
    fix="Add secretsmanager.SecretRotation(secret_id=secret.id, rotation_lambda_arn=..., rotation_rules="
    '{"automatically_after_days": 30}); a secret rotated by another party (a provider\'s signing key) is '
    'exempted with the reason: tag "policy-exempt:secret-rotation".',
    pillar="security",
    anchors="AwsSolutions-SMG4, CKV2_AWS_57",
    config={"max_days": integer(90, 1, 1000, "Longest time between rotations allowed (days).")},
)
def secret_rotation(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(secret: Res) -> Iterator[str]:
        rotations = [r for r, prop in stack.referrers(secret, SECRET_ROTATION) if prop == "secretId"]
        rotations = [r for r in rotations if r.get("rotationEnabled") is not False]
        wanted = f"rotation at least every {show(config['max_days'])} days, or an exemption with its reason"
        if not rotations:
            yield violation(
                secret,
                "rotation",
                None,
                wanted,
                "add a SecretRotation, or exempt the secret (policy-exempt:secret-rotation) saying who rotates it",
            )
        for rotation in rotations:
            rules = raw(rotation.get("rotationRules"))
            days = _rotation_days(rules)
            schedule = isinstance(rules, dict) and str(rules.get("scheduleExpression") or "").startswith("cron(")
            if not schedule and (days is None or days > config["max_days"]):
                yield violation(
                    rotation,
                    "rotationRules (days between rotations)",
                    rules if days is None else days,
                    wanted,
                    f"set rotation_rules.automatically_after_days to {show(config['max_days'])} or fewer",
                )

    return stack.each([SECRET], check)


#: The values CloudWatch Logs accepts for retentionInDays (the rules import nothing of the components, which
#: load pulumi_aws: components/defaults.py keeps the same list for the components' own checks).
RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
)  # fmt: skip


def _retention_in_bounds(days: float | None, config: Config) -> bool:
    return days is not None and days != 0 and config["min_days"] <= days <= config["max_days"]


def _retain(group: Res, config: Config) -> dict[str, Any] | None:
    """Set ``remediation_days`` on a group whose retention is out of bounds, when it lies within them."""
    days, fix = number(group.get("retentionInDays")), config["remediation_days"]
    if _retention_in_bounds(days, config) or not _retention_in_bounds(fix, config):
        return None
    return {"retentionInDays": fix}


@resource_rule(
    "log-group-retention",
    types=[LOG_GROUP],
    description="Every log group sets a retention within bounds (the default keeps logs, and costs, forever).",
    level=MANDATORY,
    fix="Set retention_in_days (e.g. 14 in dev, 90 in prod); at level remediate the pack sets remediation_days.",
    pillar="cost-optimization",
    anchors="NAG LogGroupRetention, CKV_AWS_66",
    config={
        "min_days": integer(7, 1, description="Shortest retention allowed (days)."),
        "max_days": integer(3653, 1, description="Longest retention allowed (days)."),
        "remediation_days": {
            "type": "integer",
            "enum": list(RETENTION_DAYS),
            "default": 30,
            "description": "The retention remediate sets (one CloudWatch Logs accepts, within min_days..max_days).",
        },
    },
    remediate=_retain,
)
def log_group_retention(group: Res, config: Config) -> Iterator[str]:
    days = number(group.get("retentionInDays"))
    if not _retention_in_bounds(days, config):
        wanted = f"between {show(config['min_days'])} and {show(config['max_days'])} days"
        fix = "set retention_in_days"
        if not _retention_in_bounds(config["remediation_days"], config):
            fix += (
                f" (config remediation_days {show(config['remediation_days'])} is outside the bounds: not remediated)"
            )
        yield violation(group, "retentionInDays", days or None, wanted, fix)


def _present_tags(res: Res) -> dict[str, Any]:
    tags = dict(raw(res.get("tags")) or {})
    # Under the CLI the provider's default_tags apply too (its config arrives JSON-encoded).
    defaults = json_doc(res.provider_props.get("defaultTags"))
    if isinstance(defaults, dict):
        tags.update(defaults.get("tags") or {})
    return tags


def _tag(res: Res, config: Config) -> dict[str, Any] | None:
    """Add each missing required tag that ``values`` gives a value for."""
    present = _present_tags(res)
    added = {key: config["values"][key] for key in config["tags"] if not present.get(key) and key in config["values"]}
    return {"tags": {**(raw(res.get("tags")) or {}), **added}} if added else None


@resource_rule(
    "required-tags",
    types=TAGGABLE,
    description="Taggable resources carry the configured tags (ownership, cost allocation).",
    level=ADVISORY,
    fix="Tag every resource from one stack-wide source (a transform, or the provider's default_tags); at level "
    "remediate the pack adds the missing tags that values names.",
    pillar="operational-excellence",
    anchors="",
    config={
        "tags": string_list(("environment", "owner", "cost-center"), "Tag keys every resource must carry."),
        "values": {
            "type": "object",
            "additionalProperties": {"type": "string", "minLength": 1},
            "default": {},
            "description": "The value remediate gives each missing tag (a tag without one stays a violation).",
        },
    },
    remediate=_tag,
)
def required_tags(res: Res, config: Config) -> Iterator[str]:
    tags = _present_tags(res)
    missing = [key for key in config["tags"] if not tags.get(key)]
    if missing:
        yield violation(
            res,
            "tags",
            sorted(tags) or None,
            f"keys {show(list(config['tags']))} (missing {show(missing)})",
            "add the missing tags (or set the provider's default_tags)",
        )


RULES = (
    pitr,
    scalable_capacity,
    kinesis_encryption,
    block_public_access,
    tls_only,
    access_logging,
    secret_rotation,
    log_group_retention,
    required_tags,
)
