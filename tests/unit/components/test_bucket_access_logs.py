"""SecureBucket's server access logs: to a log bucket created for it or to a shared one, itself secure."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import AccessLogArgs, SecureBucket, SecureBucketArgs
from tests.unit.conftest import logged, one, policy, synth, within

BUCKET = "aws:s3/bucket:Bucket"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
SHARED_NAME = "arn-less-shared-logs"


def program() -> None:
    SecureBucket("invoices", SecureBucketArgs(access_logs=AccessLogArgs()))
    shared = SecureBucket("logs", SecureBucketArgs(receives_access_logs=True))
    SecureBucket("uploads", SecureBucketArgs(access_logs=AccessLogArgs(target_bucket=shared, prefix="up/")))
    SecureBucket("named", SecureBucketArgs(access_logs=AccessLogArgs(target_bucket=SHARED_NAME)))
    SecureBucket("plain")


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def bucket(stack, name):
    return stack.named(f"{name}-bucket", BUCKET)


def statements(stack, name):
    return {s["Sid"]: s for s in policy(stack.named(f"{name}-bucket-policy"))["Statement"]}


def test_access_logs_go_to_the_log_bucket_created_for_the_bucket(stack):
    logging = stack.named("invoices-access-logging", LOGGING).inputs
    assert logging["bucket"] == bucket(stack, "invoices").outputs["bucket"]
    assert logging["targetBucket"] == bucket(stack, "invoices-access-logs").outputs["bucket"]


def test_log_keys_start_with_the_buckets_name_and_are_partitioned_by_event_date(stack):
    logging = stack.named("invoices-access-logging", LOGGING).inputs
    assert logging["targetPrefix"] == "invoices/"
    assert logging["targetObjectKeyFormat"] == {"partitionedPrefix": {"partitionDateSource": "EventTime"}}


def test_logging_is_turned_on_after_the_log_bucket_is_complete(stack):
    log_policy = stack.named("invoices-access-logs-bucket-policy")
    assert log_policy.urn in stack.named("invoices-access-logging", LOGGING).dependencies


def test_the_log_bucket_is_itself_secure_and_only_the_logging_service_of_this_bucket_may_write(stack):
    grants = statements(stack, "invoices-access-logs")
    assert grants["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    delivery = grants["AllowServerAccessLogDelivery"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Action"] == "s3:PutObject"
    assert delivery["Resource"] == bucket(stack, "invoices-access-logs").outputs["arn"] + "/*"
    assert delivery["Condition"]["ArnLike"] == {"aws:SourceArn": [bucket(stack, "invoices").outputs["arn"]]}
    assert delivery["Condition"]["StringEquals"]["aws:SourceAccount"].isdigit()


def test_the_log_bucket_blocks_public_access_and_encrypts_with_sse_s3(stack):
    log_bucket = "invoices-access-logs"
    assert one(stack, log_bucket, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs["blockPublicAcls"]
    rules = stack.named(f"{log_bucket}-encryption").inputs["rules"]
    assert rules[0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"


def test_the_log_bucket_owns_every_delivered_object_with_acls_disabled(stack):
    ownership = stack.named("invoices-access-logs-ownership", OWNERSHIP).inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_the_log_bucket_logs_nothing_itself_and_expires_logs_after_a_year(stack):
    assert within(stack, "invoices-access-logs", LOGGING) == []
    rules = {r["id"]: r for r in stack.named("invoices-access-logs-lifecycle").inputs["rules"]}
    assert rules["expire-objects"]["expiration"] == {"days": 365}


def test_a_shared_log_bucket_accepts_any_bucket_of_the_account(stack):
    delivery = statements(stack, "logs")["AllowServerAccessLogDelivery"]
    assert "ArnLike" not in delivery["Condition"] and "aws:SourceAccount" in delivery["Condition"]["StringEquals"]


def test_a_bucket_logs_to_a_shared_log_bucket_under_its_prefix(stack):
    logging = stack.named("uploads-access-logging", LOGGING).inputs
    assert logging["targetBucket"] == bucket(stack, "logs").outputs["bucket"]
    assert logging["targetPrefix"] == "up/"
    assert within(stack, "uploads", BUCKET) == [bucket(stack, "uploads")]


def test_a_log_bucket_given_by_name_is_used_as_given(stack):
    assert stack.named("named-access-logging", LOGGING).inputs["targetBucket"] == SHARED_NAME


def test_a_log_bucket_given_by_name_says_what_was_not_checked():
    with logged() as lines:
        synth(lambda: SecureBucket("named", SecureBucketArgs(access_logs=AccessLogArgs(target_bucket=SHARED_NAME))))
    assert any("logging.s3.amazonaws.com" in line and "not checked" in line for line in lines.at("INFO"))


def test_no_access_logging_and_no_log_delivery_grant_by_default(stack):
    assert within(stack, "plain", LOGGING) == [] and within(stack, "plain", OWNERSHIP) == []
    assert list(statements(stack, "plain")) == ["DenyInsecureTransport"]


def test_a_log_bucket_with_sse_kms_is_an_error():
    args = SecureBucketArgs(receives_access_logs=True, encryption="aws:kms")
    with pytest.raises(ValueError, match=r"receives_access_logs needs encryption='AES256'"):
        args.validate()


def test_a_log_bucket_that_would_get_a_log_bucket_of_its_own_is_an_error():
    args = SecureBucketArgs(receives_access_logs=True, access_logs=AccessLogArgs())
    with pytest.raises(ValueError, match="cannot have access_logs create a log bucket for it"):
        args.validate()


def test_a_target_secure_bucket_that_does_not_receive_logs_is_an_error():
    def program() -> None:
        SecureBucket("src", SecureBucketArgs(access_logs=AccessLogArgs(target_bucket=SecureBucket("other"))))

    with pytest.raises(Exception, match=r"target_bucket is a SecureBucket without receives_access_logs=True"):
        synth(program)


def test_an_expiration_for_an_existing_log_bucket_is_an_error():
    args = SecureBucketArgs(access_logs=AccessLogArgs(target_bucket=SHARED_NAME, expiration_days=30))
    with pytest.raises(ValueError, match="expiration_days is a setting of a log bucket the component creates"):
        args.validate()


def test_log_sources_without_receiving_logs_is_an_error():
    with pytest.raises(ValueError, match="access_log_sources needs receives_access_logs=True"):
        SecureBucketArgs(access_log_sources=["arn:aws:s3:::src"]).validate()
