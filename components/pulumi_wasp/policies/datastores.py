"""Data stores and logs: DynamoDB recovery and capacity, Kinesis and S3 protection, log retention, tags."""

from __future__ import annotations

from collections.abc import Iterator

from .aws_types import (
    BUCKET_POLICY,
    BUCKETS,
    LOG_GROUP,
    PUBLIC_ACCESS_BLOCK,
    SCALING_POLICY,
    SCALING_TARGET,
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


def _denies_insecure_transport(doc: object) -> bool:
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    for statement in as_list(statements):
        if not isinstance(statement, dict) or statement.get("Effect") != "Deny":
            continue
        condition = statement.get("Condition") or {}
        secure = (condition.get("Bool") or {}).get("aws:SecureTransport") if isinstance(condition, dict) else None
        if str(secure).lower() == "false":
            return True
    return False


@stack_rule(
    "s3-tls-only",
    types=BUCKETS,
    description="Each S3 bucket policy denies requests without TLS (aws:SecureTransport false).",
    level=ADVISORY,
    fix='Add a bucket policy statement: Effect Deny, Principal "*", Action "s3:*", Resource the bucket and '
    'its objects, Condition {"Bool": {"aws:SecureTransport": "false"}}.',
    pillar="security",
    anchors="AwsSolutions-S10",
)
def tls_only(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(bucket: Res) -> Iterator[str]:
        docs = [json_doc(policy.get("policy")) for policy in _bucket_children(stack, bucket, BUCKET_POLICY)]
        docs.append(json_doc(bucket.get("policy")))
        if not any(_denies_insecure_transport(doc) for doc in docs):
            yield violation(
                bucket,
                "bucket policy",
                None,
                "a Deny statement for aws:SecureTransport false",
                "add a BucketPolicy that denies requests without TLS",
            )

    return stack.each(BUCKETS, check)


@resource_rule(
    "log-group-retention",
    types=[LOG_GROUP],
    description="Every log group sets a retention within bounds (the default keeps logs, and costs, forever).",
    level=MANDATORY,
    fix="Set retention_in_days (e.g. 14 in dev, 90 in prod).",
    pillar="cost-optimization",
    anchors="NAG LogGroupRetention, CKV_AWS_66",
    config={
        "min_days": integer(7, 1, description="Shortest retention allowed (days)."),
        "max_days": integer(3653, 1, description="Longest retention allowed (days)."),
    },
)
def log_group_retention(group: Res, config: Config) -> Iterator[str]:
    days = number(group.get("retentionInDays"))
    if days is None or days == 0 or not config["min_days"] <= days <= config["max_days"]:
        wanted = f"between {show(config['min_days'])} and {show(config['max_days'])} days"
        yield violation(group, "retentionInDays", days or None, wanted, "set retention_in_days")


@resource_rule(
    "required-tags",
    types=TAGGABLE,
    description="Taggable resources carry the configured tags (ownership, cost allocation).",
    level=ADVISORY,
    fix="Tag every resource from one stack-wide source (a transform, or the provider's default_tags).",
    pillar="operational-excellence",
    anchors="",
    config={"tags": string_list(("environment", "owner", "cost-center"), "Tag keys every resource must carry.")},
)
def required_tags(res: Res, config: Config) -> Iterator[str]:
    tags = dict(raw(res.get("tags")) or {})
    # Under the CLI the provider's default_tags apply too (its config arrives JSON-encoded).
    defaults = json_doc(res.provider_props.get("defaultTags"))
    if isinstance(defaults, dict):
        tags.update(defaults.get("tags") or {})
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
    log_group_retention,
    required_tags,
)
