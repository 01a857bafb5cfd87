"""Data store rules: DynamoDB recovery and capacity, Kinesis encryption, S3 protection, log retention, tags."""

from __future__ import annotations

import json

import pulumi_aws as aws
import pytest

from pulumi_wasp.components import GlobalSecondaryIndex, Table, TableArgs
from pulumi_wasp.preview import ConfigError, PolicyReport, load_pack, reconcile
from pulumi_wasp.synthesis import Synthesis

from .conftest import TAGS, analyze, exempt, exempted, flagged, messages, synth, unevaluated, with_unknown

KEY = [{"name": "id", "type": "S"}]
ALL_BLOCKED = {
    "block_public_acls": True,
    "block_public_policy": True,
    "ignore_public_acls": True,
    "restrict_public_buckets": True,
}


def scaled_table(
    name: str,
    *,
    indexes: list[str] | None = None,
    scaled_indexes: list[str] | None = None,
    bounds: tuple[int, int] = (5, 100),
    target_value: float = 70,
    policies: bool = True,
) -> None:
    """A provisioned table whose table (and ``scaled_indexes``, by default every index) reads and writes have
    scalable targets with ``bounds`` and, with ``policies``, target-tracking policies at ``target_value``."""
    indexes = indexes or []
    gsis = [{"name": index, "hash_key": "id", "projection_type": "ALL", "read_capacity": 5, "write_capacity": 5}
            for index in indexes]  # fmt: skip
    table = aws.dynamodb.Table(
        name, hash_key="id", attributes=KEY, read_capacity=5, write_capacity=5, global_secondary_indexes=gsis or None,
        tags=TAGS,
    )  # fmt: skip
    for index in [None, *(indexes if scaled_indexes is None else scaled_indexes)]:
        for dimension in ("Read", "Write"):
            suffix = f"{index}-{dimension.lower()}" if index else dimension.lower()
            target = aws.appautoscaling.Target(
                f"{name}-{suffix}",
                resource_id=table.name.apply(lambda table_name, i=index: f"table/{table_name}" + (f"/index/{i}" if i else "")),
                scalable_dimension=f"dynamodb:{'index' if index else 'table'}:{dimension}CapacityUnits",
                service_namespace="dynamodb",
                min_capacity=bounds[0],
                max_capacity=bounds[1],
            )  # fmt: skip
            if policies:
                aws.appautoscaling.Policy(
                    f"{name}-{suffix}-scaling",
                    policy_type="TargetTrackingScaling",
                    resource_id=target.resource_id,
                    scalable_dimension=target.scalable_dimension,
                    service_namespace=target.service_namespace,
                    target_tracking_scaling_policy_configuration={
                        "predefined_metric_specification": {
                            "predefined_metric_type": f"DynamoDB{dimension}CapacityUtilization"
                        },
                        "target_value": target_value,
                    },
                )


def program() -> None:
    aws.dynamodb.Table(
        "on-demand", hash_key="id", attributes=KEY, billing_mode="PAY_PER_REQUEST",
        point_in_time_recovery={"enabled": True}, tags=TAGS,
    )  # fmt: skip
    aws.dynamodb.Table("fixed", hash_key="id", attributes=KEY, read_capacity=5, write_capacity=5, tags=TAGS)
    scaled_table("scaled")
    scaled_table("indexed", indexes=["by-x"])
    scaled_table("index-unscaled", indexes=["by-x"], scaled_indexes=[])
    scaled_table("inverted", bounds=(100, 5))
    scaled_table("hot", target_value=95)
    scaled_table("untracked", policies=False)
    Table(
        "component",
        TableArgs(
            hash_key="id",
            billing_mode="PROVISIONED",
            global_secondary_indexes=[GlobalSecondaryIndex("by-x", "x")],
            tags=TAGS,
        ),
    )
    aws.dynamodb.Table(
        "legacy",
        hash_key="id",
        attributes=KEY,
        read_capacity=1,
        write_capacity=1,
        tags=exempt("dynamodb-scalable-capacity"),
    )

    aws.kinesis.Stream("sealed", shard_count=1, encryption_type="KMS", kms_key_id="alias/aws/kinesis", tags=TAGS)
    aws.kinesis.Stream("clear", shard_count=1, tags=TAGS)

    private = aws.s3.Bucket("private", tags=TAGS)
    aws.s3.BucketPublicAccessBlock("private-block", bucket=private.id, **ALL_BLOCKED)
    aws.s3.BucketPolicy(
        "private-policy",
        bucket=private.id,
        policy=private.arn.apply(
            lambda arn: json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [arn, f"{arn}/*"],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ]
                }
            )
        ),
    )
    half = aws.s3.Bucket("half-open", tags=TAGS)
    aws.s3.BucketPublicAccessBlock("half-open-block", bucket=half.id, **{**ALL_BLOCKED, "block_public_policy": False})
    aws.s3.Bucket("open", tags=TAGS)
    aws.s3.Bucket("website", tags=exempt("s3-block-public-access", "static website served to the public"))

    aws.cloudwatch.LogGroup("kept", retention_in_days=14, tags=TAGS)
    aws.cloudwatch.LogGroup("forever", tags=TAGS)
    aws.cloudwatch.LogGroup("hoarded", retention_in_days=3653 * 2, tags=TAGS)
    aws.cloudwatch.LogGroup("untagged", retention_in_days=14)


@pytest.fixture(scope="module")
def stack() -> Synthesis:
    return synth(program)


@pytest.fixture(scope="module")
def report(stack: Synthesis) -> PolicyReport:
    return analyze(stack)


def test_pitr_accepts_enabled_recovery_and_flags_its_absence(report: PolicyReport) -> None:
    assert "on-demand" not in flagged(report, "dynamodb-pitr")
    assert "fixed" in flagged(report, "dynamodb-pitr")


def test_scalable_capacity_accepts_on_demand(report: PolicyReport) -> None:
    assert "on-demand" not in flagged(report, "dynamodb-scalable-capacity")


def test_scalable_capacity_accepts_provisioned_with_read_and_write_scaling(report: PolicyReport) -> None:
    assert "scaled" not in flagged(report, "dynamodb-scalable-capacity")


def test_scalable_capacity_accepts_scaled_global_indexes(report: PolicyReport) -> None:
    assert "indexed" not in flagged(report, "dynamodb-scalable-capacity")


def test_scalable_capacity_accepts_a_provisioned_table_component(report: PolicyReport) -> None:
    assert "component-table" not in flagged(report, "dynamodb-scalable-capacity")
    assert "component-table" not in unevaluated(report, "dynamodb-scalable-capacity")


def test_scalable_capacity_flags_a_global_index_without_scaling(report: PolicyReport) -> None:
    (message,) = messages(report, "dynamodb-scalable-capacity", "index-unscaled")
    assert "dynamodb:index:ReadCapacityUnits of index by-x, dynamodb:index:WriteCapacityUnits of index by-x" in message
    assert "dynamodb:table" not in message


def test_scalable_capacity_flags_a_minimum_above_the_maximum(report: PolicyReport) -> None:
    (message,) = messages(report, "dynamodb-scalable-capacity", "inverted")
    assert "dynamodb:table:ReadCapacityUnits: minCapacity (100) ≤ maxCapacity (5)" in message


def test_scalable_capacity_flags_a_target_utilization_out_of_bounds(report: PolicyReport) -> None:
    (message,) = messages(report, "dynamodb-scalable-capacity", "hot")
    assert "targetValue of hot-read-scaling (95) between 20 and 90 %" in message


def test_scalable_capacity_flags_targets_without_a_tracking_policy(report: PolicyReport) -> None:
    (message,) = messages(report, "dynamodb-scalable-capacity", "untracked")
    assert "dynamodb:table:WriteCapacityUnits: a TargetTrackingScaling policy on its target (none found)" in message


def test_scalable_capacity_flags_fixed_provisioned_capacity(report: PolicyReport) -> None:
    (message,) = messages(report, "dynamodb-scalable-capacity", "fixed")
    assert "dynamodb:table:ReadCapacityUnits, dynamodb:table:WriteCapacityUnits" in message


def test_scalable_capacity_lists_an_exempted_table(report: PolicyReport) -> None:
    assert "legacy" in exempted(report, "dynamodb-scalable-capacity")


def test_scalable_capacity_leaves_an_unknown_billing_mode_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "fixed", "billingMode"))
    assert "fixed" in unevaluated(report, "dynamodb-scalable-capacity")


def test_kinesis_encryption_accepts_kms_and_flags_none(report: PolicyReport) -> None:
    assert flagged(report, "kinesis-encryption") == {"clear"}


def test_block_public_access_accepts_all_four_flags(report: PolicyReport) -> None:
    assert "private" not in flagged(report, "s3-block-public-access")


def test_block_public_access_names_the_flag_left_off(report: PolicyReport) -> None:
    (message,) = messages(report, "s3-block-public-access", "half-open")
    assert "blockPublicPolicy is" in message


def test_block_public_access_flags_a_bucket_without_a_block(report: PolicyReport) -> None:
    assert "open" in flagged(report, "s3-block-public-access")


def test_block_public_access_lists_an_exempted_bucket(report: PolicyReport) -> None:
    assert "website" in exempted(report, "s3-block-public-access")
    assert "website" not in flagged(report, "s3-block-public-access")


def test_block_public_access_leaves_an_unknown_flag_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "private-block", "blockPublicAcls"))
    assert "private" in unevaluated(report, "s3-block-public-access")


def test_tls_only_accepts_a_policy_denying_insecure_transport(report: PolicyReport) -> None:
    assert "private" not in flagged(report, "s3-tls-only")


def test_tls_only_flags_a_bucket_without_one_as_mandatory(report: PolicyReport) -> None:
    assert [d.level for d in report.violations("s3-tls-only") if d.name == "open"] == ["mandatory"]


def test_log_group_retention_accepts_bounded_retention(report: PolicyReport) -> None:
    assert "kept" not in flagged(report, "log-group-retention")


def test_log_group_retention_flags_forever_and_too_long(report: PolicyReport) -> None:
    assert {"forever", "hoarded"} <= flagged(report, "log-group-retention")


def test_required_tags_flags_missing_tags_and_accepts_the_configured_set(report: PolicyReport) -> None:
    assert "untagged" in flagged(report, "required-tags")
    assert "kept" not in flagged(report, "required-tags")


def test_required_tags_reads_the_configured_keys(stack: Synthesis) -> None:
    report = analyze(stack, {"required-tags": {"tags": ["team"]}})
    assert "kept" in flagged(report, "required-tags")


def logging_program() -> None:
    logs = aws.s3.Bucket("access-logs", tags=TAGS)
    logged = aws.s3.Bucket("logged", tags=TAGS)
    aws.s3.BucketLogging("logged-logging", bucket=logged.id, target_bucket=logs.id, target_prefix="logged/")
    aws.s3.Bucket("unlogged", tags=TAGS)
    narcissist = aws.s3.Bucket("narcissist", bucket="narcissist-bucket", tags=TAGS)
    aws.s3.BucketLogging(
        "narcissist-logging", bucket=narcissist.id, target_bucket="narcissist-bucket", target_prefix="self/"
    )
    aws.s3.Bucket("scratch", tags=exempt("s3-access-logging", "scratch data, deleted after each test run"))

    rotated = aws.secretsmanager.Secret("rotated", tags=TAGS)
    rotator = "arn:aws:lambda:us-east-1:123456789012:function:rotate"
    aws.secretsmanager.SecretRotation(
        "rotated-rotation", secret_id=rotated.id, rotation_lambda_arn=rotator,
        rotation_rules={"automatically_after_days": 30},
    )  # fmt: skip
    weekly = aws.secretsmanager.Secret("weekly", tags=TAGS)
    aws.secretsmanager.SecretRotation(
        "weekly-rotation", secret_id=weekly.id, rotation_lambda_arn=rotator,
        rotation_rules={"schedule_expression": "rate(7 days)"},
    )  # fmt: skip
    yearly = aws.secretsmanager.Secret("yearly", tags=TAGS)
    aws.secretsmanager.SecretRotation(
        "yearly-rotation", secret_id=yearly.id, rotation_lambda_arn=rotator,
        rotation_rules={"automatically_after_days": 365},
    )  # fmt: skip
    aws.secretsmanager.Secret("static", tags=TAGS)
    reason = "the payment provider issues the signing secret; rotation is coordinated with them"
    aws.secretsmanager.Secret("provider-signing", tags=exempt("secret-rotation", reason))


@pytest.fixture(scope="module")
def logging_stack() -> Synthesis:
    return synth(logging_program)


@pytest.fixture(scope="module")
def logging_report(logging_stack: Synthesis) -> PolicyReport:
    return analyze(logging_stack)


def test_access_logging_accepts_a_bucket_logging_to_another_bucket(logging_report: PolicyReport) -> None:
    assert "logged" not in flagged(logging_report, "s3-access-logging")


def test_access_logging_exempts_the_bucket_receiving_the_logs(logging_report: PolicyReport) -> None:
    assert "access-logs" not in flagged(logging_report, "s3-access-logging")


def test_access_logging_flags_a_bucket_without_logging(logging_report: PolicyReport) -> None:
    assert "unlogged" in flagged(logging_report, "s3-access-logging")


def test_access_logging_flags_a_bucket_logging_to_itself(logging_report: PolicyReport) -> None:
    (message,) = messages(logging_report, "s3-access-logging", "narcissist")
    assert 'narcissist-logging (aws:s3/bucketLogging:BucketLogging): targetBucket is "narcissist-bucket"' in message


def test_access_logging_lists_an_exempted_bucket(logging_report: PolicyReport) -> None:
    assert "scratch" in exempted(logging_report, "s3-access-logging")


def test_access_logging_leaves_an_unknown_target_not_evaluated(logging_stack: Synthesis) -> None:
    report = analyze(with_unknown(logging_stack, "logged-logging", "targetBucket"))
    assert "logged" in unevaluated(report, "s3-access-logging")


def test_secret_rotation_accepts_rotation_every_30_days(logging_report: PolicyReport) -> None:
    assert "rotated" not in flagged(logging_report, "secret-rotation")


def test_secret_rotation_reads_a_rate_schedule(logging_report: PolicyReport) -> None:
    assert "weekly" not in flagged(logging_report, "secret-rotation")


def test_secret_rotation_flags_a_secret_that_never_rotates(logging_report: PolicyReport) -> None:
    (message,) = messages(logging_report, "secret-rotation", "static")
    assert "or an exemption with its reason" in message


def test_secret_rotation_flags_rotation_less_often_than_max_days(logging_report: PolicyReport) -> None:
    (message,) = messages(logging_report, "secret-rotation", "yearly")
    assert "rotationRules (days between rotations) is 365;" in message


def test_secret_rotation_max_days_is_configurable(logging_stack: Synthesis) -> None:
    report = analyze(logging_stack, {"secret-rotation": {"max_days": 400}})
    assert "yearly" not in flagged(report, "secret-rotation")


def test_secret_rotation_lists_a_secret_exempted_with_its_reason(logging_report: PolicyReport) -> None:
    reasons = [e.reason for e in logging_report.exempted if e.policy == "secret-rotation"]
    assert reasons == ["the payment provider issues the signing secret; rotation is coordinated with them"]


def test_secret_rotation_max_days_must_be_at_least_one_day() -> None:
    with pytest.raises(ConfigError, match="secret-rotation: max_days: 0 is less than the minimum of 1"):
        reconcile(load_pack(), {"secret-rotation": {"max_days": 0}})
