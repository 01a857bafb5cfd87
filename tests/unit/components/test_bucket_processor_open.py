"""SecureBucket / BucketProcessor opened up: an existing bucket, function or queue instead of a new one, and bucket
overrides."""

from __future__ import annotations

import pytest
from pulumi_aws import iam as aws_iam
from pulumi_aws import s3, sqs

from pulumi_wasp.components import (
    BucketProcessor,
    BucketProcessorArgs,
    ExistingFunction,
    ExistingQueue,
    Queue,
    QueueArgs,
    QueueProcessorArgs,
    SecureBucket,
    SecureBucketArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
)
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

BUCKET = "aws:s3/bucket:Bucket"
FUNCTION = "aws:lambda/function:Function"
NOTIFICATION = "aws:s3/bucketNotification:BucketNotification"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:legacy-import"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:legacy-inbox"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/legacy-inbox"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def handler() -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"])


@pytest.fixture(scope="module")
def by_name():
    with logged() as lines:
        stack = synthesize(
            lambda: BucketProcessor(
                "imports", BucketProcessorArgs(existing_bucket="legacy-uploads", prefix="in/", function=handler())
            )
        )
    return stack, lines


def test_an_existing_bucket_is_not_created(by_name):
    stack, _ = by_name
    assert stack.in_component("imports", type=BUCKET) == []
    assert stack.in_component("imports", type="wasp:bucket:SecureBucket") == []


def test_the_notification_and_permission_target_the_existing_bucket(by_name):
    stack, _ = by_name
    assert stack.one("aws:s3/bucketNotification:BucketNotification", within="imports").input("bucket") == (
        "legacy-uploads"
    )
    permission = stack.one("aws:lambda/permission:Permission", within="imports")
    assert permission.input("sourceArn") == "arn:aws:s3:::legacy-uploads"


def test_the_function_may_read_the_existing_buckets_prefix(by_name):
    stack, _ = by_name
    statements = stack.one("aws:iam/rolePolicy:RolePolicy", within="imports").input_json("policy")["Statement"]
    assert any(
        s["Action"] == ["s3:GetObject"] and s["Resource"] == ["arn:aws:s3:::legacy-uploads/in/*"] for s in statements
    )


def test_a_bucket_name_says_what_it_could_not_check(by_name):
    _, lines = by_name
    assert "BucketProcessor imports: given a bare identifier, so not checked: the existing bucket's public access" in (
        "\n".join(lines.at("INFO"))
    )


def test_an_existing_secure_bucket_feeds_a_queue():
    def program():
        uploads = SecureBucket("uploads")
        BucketProcessor("imports", BucketProcessorArgs(existing_bucket=uploads, queue=QueueArgs()))

    stack = synthesize(program)
    notification = stack.one("aws:s3/bucketNotification:BucketNotification", within="imports")
    assert notification.input("bucket") == stack.named("uploads-bucket").id
    policy = stack.named("imports-queue-policy").input_json("policy")
    assert policy["Statement"][1]["Condition"]["ArnEquals"]["aws:SourceArn"] == stack.named("uploads-bucket").output(
        "arn"
    )


def test_an_existing_s3_bucket_resource_is_used_by_its_id():
    def program():
        bucket = s3.Bucket("raw")
        BucketProcessor("imports", BucketProcessorArgs(existing_bucket=bucket, function=handler()))

    stack = synthesize(program)
    assert stack.one("aws:s3/bucketNotification:BucketNotification", within="imports").input("bucket") == (
        stack.named("raw").id
    )


def test_both_a_bucket_and_an_existing_bucket_fail_naming_both():
    args = BucketProcessorArgs(existing_bucket="b", bucket=SecureBucketArgs(), function=handler())
    with pytest.raises(
        ValueError, match="BucketProcessorArgs.existing_bucket .* or BucketProcessorArgs.bucket .* both"
    ):
        args.validate()


@pytest.fixture(scope="module")
def overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: SecureBucket(
                "site",
                SecureBucketArgs(
                    overrides={"object_lock_enabled": True, "tags": {"data": "public"}},
                    public_access_block_overrides={"block_public_policy": False},
                ),
            )
        )
    return stack, lines


def test_overrides_reach_the_bucket_and_the_public_access_block(overridden):
    stack, _ = overridden
    bucket = stack.one(BUCKET, within="site")
    assert (bucket.input("objectLockEnabled"), bucket.input("tags")["data"]) == (True, "public")
    assert (
        stack.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", within="site").input("blockPublicPolicy")
        is False
    )


def test_opening_the_public_access_block_warns_and_the_pack_flags_it(overridden):
    stack, lines = overridden
    assert any("the policy rule s3-block-public-access will flag it" in line for line in lines.at("WARNING"))
    assert [d.policy for d in stack.preview().of("s3-block-public-access")] == ["s3-block-public-access"]


def test_an_unknown_bucket_override_fails_naming_it():
    with pytest.raises(
        ProgramError,
        match=r"SecureBucketArgs.overrides: 'versioning_enabled' is not a keyword argument "
        r"of s3.Bucket",
    ):
        synthesize(lambda: SecureBucket("site", SecureBucketArgs(overrides={"versioning_enabled": True})))


# -- an existing function ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def existing_function():
    def program():
        role = aws_iam.Role("legacy-role", assume_role_policy="{}")
        BucketProcessor(
            "imports",
            BucketProcessorArgs(prefix="in/", existing_function=ExistingFunction(arn=FUNCTION_ARN, role=role)),
        )

    with logged() as lines:
        stack = synthesize(program)
    return stack, lines


def test_an_existing_function_is_not_created_but_notified(existing_function):
    stack, _ = existing_function
    assert stack.in_component("imports", type=FUNCTION) == []
    (target,) = stack.one(NOTIFICATION, within="imports").input("lambdaFunctions")
    assert target["lambdaFunctionArn"] == FUNCTION_ARN


def test_s3_may_invoke_the_existing_function_from_the_bucket_only(existing_function):
    stack, _ = existing_function
    permission = stack.one("aws:lambda/permission:Permission", within="imports")
    assert (permission.input("function"), permission.input("sourceArn")) == (
        FUNCTION_ARN,
        stack.named("imports-bucket").output("arn"),
    )
    assert permission.input("sourceAccount") == "123456789012"
    assert permission.urn in stack.one(NOTIFICATION, within="imports").dependencies


def test_an_existing_functions_role_may_read_the_prefix_in_a_policy_of_the_processors(existing_function):
    stack, _ = existing_function
    policy = stack.named("imports-bucket-policy", ROLE_POLICY)
    assert policy.input("role") == stack.named("legacy-role").id
    assert any(s["Action"] == ["s3:GetObject"] for s in policy.input_json("policy")["Statement"])


def test_a_bare_function_says_its_async_failures_were_not_checked(existing_function):
    _, lines = existing_function
    assert "BucketProcessor imports: given a bare identifier, so not checked: where the function sends events" in (
        "\n".join(lines.at("INFO"))
    )


def test_an_existing_function_without_a_role_lists_the_read_and_warns():
    processors = []
    with logged() as lines:
        synthesize(
            lambda: processors.append(
                BucketProcessor("imports", BucketProcessorArgs(existing_function=ExistingFunction(arn=FUNCTION_ARN)))
            )
        )
    assert [s["Action"] for s in processors[0].required_statements] == [["s3:GetObject"]]
    assert any("BucketProcessorArgs.existing_function has no role" in line for line in lines.at("WARNING"))


def test_an_existing_function_without_a_failure_destination_warns_and_the_pack_flags_it():
    def program():
        function = ServerlessFunction("legacy", handler())
        BucketProcessor("imports", BucketProcessorArgs(existing_function=ExistingFunction(function=function)))

    with logged() as lines:
        stack = synthesize(program)
    assert any(
        "BucketProcessorArgs.existing_function of BucketProcessor imports is a ServerlessFunction without "
        "async_invoke" in line
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("lambda-async-failure-destination")] == ["legacy-function"]


# -- an existing queue -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def existing_queue():
    processors = []

    def program():
        processors.append(
            BucketProcessor(
                "imports",
                BucketProcessorArgs(queue=ExistingQueue(arn=QUEUE_ARN, url=QUEUE_URL, kms_key_arn=KEY_ARN)),
            )
        )

    return synthesize(program), processors[0]


def test_an_existing_queue_is_not_created_but_notified(existing_queue):
    stack, _ = existing_queue
    assert stack.in_component("imports", type="aws:sqs/queue:Queue") == []
    (target,) = stack.one(NOTIFICATION, within="imports").input("queues")
    assert target["queueArn"] == QUEUE_ARN


def test_the_existing_queues_policy_admits_s3_from_the_bucket_before_the_notification(existing_queue):
    stack, _ = existing_queue
    policy = stack.named("imports-queue-policy")
    assert policy.input("queueUrl") == QUEUE_URL
    (allow,) = [s for s in policy.input_json("policy")["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "s3.amazonaws.com"}
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"] == stack.named("imports-bucket").output("arn")
    assert policy.urn in stack.one(NOTIFICATION, within="imports").dependencies


def test_an_existing_queues_key_lists_what_s3_needs_of_its_policy(existing_queue):
    _, processor = existing_queue
    (grant,) = processor.required_key_policy
    (statement,) = grant.statements
    assert (grant.key_arn, statement["Principal"]) == (KEY_ARN, {"Service": "s3.amazonaws.com"})


def test_a_processor_on_an_existing_queue_with_an_existing_function_grants_its_role_the_bucket_and_the_queue():
    def program():
        role = aws_iam.Role("legacy-role", assume_role_policy="{}")
        BucketProcessor(
            "imports",
            BucketProcessorArgs(
                processor=QueueProcessorArgs(
                    existing_queue=ExistingQueue(arn=QUEUE_ARN, url=QUEUE_URL),
                    existing_function=ExistingFunction(arn=FUNCTION_ARN, role=role, timeout_seconds=10),
                )
            ),
        )

    stack = synthesize(program)
    assert stack.in_component("imports", type=FUNCTION) == []
    mapping = stack.one("aws:lambda/eventSourceMapping:EventSourceMapping", within="imports")
    assert (mapping.input("eventSourceArn"), mapping.input("functionName")) == (QUEUE_ARN, FUNCTION_ARN)
    assert stack.named("imports-queue-policy").input("queueUrl") == QUEUE_URL
    read = stack.named("imports-bucket-policy", ROLE_POLICY)
    assert read.input("role") == stack.named("legacy-role").id
    assert any(s["Action"] == ["s3:GetObject"] for s in read.input_json("policy")["Statement"])


@pytest.mark.parametrize(
    ("queue", "message"),
    [
        (
            lambda: ExistingQueue(queue=Queue("inbox")),
            "BucketProcessorArgs.queue is a Queue component, which owns its queue policy",
        ),
        (
            lambda: ExistingQueue(arn=f"{QUEUE_ARN}.fifo", url=f"{QUEUE_URL}.fifo", fifo=True),
            "S3 event notifications cannot target a FIFO queue",
        ),
        (lambda: ExistingQueue(arn=QUEUE_ARN), "a bare queue needs both arn= and url="),
    ],
)
def test_an_existing_queue_s3_cannot_deliver_to_fails_naming_why(queue, message):
    with pytest.raises(ProgramError, match=message):
        synthesize(lambda: BucketProcessor("imports", BucketProcessorArgs(queue=queue())))


@pytest.mark.parametrize(
    "queue",
    [
        lambda: ExistingQueue(queue=sqs.Queue("legacy", fifo_queue=True)),
        lambda: ExistingQueue(arn=f"{QUEUE_ARN}.fifo", url=f"{QUEUE_URL}.fifo"),
    ],
    ids=["resource", "arn"],
)
def test_an_existing_queue_known_to_be_fifo_fails(queue):
    with pytest.raises(
        ProgramError, match="BucketProcessor imports: BucketProcessorArgs.queue is a FIFO queue, and S3 event"
    ):
        synthesize(lambda: BucketProcessor("imports", BucketProcessorArgs(queue=queue())))


def test_a_bare_queue_says_what_it_could_not_check():
    with logged() as lines:
        synthesize(
            lambda: BucketProcessor("imports", BucketProcessorArgs(queue=ExistingQueue(arn=QUEUE_ARN, url=QUEUE_URL)))
        )
    assert (
        "BucketProcessor imports: given a bare identifier, so not checked: BucketProcessorArgs.queue's encryption"
        in ("\n".join(lines.at("INFO")))
    )
