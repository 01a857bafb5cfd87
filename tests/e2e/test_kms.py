"""Customer-managed keys in the local cloud, end to end: SNS, S3 and Kinesis use a resource's key with the
caller's permissions (each denial in the service's own error), and the components' own grants are enough for
every producer and consumer they wire (tests/e2e/programs/keyed)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pulumi_wasp.localcloud.cloud import LocalCloud

KEYED = Path(__file__).resolve().parent / "programs" / "keyed"
CONSUMED_WITHIN_SECONDS = 30


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    with LocalCloud(KEYED, state=tmp_path_factory.mktemp("keyed")) as started:
        yield started


def outputs(cloud: LocalCloud) -> dict[str, Any]:
    assert cloud.deployment is not None
    return cloud.deployment.outputs


def produce(cloud: LocalCloud, call: str) -> dict[str, Any]:
    o = outputs(cloud)
    event = {"call": call, "queue_url": o["queue_url"], "topic_arn": o["topic_arn"], "bucket": o["bucket"]}
    response = cloud.emulator.client("lambda").invoke(
        FunctionName=o["producer"], Payload=json.dumps({**event, "stream": o["stream"]}).encode()
    )
    result: dict[str, Any] = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, result
    return result


def consumed(cloud: LocalCloud, consumer: str) -> str:
    """The consumer's log once it has consumed something (bounded wait)."""
    log = consumer_log(cloud, consumer)
    deadline = time.monotonic() + CONSUMED_WITHIN_SECONDS
    while not (log.exists() and "consumed" in (text := log.read_text())):
        assert time.monotonic() < deadline, (
            f"the {consumer} consumer consumed nothing within {CONSUMED_WITHIN_SECONDS} s"
        )
        time.sleep(0.1)
    return text


def consumer_log(cloud: LocalCloud, consumer: str) -> Path:
    return cloud.state_dir / "logs" / f"{outputs(cloud)['consumers'][consumer]}.log"


def denials(cloud: LocalCloud) -> list[str]:
    log = cloud.state_dir / "logs" / "iam.log"
    return [line for line in log.read_text().splitlines() if "AccessDenied" in line] if log.exists() else []


@pytest.mark.time_limit(120)
@pytest.mark.parametrize(
    ("call", "consumer"),
    [("send_message", "queue"), ("publish", "topic"), ("put_object", "bucket"), ("put_record", "stream")],
)
def test_the_components_grants_carry_data_through_each_customer_managed_key(
    cloud: LocalCloud, call: str, consumer: str
) -> None:
    assert produce(cloud, call) == {"ok": True}
    assert "consumed" in consumed(cloud, consumer)
    assert [line for line in denials(cloud) if outputs(cloud)["ungranted_role"] not in line] == []


def test_the_bucket_consumer_read_the_object_and_wrote_its_report_under_the_key(cloud: LocalCloud) -> None:
    assert produce(cloud, "put_object") == {"ok": True}
    consumed(cloud, "bucket")
    s3 = cloud.emulator.client("s3")
    deadline = time.monotonic() + CONSUMED_WITHIN_SECONDS
    while "Contents" not in (
        listed := s3.list_objects_v2(Bucket=outputs(cloud)["bucket"], Prefix="uploads/order.csv.")
    ):
        assert time.monotonic() < deadline, "no report was written"
        time.sleep(0.1)
    assert [o["Key"] for o in listed["Contents"]] == ["uploads/order.csv.report"]


# -- one role, granted step by step: denied without the key, allowed with it ------------------------------------


class Caller:
    """A role of its own in the running cloud, signing as a session of it (evaluated like a function's)."""

    def __init__(self, cloud: LocalCloud, name: str) -> None:
        assert cloud.emulator is not None and cloud.emulator.iam is not None
        self.cloud, self.name = cloud, name
        self.iam = cloud.emulator.client("iam")
        trust = json.dumps({"Version": "2012-10-17", "Statement": []})
        role = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        keys = cloud.emulator.iam.credentials.issue(role, "caller")
        self.session = boto3.session.Session(
            aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=keys["AWS_SESSION_TOKEN"],
            region_name=cloud.emulator.region,
        )

    def grant(self, name: str, *statements: dict[str, Any]) -> None:
        document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
        self.iam.put_role_policy(RoleName=self.name, PolicyName=name, PolicyDocument=document)

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.cloud.emulator.url)


def refusal(call: Callable[[], object]) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as refused:
        call()
    error = refused.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Message"]


def key_of(cloud: LocalCloud, kind: str) -> str:
    o, emulator = outputs(cloud), cloud.emulator
    if kind == "topic":
        return emulator.client("sns").get_topic_attributes(TopicArn=o["topic_arn"])["Attributes"]["KmsMasterKeyId"]
    if kind == "stream":
        return emulator.client("kinesis").describe_stream_summary(StreamName=o["stream"])["StreamDescriptionSummary"][
            "KeyId"
        ]
    rules = emulator.client("s3").get_bucket_encryption(Bucket=o["bucket"])["ServerSideEncryptionConfiguration"]
    return rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]


def through(key: str, service: str, *actions: str) -> dict[str, Any]:
    via = {"StringEquals": {"kms:ViaService": f"{service}.{key.split(':')[3]}.amazonaws.com"}}
    return {"Effect": "Allow", "Action": list(actions), "Resource": key, "Condition": via}


def test_a_publish_to_a_topic_under_a_customer_managed_key_needs_its_data_key(cloud: LocalCloud) -> None:
    caller, topic, key = Caller(cloud, "sns-publisher"), outputs(cloud)["topic_arn"], key_of(cloud, "topic")
    caller.grant("publish", {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic})
    code, status, message = refusal(lambda: caller.client("sns").publish(TopicArn=topic, Message="m"))
    assert (code, status) == ("KMSAccessDenied", 400)
    assert message.endswith(
        f"kms:GenerateDataKey on resource: {key} because no identity-based policy allows the kms:GenerateDataKey action"
    )
    caller.grant("key", through(key, "sns", "kms:GenerateDataKey", "kms:Decrypt"))
    assert caller.client("sns").publish(TopicArn=topic, Message="m")["MessageId"]


def test_objects_in_a_bucket_under_a_customer_managed_key_need_its_data_key_to_put_and_decrypt_to_get(
    cloud: LocalCloud,
) -> None:
    caller, bucket, key = Caller(cloud, "s3-user"), outputs(cloud)["bucket"], key_of(cloud, "bucket")
    caller.grant("objects", {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "*"})
    s3 = caller.client("s3")

    def put() -> object:
        return s3.put_object(Bucket=bucket, Key="private/a.txt", Body=b"x")

    code, status, message = refusal(put)
    assert (code, status) == ("AccessDenied", 403)
    assert f"kms:GenerateDataKey on resource: {key}" in message
    caller.grant("write", through(key, "s3", "kms:GenerateDataKey"))
    put()
    code, status, message = refusal(lambda: s3.get_object(Bucket=bucket, Key="private/a.txt"))
    assert (code, status) == ("AccessDenied", 403)
    assert f"kms:Decrypt on resource: {key}" in message
    caller.grant("read", through(key, "s3", "kms:Decrypt"))
    assert s3.get_object(Bucket=bucket, Key="private/a.txt")["Body"].read() == b"x"


def test_records_of_a_stream_under_a_customer_managed_key_need_its_data_key_to_put_and_decrypt_to_get(
    cloud: LocalCloud,
) -> None:
    caller, stream, key = Caller(cloud, "kinesis-user"), outputs(cloud)["stream"], key_of(cloud, "stream")
    caller.grant("stream", {"Effect": "Allow", "Action": "kinesis:*", "Resource": "*"})
    kinesis = caller.client("kinesis")

    def put() -> Any:
        return kinesis.put_record(StreamName=stream, Data=b"x", PartitionKey="k")

    code, status, message = refusal(put)
    assert (code, status) == ("KMSAccessDeniedException", 400)
    assert f"kms:GenerateDataKey on resource: {key}" in message
    caller.grant("write", through(key, "kinesis", "kms:GenerateDataKey"))
    shard = put()["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    code, status, message = refusal(lambda: kinesis.get_records(ShardIterator=iterator))
    assert (code, status) == ("KMSAccessDeniedException", 400)
    assert f"kms:Decrypt on resource: {key}" in message
    caller.grant("read", through(key, "kinesis", "kms:Decrypt"))
    assert kinesis.get_records(ShardIterator=iterator)["Records"]


@pytest.mark.time_limit(120)
def test_a_stream_mapping_whose_role_may_not_decrypt_leaves_the_records_until_the_key_is_granted(
    cloud: LocalCloud,
) -> None:
    o = outputs(cloud)
    cloud.emulator.client("kinesis").put_record(
        StreamName=o["ungranted_stream"], Data=b'{"via": "x"}', PartitionKey="k"
    )
    session = f"assumed-role/{o['ungranted_role']}/{o['consumers']['ungranted']}"
    deadline = time.monotonic() + CONSUMED_WITHIN_SECONDS
    while not any(session in line and "kms:Decrypt" in line for line in denials(cloud)):
        assert time.monotonic() < deadline, "the mapping's read was never refused"
        time.sleep(0.1)
    log = consumer_log(cloud, "ungranted")
    assert not (log.exists() and "consumed" in log.read_text()), "the records reached the function undecrypted"
    key = cloud.emulator.client("kinesis").describe_stream_summary(StreamName=o["ungranted_stream"])[
        "StreamDescriptionSummary"
    ]["KeyId"]
    document = json.dumps({"Version": "2012-10-17", "Statement": [through(key, "kinesis", "kms:Decrypt")]})
    cloud.emulator.client("iam").put_role_policy(
        RoleName=o["ungranted_role"], PolicyName="key", PolicyDocument=document
    )
    assert "consumed" in consumed(cloud, "ungranted")
