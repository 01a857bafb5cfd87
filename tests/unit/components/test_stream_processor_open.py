"""StreamProcessor opened up: an existing Kinesis stream instead of a new one, an existing consumer instead of a new
one, an existing on-failure queue instead of its own, and overrides of the stream, mapping and on-failure queue."""

from __future__ import annotations

import json

import pytest
from pulumi_aws import iam as aws_iam
from pulumi_aws import kinesis, sqs

from pulumi_wasp.components import (
    Dashboard,
    DashboardArgs,
    ExistingFunction,
    ExistingQueue,
    ServerlessFunctionArgs,
    StreamProcessor,
    StreamProcessorArgs,
)
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

STREAM = "aws:kinesis/stream:Stream"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/legacy-clicks"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:legacy-clicks"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"


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


# -- an existing on-failure queue ----------------------------------------------------------------------------
QUEUE = "aws:sqs/queue:Queue"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
FAILED_ARN = "arn:aws:sqs:us-east-1:123456789012:clicks-given-up"
FAILED_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/clicks-given-up"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def actions_on(statements: list[dict]) -> dict[str, list]:
    return {action: s["Resource"] for s in statements for action in s["Action"]}


@pytest.fixture(scope="module")
def existing_on_failure():
    processors = []
    existing = ExistingQueue(arn=FAILED_ARN, url=FAILED_URL, kms_key_arn=KEY_ARN)

    def program():
        args = StreamProcessorArgs(function=consumer(), existing_on_failure_queue=existing)
        processors.append(StreamProcessor("clicks", args))
        Dashboard("ops", DashboardArgs(components=processors))

    with logged() as lines:
        stack = synthesize(program)
    return stack, lines, processors[0]


def test_an_existing_on_failure_queue_is_not_created_but_is_the_mappings_destination(existing_on_failure):
    stack, _, processor = existing_on_failure
    assert stack.in_component("clicks", type=QUEUE) == []
    assert stack.one(MAPPING, within="clicks").input("destinationConfig") == {
        "onFailure": {"destinationArn": FAILED_ARN}
    }
    assert processor.on_failure is None


def test_the_consumer_may_send_to_an_existing_on_failure_queue_with_its_key(existing_on_failure):
    stack, _, _ = existing_on_failure
    granted = actions_on(stack.named("clicks-policy", ROLE_POLICY).input_json("policy")["Statement"])
    assert (granted["sqs:SendMessage"], granted["kms:GenerateDataKey"]) == ([FAILED_ARN], [KEY_ARN])


def test_an_existing_on_failure_queue_is_alarmed_on_its_depth_and_oldest_entry(existing_on_failure):
    stack, _, _ = existing_on_failure
    for alarm in ("clicks-on-failure-dlq-alarm", "clicks-on-failure-age"):
        assert stack.named(alarm, ALARM).input("dimensions") == {"QueueName": "clicks-given-up"}


def test_the_redrive_consumes_the_existing_on_failure_queue_with_its_key(existing_on_failure):
    stack, _, _ = existing_on_failure
    variables = stack.named("clicks-redrive-function").input("environment")["variables"]
    assert variables["ON_FAILURE_QUEUE_URL"] == FAILED_URL
    granted = actions_on(stack.named("clicks-redrive-policy", ROLE_POLICY).input_json("policy")["Statement"])
    assert (granted["sqs:ReceiveMessage"], granted["sqs:DeleteMessage"]) == ([FAILED_ARN], [FAILED_ARN])
    assert granted["kms:Decrypt"] == [KEY_ARN]


def test_an_existing_on_failure_queue_is_an_output_and_charted(existing_on_failure):
    stack, _, _ = existing_on_failure
    component = next(r for r in stack if r.name == "clicks" and not r.custom)
    assert component.outputs["on_failure_url"] == FAILED_URL
    body = json.loads(stack.one(DASHBOARD, within="ops").input("dashboardBody"))
    (widget,) = [w for w in body["widgets"] if w["properties"]["title"] == "Stream on-failure depth"]
    assert [metric[3] for metric in widget["properties"]["metrics"]] == ["clicks-given-up"]


def test_a_bare_on_failure_queue_says_what_it_could_not_check(existing_on_failure):
    _, lines, _ = existing_on_failure
    assert (
        "stream consumer clicks: given a bare identifier, so not checked: "
        "StreamProcessorArgs.existing_on_failure_queue's encryption"
    ) in "\n".join(lines.at("INFO"))


def test_a_fifo_queue_resource_as_the_on_failure_queue_fails_once_known():
    def program():
        fifo = sqs.Queue("given-up", name="given-up.fifo", fifo_queue=True)
        StreamProcessor(
            "clicks", StreamProcessorArgs(function=consumer(), existing_on_failure_queue=ExistingQueue(queue=fifo))
        )

    with pytest.raises(ProgramError, match="StreamProcessorArgs.existing_on_failure_queue is a FIFO queue, and a"):
        synthesize(program)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"existing_on_failure_queue": ExistingQueue(arn=f"{FAILED_ARN}.fifo", url=f"{FAILED_URL}.fifo", fifo=True)},
            "StreamProcessorArgs.existing_on_failure_queue is a FIFO queue, and a Lambda stream mapping sends",
        ),
        (
            {
                "existing_on_failure_queue": ExistingQueue(arn=FAILED_ARN, url=FAILED_URL),
                "on_failure_overrides": {"tags": {}},
            },
            "StreamProcessorArgs.on_failure_overrides apply to an on-failure queue the component creates",
        ),
    ],
)
def test_bad_existing_on_failure_queues_fail_naming_the_arg(given, message):
    with pytest.raises(ValueError, match=message):
        StreamProcessorArgs(function=consumer(), **given).validate()


def test_an_on_failure_queue_overridden_to_a_key_of_the_callers_grants_it_to_the_consumer_and_the_redrive():
    args = StreamProcessorArgs(function=consumer(), on_failure_overrides={"kms_master_key_id": KEY_ARN})
    stack = synthesize(lambda: StreamProcessor("clicks", args))
    consumer_grants = actions_on(stack.named("clicks-policy", ROLE_POLICY).input_json("policy")["Statement"])
    redrive_grants = actions_on(stack.named("clicks-redrive-policy", ROLE_POLICY).input_json("policy")["Statement"])
    assert (consumer_grants["kms:GenerateDataKey"], redrive_grants["kms:Decrypt"]) == ([KEY_ARN], [KEY_ARN])


def test_an_unknown_on_failure_override_fails_naming_it():
    with pytest.raises(
        ProgramError,
        match=r"StreamProcessorArgs.on_failure_overrides: 'retention' is not a keyword argument of sqs.Queue",
    ):
        synthesize(
            lambda: StreamProcessor(
                "c", StreamProcessorArgs(function=consumer(), on_failure_overrides={"retention": 60})
            )
        )


def test_dropping_the_on_failure_queues_encryption_warns_and_the_pack_flags_it():
    args = StreamProcessorArgs(function=consumer(), on_failure_overrides={"sqs_managed_sse_enabled": False})
    with logged() as lines:
        stack = synthesize(lambda: StreamProcessor("clicks", args))
    assert any(
        line.startswith("StreamProcessorArgs.on_failure_overrides['sqs_managed_sse_enabled'] = False")
        and "sqs-encryption" in line
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("sqs-encryption")] == ["clicks-on-failure-dlq"]
