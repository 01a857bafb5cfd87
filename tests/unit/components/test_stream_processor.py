"""StreamProcessor: an encrypted Kinesis stream read with bisect, finite retries and an on-failure queue."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components import defaults
from pulumi_wasp.components.stream_processor import DEPRECATED_MAPPING_FIELDS, StreamMappingArgs, StreamProcessorArgs
from tests.unit.components.synth_helpers import function_args, synth_program, synthesis_error
from tests.unit.conftest import one, policy, within

STREAM = "aws:kinesis/stream:Stream"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
QUEUE = "aws:sqs/queue:Queue"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:alarms"


@pytest.fixture(scope="module")
def stack():
    return synth_program("stream_processor")


def stream(stack, name="clicks"):
    return one(stack, name, STREAM).inputs


def mapping(stack, name="clicks"):
    return one(stack, name, MAPPING).inputs


def alarms(stack, name="clicks"):
    kinesis = [a.inputs for a in within(stack, name, ALARM) if a.inputs["namespace"] == "AWS/Kinesis"]
    return {alarm["metricName"]: alarm for alarm in kinesis}


def test_the_stream_is_encrypted_with_the_aws_managed_kinesis_key(stack):
    assert stream(stack)["encryptionType"] == "KMS"
    assert stream(stack)["kmsKeyId"] == "alias/aws/kinesis"


def test_the_stream_keeps_records_for_7_days(stack):
    assert stream(stack)["retentionPeriod"] == 168


def test_the_stream_is_on_demand_by_default(stack):
    assert stream(stack)["streamModeDetails"] == {"streamMode": "ON_DEMAND"}
    assert "shardCount" not in stream(stack)


def test_the_mapping_batches_100_records_within_5_s_with_10_batches_per_shard_from_latest(stack):
    assert mapping(stack)["batchSize"] == 100
    assert mapping(stack)["maximumBatchingWindowInSeconds"] == 5
    assert mapping(stack)["parallelizationFactor"] == 10
    assert mapping(stack)["startingPosition"] == "LATEST"


def test_a_failing_batch_is_bisected_retried_3_times_and_reports_item_failures(stack):
    assert mapping(stack)["bisectBatchOnFunctionError"] is True
    assert mapping(stack)["maximumRetryAttempts"] == 3
    assert mapping(stack)["maximumRecordAgeInSeconds"] == 3600
    assert mapping(stack)["functionResponseTypes"] == ["ReportBatchItemFailures"]


def test_exhausted_records_go_to_an_alarmed_on_failure_queue(stack):
    queue = one(stack, "clicks", QUEUE)
    assert mapping(stack)["destinationConfig"] == {"onFailure": {"destinationArn": queue.outputs["arn"]}}
    depth = "ApproximateNumberOfMessagesVisible"
    alarm = next(a.inputs for a in within(stack, "clicks", ALARM) if a.inputs["metricName"] == depth)
    assert alarm["dimensions"] == {"QueueName": queue.outputs["name"]} and alarm["threshold"] == 1


def test_the_mapping_reads_the_stream_into_the_component_function(stack):
    assert mapping(stack)["eventSourceArn"] == one(stack, "clicks", STREAM).outputs["arn"]
    assert (
        mapping(stack)["functionName"] == stack.named("clicks-function", "aws:lambda/function:Function").outputs["arn"]
    )
    assert "filterCriteria" not in mapping(stack)


def test_the_function_may_read_the_stream_and_send_to_its_on_failure_queue(stack):
    statements = policy(stack.named("clicks-policy", "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    resources = {action: s["Resource"] for s in statements for action in s["Action"]}
    assert resources["kinesis:GetRecords"] == [one(stack, "clicks", STREAM).outputs["arn"]]
    assert resources["sqs:SendMessage"] == [one(stack, "clicks", QUEUE).outputs["arn"]]


def test_an_iterator_age_of_half_the_retention_raises_an_alarm(stack):
    alarm = alarms(stack)["GetRecords.IteratorAgeMilliseconds"]
    assert alarm["threshold"] == 168 * 3600 * 1000 / 2
    assert alarm["statistic"] == "Maximum" and alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["dimensions"] == {"StreamName": stream(stack)["name"]} and alarm["alarmActions"] == [TOPIC]


def test_any_read_throttling_raises_an_alarm(stack):
    alarm = alarms(stack)["ReadProvisionedThroughputExceeded"]
    assert alarm["threshold"] == 0 and alarm["comparisonOperator"] == "GreaterThanThreshold"
    assert alarm["period"] == 300


def test_overrides_reach_the_stream_the_mapping_and_the_alarm(stack):
    tuned, tuned_mapping = stream(stack, "tuned"), mapping(stack, "tuned")
    assert tuned["streamModeDetails"] == {"streamMode": "PROVISIONED"} and tuned["shardCount"] == 2
    assert tuned["retentionPeriod"] == 48 and tuned["kmsKeyId"].endswith(":key/clicks")
    assert tuned["tags"]["team"] == "analytics"
    assert (tuned_mapping["batchSize"], tuned_mapping["maximumBatchingWindowInSeconds"]) == (500, 1)
    assert (tuned_mapping["parallelizationFactor"], tuned_mapping["startingPosition"]) == (2, "TRIM_HORIZON")
    assert (tuned_mapping["maximumRetryAttempts"], tuned_mapping["maximumRecordAgeInSeconds"]) == (1, 600)
    assert tuned_mapping["filterCriteria"] == {"filters": [{"pattern": json.dumps({"data": {"type": ["click"]}})}]}
    assert alarms(stack, "tuned")["GetRecords.IteratorAgeMilliseconds"]["threshold"] == 48 * 3600 * 1000 / 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"max_retries": -1}, "StreamProcessorArgs.mapping.max_retries must be 0..10000"),
        ({"max_record_age_seconds": -1}, "StreamProcessorArgs.mapping.max_record_age_seconds must be 60..604800"),
        ({"parallelization_factor": 11}, "StreamProcessorArgs.mapping.parallelization_factor must be 1..10"),
        ({"batch_size": 0}, "StreamProcessorArgs.mapping.batch_size must be 1..10000"),
        ({"batching_window_seconds": 301}, "StreamProcessorArgs.mapping.batching_window_seconds must be 0..300"),
        (
            {"starting_position": "AT_TIMESTAMP"},
            "StreamProcessorArgs.mapping.starting_position must be one of LATEST, TRIM_HORIZON",
        ),
        ({"filter_patterns": [{}]}, "StreamProcessorArgs.mapping.filter_patterns: a pattern is empty"),
        ({"filter_patterns": [{"a": [n]} for n in range(6)]}, "StreamProcessorArgs.mapping.filter_patterns: at most 5"),
        ({"retention_hours": 12}, "StreamProcessorArgs.retention_hours must be 24..8760"),
        ({"shard_count": 0}, "StreamProcessorArgs.shard_count must be ≥ 1"),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(overrides, message):
    mapping = {k: overrides.pop(k) for k in list(overrides) if k in DEPRECATED_MAPPING_FIELDS}
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        StreamProcessorArgs(function=function_args(), mapping=StreamMappingArgs(**mapping), **overrides).validate()


def test_bad_args_fail_the_synthesis():
    assert "StreamProcessorArgs.mapping.max_retries must be 0..10000" in synthesis_error("stream-with-infinite-retries")


def test_children_are_parented_and_named_after_the_processor(stack):
    owner = next(r for r in stack if r.name == "clicks" and not r.custom)
    assert owner.type == "wasp:stream:StreamProcessor"
    assert all(r.name.startswith("clicks") for r in stack.descendants(owner))
    assert set(owner.outputs) == {"arn", "name", "function_name", "on_failure_url", "redrive_function_name"}


def test_a_filter_pattern_lambda_would_reject_fails_naming_the_arg():
    mapping = StreamMappingArgs(filter_patterns=[{"data": {"k": [{"wildcard": "a*"}]}}])
    with pytest.raises(ValueError) as raised:
        StreamProcessorArgs(function=function_args(), mapping=mapping).validate()
    assert str(raised.value).startswith("StreamProcessorArgs.mapping.filter_patterns[0]: data.k[0] uses 'wildcard'")


def test_the_0_1_0_mapping_fields_still_work_and_warn():
    with pytest.warns(
        DeprecationWarning, match=r"StreamProcessorArgs.batch_size, .max_retries: deprecated since 0.2.0"
    ):
        args = StreamProcessorArgs(function=function_args(), batch_size=50, max_retries=1)
    assert (args.mapping.batch_size, args.mapping.max_retries) == (50, 1)


def test_a_mapping_setting_given_both_ways_is_an_error_naming_it():
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="StreamProcessorArgs: batch_size set both"):
        StreamProcessorArgs(function=function_args(), mapping=StreamMappingArgs(batch_size=20), batch_size=50)


def test_settings_left_unset_take_the_kinesis_defaults_and_set_ones_are_kept():
    args = StreamProcessorArgs(function=function_args(), mapping=StreamMappingArgs(parallelization_factor=2))
    resolved = args.resolved_mapping
    assert (resolved.batching_window_seconds, resolved.parallelization_factor, resolved.starting_position) == (
        defaults.KINESIS_BATCHING_WINDOW_SECONDS,
        2,
        defaults.KINESIS_STARTING_POSITION,
    )
