"""StreamProcessor opened up: an existing Kinesis stream instead of a new one, an existing consumer instead of a new
one, and stream overrides."""

from __future__ import annotations

import json

import pytest
from pulumi_aws import iam as aws_iam
from pulumi_aws import kinesis

from pulumi_wasp.components import ExistingFunction, ServerlessFunctionArgs, StreamProcessor, StreamProcessorArgs
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

STREAM = "aws:kinesis/stream:Stream"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/legacy-clicks"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:legacy-clicks"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def consumer() -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"])


@pytest.fixture(scope="module")
def existing():
    with logged() as lines:
        stack = synthesize(
            lambda: StreamProcessor(
                "clicks", StreamProcessorArgs(function=consumer(), existing_stream=STREAM_ARN, retention_hours=48)
            )
        )
    return stack, lines


def test_an_existing_stream_is_not_created_but_mapped(existing):
    stack, _ = existing
    assert stack.in_component("clicks", type=STREAM) == []
    assert stack.one(MAPPING, within="clicks").input("eventSourceArn") == STREAM_ARN


def test_the_consumer_may_read_the_existing_stream(existing):
    stack, _ = existing
    policy = stack.one("aws:iam/rolePolicy:RolePolicy", within="clicks", name="clicks-policy")
    statements = json.loads(policy.input("policy"))["Statement"]
    assert any("kinesis:GetRecords" in s["Action"] and s["Resource"] == [STREAM_ARN] for s in statements)


def test_the_alarms_watch_the_existing_stream_at_half_the_given_retention(existing):
    stack, _ = existing
    age = stack.named("clicks-iterator-age")
    assert age.input("dimensions") == {"StreamName": "legacy-clicks"}
    assert age.input("threshold") == 48 * 3600 * 1000 / 2


def test_a_bare_stream_says_what_it_could_not_check(existing):
    _, lines = existing
    assert "StreamProcessor clicks: given a bare identifier, so not checked: the existing stream's encryption" in (
        "\n".join(lines.at("INFO"))
    )


def test_an_existing_stream_resource_lends_its_arn():
    def program():
        stream = kinesis.Stream("shared", encryption_type="KMS", kms_key_id="alias/aws/kinesis", shard_count=1)
        StreamProcessor("clicks", StreamProcessorArgs(function=consumer(), existing_stream=stream))

    stack = synthesize(program)
    assert stack.one(MAPPING, within="clicks").input("eventSourceArn") == stack.named("shared").output("arn")


def test_an_existing_stream_resource_keeping_records_otherwise_than_retention_hours_fails():
    def program():
        stream = kinesis.Stream("shared", retention_period=72, shard_count=1)
        StreamProcessor("clicks", StreamProcessorArgs(function=consumer(), existing_stream=stream))

    with pytest.raises(
        ProgramError,
        match=r"StreamProcessor clicks: the existing stream keeps records 72 h but StreamProcessorArgs.retention_hours "
        r"is 168: .* set retention_hours=72",
    ):
        synthesize(program)


@pytest.fixture(scope="module")
def existing_consumer():
    def program():
        role = aws_iam.Role("legacy-role", assume_role_policy="{}")
        StreamProcessor(
            "clicks",
            StreamProcessorArgs(existing_function=ExistingFunction(arn=FUNCTION_ARN, role=role, timeout_seconds=20)),
        )

    return synthesize(program)


def test_an_existing_consumer_is_not_created_but_mapped(existing_consumer):
    functions = existing_consumer.in_component("clicks", type="aws:lambda/function:Function")
    # The re-drive function is the processor's own; the consumer is not.
    assert [f.name for f in functions] == ["clicks-redrive-function"]
    assert existing_consumer.one(MAPPING, within="clicks").input("functionName") == FUNCTION_ARN


def test_an_existing_consumers_role_gets_the_stream_read_and_on_failure_send_in_a_policy_of_the_processors(
    existing_consumer,
):
    policy = existing_consumer.named("clicks-read-policy", ROLE_POLICY)
    assert policy.input("role") == existing_consumer.named("legacy-role").id
    actions = {a for s in json.loads(policy.input("policy"))["Statement"] for a in s["Action"]}
    assert {"kinesis:GetRecords", "sqs:SendMessage"} <= actions


def test_the_redrive_invokes_the_existing_consumer(existing_consumer):
    variables = existing_consumer.named("clicks-redrive-function").input("environment")["variables"]
    assert (variables["TARGET_FUNCTION"], variables["TARGET_TIMEOUT_SECONDS"]) == (FUNCTION_ARN, "20")


def test_an_existing_consumer_without_a_role_lists_the_statements_and_warns():
    processors = []
    with logged() as lines:
        synthesize(
            lambda: processors.append(
                StreamProcessor(
                    "clicks",
                    StreamProcessorArgs(
                        existing_function=ExistingFunction(arn=FUNCTION_ARN, timeout_seconds=20), redrive=None
                    ),
                )
            )
        )
    (processor,) = processors
    assert processor.function is None
    assert {a for s in processor.required_statements for a in s["Action"]} >= {"kinesis:GetRecords", "sqs:SendMessage"}
    assert any("StreamProcessorArgs.existing_function has no role" in line for line in lines.at("WARNING"))


def test_a_consumer_needs_exactly_one_of_existing_or_new():
    with pytest.raises(ValueError, match="set exactly one of StreamProcessorArgs.existing_function .* both given"):
        StreamProcessorArgs(function=consumer(), existing_function=ExistingFunction(arn=FUNCTION_ARN)).validate()
    with pytest.raises(ValueError, match="neither given"):
        StreamProcessorArgs().validate()


@pytest.fixture(scope="module")
def overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: StreamProcessor(
                "clicks",
                StreamProcessorArgs(
                    function=consumer(),
                    stream_overrides={"encryption_type": "NONE", "kms_key_id": None, "tags": {"data": "clicks"}},
                    mapping_overrides={"tumbling_window_in_seconds": 60, "function_response_types": []},
                    on_failure_overrides={"tags": {"tier": "on-failure"}},
                ),
            )
        )
    return stack, lines


def test_overrides_reach_the_stream_and_tags_merge(overridden):
    stack, _ = overridden
    stream = stack.one(STREAM, within="clicks")
    assert stream.input("encryptionType") == "NONE"
    assert (stream.input("tags")["data"], stream.input("tags")["managed-by"]) == ("clicks", "pulumi")


def test_dropping_encryption_warns_and_the_pack_flags_it(overridden):
    stack, lines = overridden
    assert any("the policy rule kinesis-encryption will flag it" in line for line in lines.at("WARNING"))
    assert [d.name for d in stack.preview().of("kinesis-encryption")] == ["clicks-stream"]


def test_an_unknown_stream_override_fails_naming_it():
    with pytest.raises(
        ProgramError,
        match=r"StreamProcessorArgs.stream_overrides: 'shards' is not a keyword argument "
        r"of kinesis.Stream",
    ):
        synthesize(
            lambda: StreamProcessor("c", StreamProcessorArgs(function=consumer(), stream_overrides={"shards": 2}))
        )


def test_stream_settings_with_an_existing_stream_fail():
    with pytest.raises(ValueError, match="apply to a stream the processor creates"):
        StreamProcessorArgs(function=consumer(), existing_stream=STREAM_ARN, shard_count=2).validate()


def test_overrides_reach_the_mapping_and_the_on_failure_queue(overridden):
    stack, _ = overridden
    assert stack.one(MAPPING, within="clicks").input("tumblingWindowInSeconds") == 60
    assert stack.named("clicks-on-failure-dlq").input("tags")["tier"] == "on-failure"


def test_dropping_batch_item_failures_from_the_mapping_warns_and_the_pack_flags_it(overridden):
    stack, lines = overridden
    assert any(
        line.startswith("StreamProcessorArgs.mapping_overrides['function_response_types']")
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("esm-batch-item-failures")] == ["clicks-mapping"]


def test_an_existing_consumer_re_driven_needs_its_roles_arn():
    with pytest.raises(
        ValueError, match=r"StreamProcessorArgs.existing_function: the re-drive needs the consumer's role"
    ):
        StreamProcessorArgs(existing_function=ExistingFunction(arn=FUNCTION_ARN, role="legacy-role")).validate()
