"""Event source mapping rules: streams, partial batch failures, SQS visibility vs. function timeout."""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from pulumi_wasp.preview import PolicyReport
from pulumi_wasp.synthesis import Synthesis

from .conftest import (
    TAGS,
    analyze,
    dead_letter_queue,
    exempt,
    exempted,
    flagged,
    function,
    messages,
    queue,
    synth,
    unevaluated,
    with_unknown,
)

STREAM_FAILURE_HANDLING = {
    "bisect_batch_on_function_error": True,
    "maximum_retry_attempts": 3,
    "maximum_record_age_in_seconds": 3600,
}


def program() -> None:
    worker = function("worker", timeout=10)
    failures = dead_letter_queue("stream-failures")
    clicks = aws.kinesis.Stream(
        "clicks", shard_count=1, encryption_type="KMS", kms_key_id="alias/aws/kinesis", tags=TAGS
    )
    aws.lambda_.EventSourceMapping(
        "handled-stream",
        event_source_arn=clicks.arn,
        function_name=worker.arn,
        starting_position="LATEST",
        function_response_types=["ReportBatchItemFailures"],
        destination_config={"on_failure": {"destination_arn": failures.arn}},
        **STREAM_FAILURE_HANDLING,
    )
    aws.lambda_.EventSourceMapping(
        "bare-stream", event_source_arn=clicks.arn, function_name=worker.arn, starting_position="LATEST"
    )

    jobs = queue("jobs", visibility_timeout_seconds=65)
    aws.lambda_.EventSourceMapping(
        "partial-batch",
        event_source_arn=jobs.arn,
        function_name=worker.arn,
        batch_size=10,
        maximum_batching_window_in_seconds=5,
        function_response_types=["ReportBatchItemFailures"],
    )
    whole = queue("whole-batch-queue", visibility_timeout_seconds=60)
    aws.lambda_.EventSourceMapping("whole-batch", event_source_arn=whole.arn, function_name=worker.arn, batch_size=10)
    single = queue("single-queue", visibility_timeout_seconds=60)
    aws.lambda_.EventSourceMapping("one-at-a-time", event_source_arn=single.arn, function_name=worker.arn, batch_size=1)

    hasty = queue("hasty", visibility_timeout_seconds=30)
    aws.lambda_.EventSourceMapping(
        "hasty-mapping",
        event_source_arn=hasty.arn,
        function_name=worker.arn,
        function_response_types=["ReportBatchItemFailures"],
    )
    tolerated = queue("tolerated", visibility_timeout_seconds=30, tags=exempt("esm-sqs-visibility-timeout"))
    aws.lambda_.EventSourceMapping(
        "tolerated-mapping",
        event_source_arn=tolerated.arn,
        function_name=worker.arn,
        function_response_types=["ReportBatchItemFailures"],
    )


@pytest.fixture(scope="module")
def stack() -> Synthesis:
    return synth(program)


@pytest.fixture(scope="module")
def report(stack: Synthesis) -> PolicyReport:
    return analyze(stack)


def test_stream_failure_handling_accepts_a_fully_configured_stream_mapping(report: PolicyReport) -> None:
    assert "handled-stream" not in flagged(report, "esm-stream-failure-handling")


def test_stream_failure_handling_names_each_missing_setting(report: PolicyReport) -> None:
    found = messages(report, "esm-stream-failure-handling", "bare-stream")
    props = [message.split(": ", 1)[1].split(" is ")[0] for message in found]
    assert props == [
        "destinationConfig.onFailure.destinationArn",
        "bisectBatchOnFunctionError",
        "maximumRetryAttempts",
        "maximumRecordAgeInSeconds",
    ]


def test_stream_failure_handling_ignores_sqs_mappings(report: PolicyReport) -> None:
    assert "whole-batch" not in flagged(report, "esm-stream-failure-handling")


def test_batch_item_failures_accepts_report_batch_item_failures(report: PolicyReport) -> None:
    assert "partial-batch" not in flagged(report, "esm-batch-item-failures")


def test_batch_item_failures_flags_an_sqs_batch_without_it(report: PolicyReport) -> None:
    assert "whole-batch" in flagged(report, "esm-batch-item-failures")


def test_batch_item_failures_flags_a_stream_with_the_default_batch_of_100(report: PolicyReport) -> None:
    (message,) = messages(report, "esm-batch-item-failures", "bare-stream")
    assert "batch size 100" in message


def test_batch_item_failures_accepts_a_batch_of_one(report: PolicyReport) -> None:
    assert "one-at-a-time" not in flagged(report, "esm-batch-item-failures")


def test_batch_item_failures_leaves_an_unknown_source_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "whole-batch", "eventSourceArn"))
    assert "whole-batch" in unevaluated(report, "esm-batch-item-failures")


def test_sqs_visibility_timeout_accepts_six_timeouts_plus_the_window(report: PolicyReport) -> None:
    assert "jobs" not in flagged(report, "esm-sqs-visibility-timeout")


def test_sqs_visibility_timeout_flags_a_queue_that_hides_messages_too_briefly(report: PolicyReport) -> None:
    (message,) = messages(report, "esm-sqs-visibility-timeout", "hasty")
    assert "visibilityTimeoutSeconds is 30; wanted at least 60 (6 × worker timeout 10 s" in message


def test_sqs_visibility_timeout_ignores_dead_letter_queues(report: PolicyReport) -> None:
    assert "jobs-dlq" not in flagged(report, "esm-sqs-visibility-timeout")


def test_sqs_visibility_timeout_lists_an_exempted_queue(report: PolicyReport) -> None:
    assert "tolerated" not in flagged(report, "esm-sqs-visibility-timeout")
    assert "tolerated" in exempted(report, "esm-sqs-visibility-timeout")


def test_sqs_visibility_timeout_leaves_an_unknown_function_timeout_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "worker", "timeout"))
    assert "hasty" in unevaluated(report, "esm-sqs-visibility-timeout")
    assert "hasty" not in flagged(report, "esm-sqs-visibility-timeout")


def test_sqs_visibility_timeout_factor_is_configurable(stack: Synthesis) -> None:
    report = analyze(stack, {"esm-sqs-visibility-timeout": {"factor": 7}})
    assert "jobs" in flagged(report, "esm-sqs-visibility-timeout")
