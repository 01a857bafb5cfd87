"""BucketProcessor: a locked-down bucket whose new objects reach a function or a queue."""

from __future__ import annotations

import pytest

from components import QueueArgs
from components.bucket_processor import BucketProcessorArgs
from tests.unit.components.synth_helpers import function_args, synth_program, synthesis_error
from tests.unit.conftest import one, policy, within

BUCKET = "aws:s3/bucket:Bucket"
FUNCTION = "aws:lambda/function:Function"
NOTIFICATION = "aws:s3/bucketNotification:BucketNotification"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"


@pytest.fixture(scope="module")
def stack():
    return synth_program("bucket_processor")


def bucket_id(stack, name="uploads"):
    return one(stack, name, BUCKET).outputs["bucket"]


def bucket_arn(stack, name="uploads"):
    return one(stack, name, BUCKET).outputs["arn"]


def test_public_access_is_blocked_with_all_four_flags(stack):
    block = one(stack, "uploads", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert block == {
        "bucket": bucket_id(stack),
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }


def test_objects_are_encrypted_with_sse_s3_by_default(stack):
    encryption = one(stack, "uploads", ENCRYPTION)
    assert encryption.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]


def test_versioning_is_enabled(stack):
    versioning = one(stack, "uploads", "aws:s3/bucketVersioning:BucketVersioning").inputs
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}


def test_the_bucket_policy_denies_every_request_without_tls(stack):
    (statement,) = policy(one(stack, "uploads", "aws:s3/bucketPolicy:BucketPolicy"))["Statement"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*" and statement["Action"] == "s3:*"
    assert statement["Resource"] == [bucket_arn(stack), f"{bucket_arn(stack)}/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_bucket_policy_waits_for_the_public_access_block(stack):
    block = one(stack, "uploads", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert block.urn in one(stack, "uploads", "aws:s3/bucketPolicy:BucketPolicy").dependencies


def test_old_versions_expire_after_90_days_and_incomplete_uploads_after_7(stack):
    rules = {rule["id"]: rule for rule in one(stack, "uploads", LIFECYCLE).inputs["rules"]}
    assert rules["expire-noncurrent-versions"]["noncurrentVersionExpiration"] == {"noncurrentDays": 90}
    assert rules["abort-incomplete-uploads"]["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    assert "expire-objects" not in rules


def test_new_objects_matching_prefix_and_suffix_invoke_the_function(stack):
    (target,) = one(stack, "uploads", NOTIFICATION).inputs["lambdaFunctions"]
    assert target == {
        "lambdaFunctionArn": one(stack, "uploads", FUNCTION).outputs["arn"],
        "events": ["s3:ObjectCreated:*"],
        "filterPrefix": "uploads/",
        "filterSuffix": ".csv",
    }


def test_only_this_bucket_in_this_account_may_invoke_the_function(stack):
    permission = one(stack, "uploads", "aws:lambda/permission:Permission")
    assert permission.inputs["principal"] == "s3.amazonaws.com"
    assert permission.inputs["sourceArn"] == bucket_arn(stack)
    assert permission.inputs["sourceAccount"] == "123456789012"
    assert permission.urn in one(stack, "uploads", NOTIFICATION).dependencies


def test_the_function_is_an_async_target_with_an_on_failure_dlq(stack):
    config = one(stack, "uploads", "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs
    assert (config["maximumRetryAttempts"], config["maximumEventAgeInSeconds"]) == (2, 3600)
    assert config["destinationConfig"]["onFailure"]["destination"] == stack.named("uploads-dlq").outputs["arn"]


def test_the_function_may_read_only_objects_under_the_prefix(stack):
    statements = policy(one(stack, "uploads", "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    (read,) = [s for s in statements if "s3:GetObject" in s["Action"]]
    assert read["Action"] == ["s3:GetObject"]
    assert read["Resource"] == [f"{bucket_arn(stack)}/uploads/*"]


def test_a_queue_target_admits_s3_only_from_the_bucket(stack):
    queue = stack.named("archive-queue", "aws:sqs/queue:Queue")
    (target,) = one(stack, "archive", NOTIFICATION).inputs["queues"]
    assert target == {"queueArn": queue.outputs["arn"], "events": ["s3:ObjectCreated:*"]}
    allow = policy(stack.named("archive-queue-policy"))["Statement"][1]
    assert allow["Principal"] == {"Service": "s3.amazonaws.com"} and allow["Action"] == "sqs:SendMessage"
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": bucket_arn(stack, "archive")}}


def test_the_notification_waits_for_the_queue_and_its_policy(stack):
    queue_policy = stack.named("archive-queue-policy", "aws:sqs/queuePolicy:QueuePolicy")
    assert queue_policy.urn in one(stack, "archive", NOTIFICATION).dependencies


def test_the_queue_processor_function_may_read_the_objects_and_decrypt_them(stack):
    statements = policy(stack.named("archive-policy", "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    resources = {action: s["Resource"] for s in statements for action in s["Action"]}
    assert resources["s3:GetObject"] == [f"{bucket_arn(stack, 'archive')}/*"]
    assert resources["kms:Decrypt"] == ["arn:aws:kms:eu-west-1:123456789012:key/archive"]


def test_overrides_kms_encryption_no_versioning_expiry_and_force_destroy(stack):
    encryption = one(stack, "archive", ENCRYPTION)
    assert encryption.inputs["rules"] == [
        {
            "applyServerSideEncryptionByDefault": {
                "sseAlgorithm": "aws:kms",
                "kmsMasterKeyId": "arn:aws:kms:eu-west-1:123456789012:key/archive",
            },
            "bucketKeyEnabled": True,
        }
    ]
    assert within(stack, "archive", "aws:s3/bucketVersioning:BucketVersioning") == []
    assert [rule["id"] for rule in one(stack, "archive", LIFECYCLE).inputs["rules"]] == ["expire-objects"]
    assert one(stack, "archive", LIFECYCLE).inputs["rules"][0]["expiration"] == {"days": 365}
    assert one(stack, "archive", BUCKET).inputs["forceDestroy"] is True
    assert one(stack, "archive", BUCKET).inputs["tags"]["team"] == "finance"


def test_a_bare_queue_target_has_no_function(stack):
    assert within(stack, "inbox", FUNCTION) == []
    (target,) = one(stack, "inbox", NOTIFICATION).inputs["queues"]
    assert target["queueArn"] == stack.named("inbox-queue", "aws:sqs/queue:Queue").outputs["arn"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "BucketProcessorArgs: set exactly one of function=, processor= or queue="),
        ({"function": function_args(), "queue": QueueArgs()}, "BucketProcessorArgs: set exactly one of"),
        (
            {"function": function_args(), "encryption": "SSE-C"},
            "BucketProcessorArgs.encryption must be 'AES256' or 'aws:kms'",
        ),
        (
            {"function": function_args(), "kms_key_arn": "arn:aws:kms:k"},
            "BucketProcessorArgs.kms_key_arn needs encryption='aws:kms'",
        ),
        (
            {"function": function_args(), "prefix": "/uploads"},
            "BucketProcessorArgs.prefix: S3 keys do not start with '/'",
        ),
        ({"function": function_args(), "expiration_days": 0}, "BucketProcessorArgs.expiration_days must be ≥ 1"),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(overrides, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BucketProcessorArgs(**overrides).validate()


def test_bad_args_fail_the_synthesis():
    assert "BucketProcessorArgs: set exactly one of" in synthesis_error("bucket-without-target")


def test_children_are_parented_and_named_after_the_processor(stack):
    owner = next(r for r in stack if r.name == "uploads" and r.type == "serverless:bucket:BucketProcessor")
    assert all(r.name.startswith("uploads") for r in stack.descendants(owner))
    assert set(owner.outputs) == {"bucket_name", "bucket_arn"}
