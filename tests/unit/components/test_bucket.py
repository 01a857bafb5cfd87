"""SecureBucket: private, encrypted, versioned, TLS-only, with lifecycle rules."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import SecureBucketArgs
from tests.unit.components.synth_helpers import synth_program, synthesis_error
from tests.unit.conftest import one, policy, within

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
SECURE_BUCKET = "wasp:bucket:SecureBucket"


@pytest.fixture(scope="module")
def stack():
    return synth_program("bucket")


def bucket_id(stack, name="assets"):
    return one(stack, name, BUCKET).outputs["bucket"]


def bucket_arn(stack, name="assets"):
    return one(stack, name, BUCKET).outputs["arn"]


# -- defaults -------------------------------------------------------------------------------------
def test_public_access_is_blocked_with_all_four_flags(stack):
    assert one(stack, "assets", PUBLIC_ACCESS_BLOCK).inputs == {
        "bucket": bucket_id(stack),
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }


def test_objects_are_encrypted_with_sse_s3_by_default(stack):
    encryption = one(stack, "assets", ENCRYPTION)
    assert encryption.inputs["bucket"] == bucket_id(stack)
    assert encryption.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]


def test_versioning_is_enabled(stack):
    assert one(stack, "assets", VERSIONING).inputs["versioningConfiguration"] == {"status": "Enabled"}


def test_the_bucket_policy_denies_every_request_without_tls(stack):
    (statement,) = policy(one(stack, "assets", BUCKET_POLICY))["Statement"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*" and statement["Action"] == "s3:*"
    assert statement["Resource"] == [bucket_arn(stack), f"{bucket_arn(stack)}/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_bucket_policy_waits_for_the_public_access_block(stack):
    block = one(stack, "assets", PUBLIC_ACCESS_BLOCK)
    assert block.urn in one(stack, "assets", BUCKET_POLICY).dependencies


def test_old_versions_expire_after_90_days_and_incomplete_uploads_after_7(stack):
    rules = {rule["id"]: rule for rule in one(stack, "assets", LIFECYCLE).inputs["rules"]}
    assert rules["expire-noncurrent-versions"]["noncurrentVersionExpiration"] == {"noncurrentDays": 90}
    assert rules["abort-incomplete-uploads"]["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    assert "expire-objects" not in rules
    assert {rule["filter"]["prefix"] for rule in rules.values()} == {""}


def test_the_bucket_is_kept_when_it_holds_objects_and_tagged_for_the_stack(stack):
    bucket = one(stack, "assets", BUCKET).inputs
    assert "forceDestroy" not in bucket
    assert bucket["tags"] == {"project": "bucket-test", "stack": "dev", "managed-by": "pulumi"}


def test_children_are_named_after_the_bucket_and_it_registers_name_and_arn(stack):
    owner = stack.named("assets", SECURE_BUCKET)
    assert sorted(r.name for r in stack.children(owner)) == [
        "assets-bucket",
        "assets-bucket-policy",
        "assets-encryption",
        "assets-lifecycle",
        "assets-public-access-block",
        "assets-versioning",
    ]
    assert owner.outputs == {"name": bucket_id(stack), "arn": bucket_arn(stack)}


def moved_from(resource):
    """The aliases of a resource that kept its type and its name but had another parent (pulumi_aws adds
    aliases of former type names; the bucket's 0.1.0 token only renames the parent it has)."""
    retyped = resource.urn.replace(SECURE_BUCKET, "serverless:bucket:SecureBucket")
    return [urn for urn in resource.aliases if urn.split("::")[2].split("$")[-1] == resource.type and urn != retyped]


def test_a_top_level_bucket_has_no_former_parent(stack):
    assert [moved_from(r) for r in stack.children(stack.named("assets", SECURE_BUCKET))] == [[]] * 6


# -- overrides ------------------------------------------------------------------------------------
def test_overrides_kms_encryption_no_versioning_expiry_and_force_destroy(stack):
    assert one(stack, "archive", ENCRYPTION).inputs["rules"] == [
        {
            "applyServerSideEncryptionByDefault": {
                "sseAlgorithm": "aws:kms",
                "kmsMasterKeyId": "arn:aws:kms:eu-west-1:123456789012:key/archive",
            },
            "bucketKeyEnabled": True,
        }
    ]
    assert within(stack, "archive", VERSIONING) == []
    (rule,) = one(stack, "archive", LIFECYCLE).inputs["rules"]
    assert (rule["id"], rule["expiration"]) == ("expire-objects", {"days": 365})
    bucket = one(stack, "archive", BUCKET).inputs
    assert bucket["forceDestroy"] is True
    assert bucket["tags"]["team"] == "finance"


def test_a_composed_bucket_keeps_the_urns_its_resources_had_directly_under_the_component(stack):
    owner = stack.named("reports", "test:index:Reports")
    children = stack.children(stack.named("reports", SECURE_BUCKET))
    assert len(children) == 6
    for resource in children:
        assert moved_from(resource) == [f"urn:pulumi:dev::bucket-test::{owner.type}${resource.type}::{resource.name}"]
    assert stack.stack_outputs["reports_bucket"] == bucket_id(stack, "reports")


# -- bad args -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"encryption": "SSE-C"}, "SecureBucketArgs.encryption must be 'AES256' or 'aws:kms', got 'SSE-C'"),
        ({"kms_key_arn": "arn:aws:kms:k"}, "SecureBucketArgs.kms_key_arn needs encryption='aws:kms'"),
        ({"expiration_days": 0}, "SecureBucketArgs.expiration_days must be ≥ 1 (or None), got 0"),
        ({"noncurrent_version_expiration_days": -1}, "SecureBucketArgs.noncurrent_version_expiration_days must be ≥ 1"),
        ({"abort_incomplete_upload_days": 0}, "SecureBucketArgs.abort_incomplete_upload_days must be ≥ 1"),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(overrides, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SecureBucketArgs(**overrides).validate()


def test_bad_args_fail_the_synthesis():
    assert "SecureBucketArgs.encryption must be 'AES256' or 'aws:kms'" in synthesis_error("bucket-with-customer-keys")
