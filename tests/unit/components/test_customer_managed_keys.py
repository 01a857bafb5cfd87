"""Customer-managed KMS keys, end to end on the graph: every producer and consumer a component wires to an
encrypted queue, topic, bucket or stream is granted the key, by its ARN and only through that service; a key a
component creates lets the services that deliver to it use it."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components import (
    BucketProcessor,
    BucketProcessorArgs,
    EventStore,
    EventStoreArgs,
    ExistingFunction,
    ExistingQueue,
    FanOut,
    FanOutArgs,
    Projection,
    Queue,
    QueueArgs,
    QueueProcessor,
    QueueProcessorArgs,
    SecureBucketArgs,
    ServerlessFunction,
    ServiceSender,
    StreamProcessor,
    StreamProcessorArgs,
    Subscriber,
    TableArgs,
    WebhookReceiver,
    WebhookReceiverArgs,
)
from tests.unit.components.synth_helpers import function_args
from tests.unit.conftest import one, policy, synth, within

KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b5a6ee4-4c1e-4d7b-9f3e-1a2b3c4d5e6f"
RULE = "arn:aws:events:eu-west-1:123456789012:rule/orders/placed"
ROLE_POLICY, KMS_KEY = "aws:iam/rolePolicy:RolePolicy", "aws:kms/key:Key"


def program() -> None:
    own = Queue("own", QueueArgs(customer_managed_key=True, senders=[ServiceSender("events.amazonaws.com", RULE)]))
    given = QueueProcessor(
        "given", QueueProcessorArgs(function=function_args(), queue=QueueArgs(kms_master_key_id=KEY))
    )
    ServerlessFunction("producer", function_args(permissions=[*given.sender_statements(), *own.sender_statements()]))
    QueueProcessor(
        "adopted",
        QueueProcessorArgs(
            function=function_args(),
            existing_queue=ExistingQueue(
                arn="arn:aws:sqs:eu-west-1:123456789012:legacy", url="https://sqs/legacy", kms_key_arn=KEY
            ),
        ),
    )
    topic = FanOut(
        "events",
        FanOutArgs(
            publishers=[ServiceSender("events.amazonaws.com", RULE)],
            subscribers=[Subscriber(name="audit", queue=QueueArgs(customer_managed_key=True))],
        ),
    )
    ServerlessFunction("publisher", function_args(permissions=topic.publisher_statements()))
    BucketProcessor(
        "imports",
        BucketProcessorArgs(
            bucket=SecureBucketArgs(encryption="aws:kms", kms_key_arn=KEY),
            function=function_args(),
            suffix=".csv",
            write_back=True,
        ),
    )
    clicks = StreamProcessor("clicks", StreamProcessorArgs(function=function_args(), kms_key_id=KEY))
    ServerlessFunction("clicks-producer", function_args(permissions=clicks.producer_statements()))
    WebhookReceiver(
        "hooks",
        WebhookReceiverArgs(
            path="/hooks",
            verifier=function_args(),
            processor=QueueProcessorArgs(function=function_args(), queue=QueueArgs(kms_master_key_id=KEY)),
        ),
    )


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def kms_statements(stack, component: str, role_policy: str | None = None) -> list[dict]:
    """The KMS statements of ``component``'s role policy (the one named ``role_policy`` when it has several)."""
    policies = [p for p in within(stack, component, ROLE_POLICY) if role_policy is None or p.name == role_policy]
    assert len(policies) == 1, [p.name for p in policies]
    return [s for s in policy(policies[0])["Statement"] if any(a.startswith("kms:") for a in s["Action"])]


def via(service: str) -> dict:
    return {"StringEquals": {"kms:ViaService": f"{service}.eu-west-1.amazonaws.com"}}


def key_arn(stack, component: str) -> str:
    return one(stack, component, KMS_KEY).outputs["arn"]


def test_a_queue_consumer_may_decrypt_the_queues_key_through_sqs_only(stack):
    assert kms_statements(stack, "given") == [
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY], "Condition": via("sqs")}
    ]


def test_a_producer_taking_the_queues_sender_statements_may_encrypt_with_each_queues_key(stack):
    assert kms_statements(stack, "producer") == [
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [KEY],
            "Condition": via("sqs"),
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [key_arn(stack, "own")],
            "Condition": via("sqs"),
        },
    ]


def test_a_queue_of_its_own_key_and_its_dlq_are_encrypted_with_that_key(stack):
    arn = key_arn(stack, "own")
    queues = within(stack, "own", "aws:sqs/queue:Queue")
    assert {q.name: q.inputs.get("kmsMasterKeyId") for q in queues} == {"own-dlq": arn, "own-queue": arn}
    assert all("sqsManagedSseEnabled" not in q.inputs for q in queues)


def key_statement(stack, component: str, sid: str) -> dict:
    key = one(stack, component, KMS_KEY).inputs
    return next(s for s in json.loads(key["policy"])["Statement"] if s["Sid"] == sid)


def test_a_queues_own_key_rotates_and_lets_its_senders_services_use_it_for_their_sources_only(stack):
    assert one(stack, "own", KMS_KEY).inputs["enableKeyRotation"] is True
    events = key_statement(stack, "own", "EventsDelivers")
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    assert events["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]
    assert events["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": [RULE]},
    }


def test_a_fanout_subscriber_queue_of_its_own_key_lets_its_topic_deliver(stack):
    sns = key_statement(stack, "events-audit", "SnsDelivers")
    assert sns["Principal"] == {"Service": "sns.amazonaws.com"}
    topic = one(stack, "events", "aws:sns/topic:Topic").outputs["arn"]
    assert sns["Condition"]["ArnLike"] == {"aws:SourceArn": [topic]}


def test_a_consumer_of_an_existing_encrypted_queue_may_decrypt_its_key(stack):
    assert kms_statements(stack, "adopted") == [
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY], "Condition": via("sqs")}
    ]


def test_a_fanout_publisher_may_encrypt_with_the_topics_key_through_sns(stack):
    topic_key = next(k for k in within(stack, "events", KMS_KEY) if k.name == "events-key").outputs["arn"]
    assert kms_statements(stack, "publisher") == [
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [topic_key],
            "Condition": via("sns"),
        }
    ]


def test_a_bucket_processor_reads_through_s3_and_writes_back_with_a_data_key(stack):
    assert kms_statements(stack, "imports") == [
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY], "Condition": via("s3")},
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [KEY],
            "Condition": via("s3"),
        },
    ]


def test_a_stream_consumer_may_decrypt_the_streams_key_through_kinesis(stack):
    assert kms_statements(stack, "clicks", "clicks-policy") == [  # the consumer's (its re-drive has the same)
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY], "Condition": via("kinesis")}
    ]


def test_a_stream_producer_may_put_records_and_generate_data_keys_only(stack):
    statements = policy(one(stack, "clicks-producer", ROLE_POLICY))["Statement"]
    stream_arn = one(stack, "clicks", "aws:kinesis/stream:Stream").outputs["arn"]
    assert {"Effect": "Allow", "Action": ["kinesis:PutRecord", "kinesis:PutRecords"], "Resource": [stream_arn]} in (
        statements
    )
    assert kms_statements(stack, "clicks-producer") == [
        {"Effect": "Allow", "Action": ["kms:GenerateDataKey"], "Resource": [KEY], "Condition": via("kinesis")}
    ]


def test_a_webhook_verifier_may_encrypt_what_it_enqueues(stack):
    assert kms_statements(stack, "hooks-verifier") == [
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [KEY],
            "Condition": via("sqs"),
        }
    ]


def test_queues_without_a_customer_managed_key_grant_no_kms(stack):
    plain = synth(lambda: QueueProcessor("plain", QueueProcessorArgs(function=function_args())))
    statements = policy(one(plain, "plain", ROLE_POLICY))["Statement"]
    assert not [s for s in statements if any(a.startswith("kms:") for a in s["Action"])]


def test_an_aws_managed_key_needs_no_grant():
    stack = synth(
        lambda: QueueProcessor(
            "managed", QueueProcessorArgs(function=function_args(), queue=QueueArgs(kms_master_key_id="alias/aws/sqs"))
        )
    )
    assert kms_statements(stack, "managed") == []


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: QueueArgs(kms_master_key_id="1234abcd-12ab-34cd-56ef-1234567890ab").validate(),
            r"QueueArgs.kms_master_key_id: give the key's ARN",
        ),
        (
            lambda: QueueArgs(kms_master_key_id="arn:aws:kms:eu-west-1:123456789012:alias/orders").validate(),
            r"QueueArgs.kms_master_key_id: give the key's ARN .* \(not an alias\)",
        ),
        (
            lambda: QueueArgs(kms_master_key_id=KEY, customer_managed_key=True).validate(),
            "set kms_master_key_id .* or customer_managed_key=True, not both",
        ),
        (
            lambda: QueueArgs(overrides={"kms_master_key_id": KEY}, customer_managed_key=True).validate(),
            r"set overrides\['kms_master_key_id'\] \(your key\) or customer_managed_key=True, not both",
        ),
        (
            lambda: SecureBucketArgs(encryption="aws:kms", kms_key_arn="alias/uploads").validate(),
            r"SecureBucketArgs.kms_key_arn: give the key's ARN",
        ),
        (
            lambda: StreamProcessorArgs(function=function_args(), kms_key_id="alias/clicks").validate(),
            r"StreamProcessorArgs.kms_key_id: give the key's ARN",
        ),
        (
            lambda: ExistingQueue(arn="a", url="u", kms_key_arn="key-id").validate("QueueProcessorArgs.existing_queue"),
            r"QueueProcessorArgs.existing_queue.kms_key_arn: give the key's ARN",
        ),
    ],
)
def test_a_key_not_given_by_its_arn_is_rejected_naming_the_arg(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_a_key_set_by_an_override_is_the_one_granted():
    stack = synth(
        lambda: QueueProcessor(
            "overridden",
            QueueProcessorArgs(function=function_args(), queue=QueueArgs(overrides={"kms_master_key_id": KEY})),
        )
    )
    assert kms_statements(stack, "overridden") == [
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY], "Condition": via("sqs")}
    ]


def test_an_existing_function_without_a_role_is_told_it_needs_the_key():
    processors: list[QueueProcessor] = []

    def existing() -> None:
        processors.append(
            QueueProcessor(
                "external",
                QueueProcessorArgs(
                    existing_function=ExistingFunction(
                        arn="arn:aws:lambda:eu-west-1:123456789012:function:worker", timeout_seconds=10
                    ),
                    queue=QueueArgs(kms_master_key_id=KEY),
                ),
            )
        )

    synth(existing)
    kms = [s for s in processors[0].required_statements if any(a.startswith("kms:") for a in s["Action"])]
    assert len(kms) == 1
    assert (kms[0]["Action"], kms[0]["Resource"]) == (["kms:Decrypt"], [KEY])


def test_a_table_under_a_customer_managed_key_is_encrypted_with_it_and_its_projections_may_decrypt():
    stack = synth(
        lambda: EventStore(
            "ledger",
            EventStoreArgs(kms_key_arn=KEY, projections=[Projection(name="totals", function=function_args())]),
        )
    )
    table = one(stack, "ledger", "aws:dynamodb/table:Table").inputs
    assert table["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": KEY}
    assert kms_statements(stack, "ledger-totals") == [
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY], "Condition": via("dynamodb")}
    ]


def test_a_table_key_given_as_an_alias_is_rejected_naming_the_arg():
    with pytest.raises(ValueError, match=r"TableArgs.kms_key_arn: give a customer-managed key's ARN"):
        TableArgs(hash_key="id", kms_key_arn="alias/aws/dynamodb").validate()
