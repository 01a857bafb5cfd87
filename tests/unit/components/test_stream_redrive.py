"""The re-drive function of stream consumers: packaged handler, settings, least privilege, alarms, opt-out."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components import StreamProcessor, VpcArgs, defaults
from pulumi_wasp.components.event_store import EventStoreArgs, Projection
from pulumi_wasp.components.stream_processor import StreamMappingArgs, StreamProcessorArgs
from pulumi_wasp.components.stream_redrive import RedriveArgs
from pulumi_wasp.testing import synthesize
from tests.unit.components.synth_helpers import function_args, synth_program
from tests.unit.conftest import policy

FUNCTION = "aws:lambda/function:Function"
POLICY = "aws:iam/rolePolicy:RolePolicy"
QUEUE = "aws:sqs/queue:Queue"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@pytest.fixture(scope="module")
def streams():
    return synth_program("stream_processor")


@pytest.fixture(scope="module")
def stores():
    return synth_program("event_store")


def redrive(stack, consumer):
    return stack.named(f"{consumer}-redrive-function", FUNCTION).inputs


def grants(stack, consumer):
    """Action → resources of the re-drive role's policy, beyond the logs and X-Ray every function has."""
    statements = policy(stack.named(f"{consumer}-redrive-policy", POLICY))["Statement"]
    return {
        action: s["Resource"] for s in statements for action in s["Action"] if not action.startswith(("logs:", "xray:"))
    }


def test_the_redrive_function_runs_the_handler_shipped_in_the_package_alone(streams):
    function = redrive(streams, "clicks")
    assert function["handler"] == "stream_redrive.handler.handler"
    [(folder, archive)] = function["code"]["assets"].items()
    assert folder == "stream_redrive"
    assert archive["path"].endswith("pulumi_wasp/handlers/stream_redrive") and not archive["path"].startswith("/")


def test_the_redrive_function_runs_one_at_a_time_for_five_minutes(streams):
    function = redrive(streams, "clicks")
    assert function["reservedConcurrentExecutions"] == defaults.STREAM_REDRIVE_RESERVED_CONCURRENCY == 1
    assert function["timeout"] == defaults.STREAM_REDRIVE_TIMEOUT_SECONDS == 300


def test_the_redrive_function_is_told_the_queue_the_consumer_the_stream_and_the_mapping(streams):
    variables = redrive(streams, "tuned")["environment"]["variables"]
    assert variables["ON_FAILURE_QUEUE_URL"] == streams.named("tuned-on-failure-dlq", QUEUE).outputs["url"]
    assert variables["TARGET_FUNCTION"] == streams.named("tuned-function", FUNCTION).outputs["arn"]
    assert variables["STREAM_ARN"] == streams.named("tuned-stream").outputs["arn"]
    assert (variables["SOURCE_KIND"], variables["BATCH_SIZE"]) == ("kinesis", "500")
    assert json.loads(variables["FILTER_PATTERNS"]) == [{"data": {"type": ["click"]}}]
    assert "TABLE_NAME" not in variables


def test_a_kinesis_redrive_may_consume_its_queue_read_its_stream_and_invoke_its_consumer_only(streams):
    stream_arn = streams.named("clicks-stream").outputs["arn"]
    assert grants(streams, "clicks") == {
        "sqs:ChangeMessageVisibility": [streams.named("clicks-on-failure-dlq", QUEUE).outputs["arn"]],
        "sqs:DeleteMessage": [streams.named("clicks-on-failure-dlq", QUEUE).outputs["arn"]],
        "sqs:GetQueueAttributes": [streams.named("clicks-on-failure-dlq", QUEUE).outputs["arn"]],
        "sqs:ReceiveMessage": [streams.named("clicks-on-failure-dlq", QUEUE).outputs["arn"]],
        "lambda:InvokeFunction": [streams.named("clicks-function", FUNCTION).outputs["arn"]],
        "kinesis:GetRecords": [stream_arn],
        "kinesis:GetShardIterator": [stream_arn],
    }


def test_a_projection_redrive_reads_the_store_stream_and_scans_nothing_without_an_append_time(stores):
    granted = grants(stores, "events-orders")
    stream_arn = stores.named("events-table").outputs["streamArn"]
    assert granted["dynamodb:GetRecords"] == granted["dynamodb:GetShardIterator"] == [stream_arn]
    assert "dynamodb:Scan" not in granted
    assert "TABLE_NAME" not in redrive(stores, "events-orders")["environment"]["variables"]


def test_a_store_that_names_its_append_time_lets_the_redrive_scan_the_table_by_it(stores):
    table = stores.named("tuned-table").outputs
    assert grants(stores, "tuned-outbox")["dynamodb:Scan"] == [table["arn"]]
    variables = redrive(stores, "tuned-outbox")["environment"]["variables"]
    assert (variables["TABLE_NAME"], variables["APPENDED_AT_ATTRIBUTE"]) == (table["name"], "occurredAt")
    assert (variables["TABLE_KEYS"], variables["STREAM_VIEW_TYPE"]) == ("aggregateId,version", "NEW_IMAGE")
    assert variables["TABLE_MARGIN_SECONDS"] == str(defaults.STREAM_REDRIVE_TABLE_MARGIN_SECONDS)


def age_alarm(stack, consumer):
    return stack.named(f"{consumer}-on-failure-age", ALARM).inputs


@pytest.mark.parametrize(
    ("program", "consumer", "seconds"),
    [
        ("stream_processor", "clicks", 168 * 3600 // 2),  # half the stream's 7 days
        ("stream_processor", "tuned", 48 * 3600 // 2),
        ("event_store", "events-orders", 12 * 3600),  # half of DynamoDB's 24 h
    ],
)
def test_the_oldest_on_failure_entry_alarms_at_half_the_stream_retention(program, consumer, seconds, streams, stores):
    stack = streams if program == "stream_processor" else stores
    alarm = age_alarm(stack, consumer)
    assert alarm["metricName"] == "ApproximateAgeOfOldestMessage" and alarm["statistic"] == "Maximum"
    assert alarm["dimensions"] == {"QueueName": stack.named(f"{consumer}-on-failure-dlq", QUEUE).outputs["name"]}
    assert alarm["threshold"] == seconds


def test_a_retention_beyond_the_queue_s_alarms_at_half_the_queue_s_retention():
    from pulumi_wasp.components.stream_processor import on_failure_age_alarm_seconds

    assert on_failure_age_alarm_seconds(8760) == defaults.DLQ_RETENTION_SECONDS // 2


def test_redrive_none_creates_no_redrive_function(streams, stores):
    assert [r.name for r in streams if r.name.startswith("bare-redrive")] == []
    assert [r.name for r in stores if r.name.startswith("plain-view-redrive")] == []
    owner = next(r for r in stores if r.name == "plain" and not r.custom)
    assert owner.outputs["redrive_function_names"] == {}


def test_the_components_name_their_redrive_functions_in_their_outputs(streams, stores):
    processor = next(r for r in streams if r.name == "clicks" and not r.custom)
    assert processor.outputs["redrive_function_name"] == streams.named("clicks-redrive-function").outputs["name"]
    store = next(r for r in stores if r.name == "events" and not r.custom)
    assert store.outputs["redrive_function_names"] == {
        "orders": stores.named("events-orders-redrive-function").outputs["name"]
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            StreamProcessorArgs(function=function_args(timeout_seconds=60), redrive=RedriveArgs(timeout_seconds=60)),
            r"StreamProcessorArgs\.redrive\.timeout_seconds must be 90\.\.900 \(the consumer's 60 s \+ 30 s\)",
        ),
        (
            StreamProcessorArgs(
                function=function_args(),
                mapping=StreamMappingArgs(filter_patterns=[{"$or": [{"data": {"a": [1]}}, {"data": {"b": [2]}}]}]),
            ),
            r"StreamProcessorArgs\.mapping\.filter_patterns\[0\]: \$or is not supported .* set redrive=None",
        ),
        (
            Projection(name="view", function=function_args(), redrive=RedriveArgs(timeout_seconds=901)),
            r"Projection 'view'\.redrive\.timeout_seconds must be 40\.\.900",
        ),
        (
            EventStoreArgs(appended_at_attribute="version"),
            r"EventStoreArgs\.appended_at_attribute must name a non-key attribute",
        ),
    ],
)
def test_bad_redrive_args_are_rejected_naming_the_arg(args, message):
    with pytest.raises(ValueError, match=message):
        args.validate()


def test_an_existing_projector_given_by_its_arn_is_redriven_reading_its_timeout_itself():
    from pulumi_wasp.components import EventStore, ExistingFunction
    from pulumi_wasp.testing import synthesize

    arn = "arn:aws:lambda:us-east-1:123456789012:function:legacy-projector"
    stack = synthesize(
        lambda: EventStore(
            "events",
            EventStoreArgs(projections=[Projection(name="orders", existing_function=ExistingFunction(arn=arn))]),
        )
    )
    function = stack.named("events-orders-redrive-function")
    variables = function.input("environment")["variables"]
    assert variables["TARGET_FUNCTION"] == arn
    assert "TARGET_TIMEOUT_SECONDS" not in variables and "TARGET_ROLE_ARN" not in variables
    statements = stack.named("events-orders-redrive-policy", POLICY).input_json("policy")["Statement"]
    granted = {action: s["Resource"] for s in statements for action in s["Action"]}
    assert granted["lambda:GetFunctionConfiguration"] == granted["lambda:InvokeFunction"] == [arn]


def test_a_stream_under_a_customer_managed_key_lets_the_redrive_decrypt_through_kinesis_only():
    from pulumi_wasp.components import StreamProcessor
    from pulumi_wasp.testing import synthesize

    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    stack = synthesize(lambda: StreamProcessor("clicks", StreamProcessorArgs(function=function_args(), kms_key_id=key)))
    statements = stack.named("clicks-redrive-policy", POLICY).input_json("policy")["Statement"]
    [decrypt] = [s for s in statements if "kms:Decrypt" in s["Action"]]
    assert decrypt["Resource"] == [key]
    assert decrypt["Condition"]["StringEquals"]["kms:ViaService"].startswith("kinesis.")


def test_mapping_overrides_the_redrive_does_not_reproduce_warn_naming_them():
    from pulumi_wasp.components import StreamProcessor
    from pulumi_wasp.testing import synthesize
    from tests.unit.conftest import logged

    with logged() as lines:
        synthesize(
            lambda: StreamProcessor(
                "clicks",
                StreamProcessorArgs(function=function_args(), mapping_overrides={"tumbling_window_in_seconds": 60}),
            )
        )
    assert any(
        "StreamProcessorArgs.mapping_overrides sets tumbling_window_in_seconds: the re-drive rebuilds batches" in line
        for line in lines.at("WARNING")
    )


# -- opened up: a VPC and overrides of the re-drive function -------------------------------------------------------
def test_the_redrive_function_takes_a_vpc_with_its_network_interface_permissions_and_overrides():
    vpc = VpcArgs(subnet_ids=["subnet-0a"], security_group_ids=["sg-01"])
    redrive_args = RedriveArgs(vpc=vpc, function_overrides={"description": "Replays clicks"})
    stack = synthesize(
        lambda: StreamProcessor("clicks", StreamProcessorArgs(function=function_args(), redrive=redrive_args))
    )
    function = redrive(stack, "clicks")
    assert function["vpcConfig"]["subnetIds"] == ["subnet-0a"]
    assert function["description"] == "Replays clicks"
    assert "ec2:CreateNetworkInterface" in grants(stack, "clicks")


def test_an_unknown_redrive_function_override_fails_naming_the_arg():
    args = StreamProcessorArgs(function=function_args(), redrive=RedriveArgs(function_overrides={"memory": 512}))
    with pytest.raises(
        ValueError, match=r"StreamProcessorArgs.redrive.function_overrides: 'memory' is not a keyword argument"
    ):
        args.validate()
