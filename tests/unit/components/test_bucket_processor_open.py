"""SecureBucket / BucketProcessor opened up: an existing bucket instead of a new one, and bucket overrides."""

from __future__ import annotations

import pytest
from pulumi_aws import s3

from pulumi_wasp.components import (
    BucketProcessor,
    BucketProcessorArgs,
    QueueArgs,
    SecureBucket,
    SecureBucketArgs,
    ServerlessFunctionArgs,
)
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

BUCKET = "aws:s3/bucket:Bucket"


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
