"""Event source mappings: stream failure handling, partial batch responses, SQS visibility vs. function timeout."""

from __future__ import annotations

from collections.abc import Iterator

from .aws_types import EVENT_SOURCE_MAPPING, FUNCTION, QUEUE
from .common import (
    MANDATORY,
    Config,
    Finding,
    Res,
    Stack,
    integer,
    number,
    number_or,
    raw,
    resource_rule,
    show,
    stack_rule,
    violation,
)

# AWS defaults that apply when a property is not set (the provider fills -1 for "unset" numbers).
DEFAULT_BATCH = {"sqs": 10, "kinesis": 100, "dynamodb": 100}
DEFAULT_VISIBILITY_SECONDS = 30
DEFAULT_FUNCTION_TIMEOUT = 3


def source_kind(mapping: Res) -> str:
    """sqs, kinesis, dynamodb or other, from the mapping's event source ARN."""
    arn = mapping.get("eventSourceArn")
    if not isinstance(arn, str):
        return "other"
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    if service == "dynamodb" and "/stream/" in arn:
        return "dynamodb"
    return service if service in ("sqs", "kinesis") else "other"


def _unset(value: object) -> bool:
    return value is None or number(value) == -1


@resource_rule(
    "esm-stream-failure-handling",
    types=[EVENT_SOURCE_MAPPING],
    description="Kinesis and DynamoDB stream mappings bisect failing batches, retry finitely and keep failures.",
    level=MANDATORY,
    fix="Set bisect_batch_on_function_error=True, maximum_retry_attempts, maximum_record_age_in_seconds and "
    "destination_config.on_failure.destination_arn (an SQS queue or SNS topic).",
    pillar="reliability",
    anchors="SR ES1001",
)
def stream_failure_handling(mapping: Res, config: Config) -> Iterator[str]:
    if source_kind(mapping) not in ("kinesis", "dynamodb"):
        return
    if not mapping.get("destinationConfig", "onFailure", "destinationArn"):
        yield violation(
            mapping,
            "destinationConfig.onFailure.destinationArn",
            None,
            "an SQS queue or SNS topic that keeps records of failed batches",
            "set destination_config.on_failure.destination_arn",
        )
    if mapping.get("bisectBatchOnFunctionError") is not True:
        yield violation(
            mapping,
            "bisectBatchOnFunctionError",
            mapping.get("bisectBatchOnFunctionError"),
            "true (isolates a poison record instead of retrying the whole batch)",
            "set bisect_batch_on_function_error=True",
        )
    retries = mapping.get("maximumRetryAttempts")
    if _unset(retries):
        yield violation(
            mapping,
            "maximumRetryAttempts",
            None,
            "a finite number (unset retries until the record expires, blocking the shard)",
            "set maximum_retry_attempts (e.g. 3)",
        )
    age = mapping.get("maximumRecordAgeInSeconds")
    if _unset(age):
        yield violation(
            mapping,
            "maximumRecordAgeInSeconds",
            None,
            "a bound on record age",
            "set maximum_record_age_in_seconds (e.g. 3600)",
        )


@resource_rule(
    "esm-batch-item-failures",
    types=[EVENT_SOURCE_MAPPING],
    description="SQS, Kinesis and DynamoDB mappings with batches > 1 report partial batch failures.",
    level=MANDATORY,
    fix='Set function_response_types=["ReportBatchItemFailures"] and return batchItemFailures '
    "(Powertools BatchProcessor does it).",
    pillar="reliability",
    anchors="Powertools batch guidance",
)
def batch_item_failures(mapping: Res, config: Config) -> Iterator[str]:
    # Read only what the verdict needs, so an unknown source ARN leaves a compliant mapping compliant.
    types = raw(mapping.get("functionResponseTypes")) or []
    if "ReportBatchItemFailures" in types:
        return
    size = number(mapping.get("batchSize"))
    if size is not None and size <= 1:
        return
    kind = source_kind(mapping)
    if kind == "other":
        return
    batch = size if size is not None else DEFAULT_BATCH[kind]
    yield violation(
        mapping,
        "functionResponseTypes",
        types or None,
        f'["ReportBatchItemFailures"] (batch size {show(batch)}: one failure would retry the whole batch)',
        'set function_response_types=["ReportBatchItemFailures"] and return batchItemFailures from the handler',
    )


@stack_rule(
    "esm-sqs-visibility-timeout",
    types=[QUEUE],
    description="A queue consumed by Lambda hides messages long enough: visibility ≥ factor × timeout + batching window.",
    level=MANDATORY,
    fix="Set the queue's visibility_timeout_seconds to at least factor × the function's timeout plus the "
    "mapping's maximum_batching_window_in_seconds.",
    pillar="reliability",
    anchors="NAG LambdaEventSourceSQSVisibilityTimeout",
    config={"factor": integer(6, 1, description="Multiple of the function timeout AWS recommends (6).")},
)
def sqs_visibility_timeout(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(queue: Res) -> Iterator[str]:
        visibility = number_or(queue.get("visibilityTimeoutSeconds"), DEFAULT_VISIBILITY_SECONDS)
        for mapping, prop in stack.referrers(queue, EVENT_SOURCE_MAPPING):
            if prop != "eventSourceArn":
                continue
            window = number_or(mapping.get("maximumBatchingWindowInSeconds"), 0)
            for fn in stack.targets(mapping, "functionName", FUNCTION):
                timeout = number_or(fn.get("timeout"), DEFAULT_FUNCTION_TIMEOUT)
                wanted = config["factor"] * timeout + window
                if visibility < wanted:
                    yield violation(
                        queue,
                        "visibilityTimeoutSeconds",
                        visibility,
                        f"at least {show(wanted)} ({show(config['factor'])} × {fn.name} timeout {show(timeout)} s "
                        f"+ {mapping.name} batching window {show(window)} s), or messages are received twice",
                        f"set visibility_timeout_seconds={show(wanted)} or more",
                    )

    return stack.each([QUEUE], check)


RULES = (stream_failure_handling, batch_item_failures, sqs_visibility_timeout)
