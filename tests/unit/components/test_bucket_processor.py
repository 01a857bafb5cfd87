"""BucketProcessor: a SecureBucket whose new objects reach a function or a queue (the bucket itself: test_bucket.py)."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components import BucketProcessor, BucketProcessorArgs, QueueArgs, SecureBucketArgs
from tests.unit.components.synth_helpers import function_args, synth_program, synthesis_error
from tests.unit.conftest import one, policy, synth, within

BUCKET = "aws:s3/bucket:Bucket"
FUNCTION = "aws:lambda/function:Function"
NOTIFICATION = "aws:s3/bucketNotification:BucketNotification"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
PROCESSOR = "wasp:bucket:BucketProcessor"
SECURE_BUCKET = "wasp:bucket:SecureBucket"


@pytest.fixture(scope="module")
def stack():
    return synth_program("bucket_processor")


def bucket_id(stack, name="uploads"):
    return one(stack, name, BUCKET).outputs["bucket"]


def bucket_arn(stack, name="uploads"):
    return one(stack, name, BUCKET).outputs["arn"]


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


def test_the_bucket_is_a_secure_bucket_of_the_same_name_under_the_processor(stack):
    owner = stack.named("uploads", PROCESSOR)
    secure = stack.named("uploads", SECURE_BUCKET)
    assert secure.parent == owner.urn
    assert sorted(r.name for r in stack.children(secure)) == [
        "uploads-bucket",
        "uploads-bucket-policy",
        "uploads-encryption",
        "uploads-lifecycle",
        "uploads-public-access-block",
        "uploads-versioning",
    ]
    assert owner.outputs == {"name": bucket_id(stack), "arn": bucket_arn(stack)}


def test_the_buckets_resources_keep_the_urns_they_had_directly_under_the_processor(stack):
    # Before SecureBucket, the processor created them itself: the aliases adopt them on update.
    children = stack.children(stack.named("uploads", SECURE_BUCKET))
    for resource in children:
        former = f"urn:pulumi:dev::bucket-processor-test::{PROCESSOR}${resource.type}::{resource.name}"
        assert former in resource.aliases
    assert len(children) == 6


def test_bucket_args_reach_the_bucket_and_the_processor_tags_are_merged_under_its_own(stack):
    encryption = one(stack, "archive", ENCRYPTION).inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert encryption == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "arn:aws:kms:eu-west-1:123456789012:key/archive"}
    assert within(stack, "archive", "aws:s3/bucketVersioning:BucketVersioning") == []
    assert [rule["id"] for rule in one(stack, "archive", LIFECYCLE).inputs["rules"]] == ["expire-objects"]
    bucket = one(stack, "archive", BUCKET).inputs
    assert bucket["forceDestroy"] is True
    assert (bucket["tags"]["team"], bucket["tags"]["retention"]) == ("finance", "1y")


def test_the_default_bucket_is_versioned_and_encrypted_with_sse_s3(stack):
    rules = one(stack, "uploads", ENCRYPTION).inputs["rules"]
    assert rules == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    assert one(stack, "uploads", "aws:s3/bucketVersioning:BucketVersioning").inputs["versioningConfiguration"] == {
        "status": "Enabled"
    }


def test_a_bare_queue_target_has_no_function(stack):
    assert within(stack, "inbox", FUNCTION) == []
    (target,) = one(stack, "inbox", NOTIFICATION).inputs["queues"]
    assert target["queueArn"] == stack.named("inbox-queue", "aws:sqs/queue:Queue").outputs["arn"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "BucketProcessorArgs: set exactly one of function=, existing_function=, processor= or queue="),
        ({"function": function_args(), "queue": QueueArgs()}, "BucketProcessorArgs: set exactly one of"),
        (
            {"function": function_args(), "prefix": "/uploads"},
            "BucketProcessorArgs.prefix: S3 keys do not start with '/'",
        ),
        (
            {"function": function_args(), "bucket": SecureBucketArgs(encryption="SSE-C")},
            "SecureBucketArgs.encryption must be 'AES256' or 'aws:kms'",
        ),
        (
            {"function": function_args(), "bucket": SecureBucketArgs(expiration_days=0)},
            "SecureBucketArgs.expiration_days must be ≥ 1",
        ),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(overrides, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BucketProcessorArgs(**overrides).validate()


def test_bad_args_fail_the_synthesis():
    assert "BucketProcessorArgs: set exactly one of" in synthesis_error("bucket-without-target")


def test_children_are_parented_and_named_after_the_processor(stack):
    owner = stack.named("uploads", PROCESSOR)
    assert all(r.name.startswith("uploads") for r in stack.descendants(owner))


def test_write_back_grants_put_under_the_prefix_only():
    def program() -> None:
        BucketProcessor(
            "reports", BucketProcessorArgs(prefix="in/", suffix=".csv", write_back=True, function=function_args())
        )

    stack = synth(program)
    bucket_arn = one(stack, "reports", "aws:s3/bucket:Bucket").outputs["arn"]
    statements = json.loads(one(stack, "reports", "aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]
    assert {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": [f"{bucket_arn}/in/*"]} in statements


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"queue": QueueArgs(), "suffix": ".csv"}, "write_back needs function= or processor="),
        ({"function": "fn"}, "write_back needs a suffix"),
    ],
)
def test_write_back_is_rejected_where_it_could_not_work(overrides, message):
    if overrides.get("function") == "fn":
        overrides["function"] = function_args()
    with pytest.raises(ValueError, match=message):
        BucketProcessorArgs(write_back=True, **overrides).validate()


def test_a_fifo_queue_target_is_rejected():
    with pytest.raises(ValueError, match="cannot target a FIFO queue"):
        BucketProcessorArgs(queue=QueueArgs(fifo=True)).validate()
