"""QueueProcessor: queue → function with partial batch failures and a derived visibility timeout."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import QueueArgs, QueueProcessor, QueueProcessorArgs, ServerlessFunctionArgs
from pulumi_wasp.synthesis import ProgramError
from tests.unit.conftest import one, policy, synth, within

MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"


def worker(**overrides) -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"], **overrides)


def program() -> None:
    QueueProcessor("plain", QueueProcessorArgs(function=worker()))
    QueueProcessor(
        "ordered",
        QueueProcessorArgs(
            function=worker(timeout_seconds=20), queue=QueueArgs(fifo=True), batch_size=5, maximum_concurrency=4
        ),
    )


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def queue(stack, name):
    return next(r for r in within(stack, name, "aws:sqs/queue:Queue") if r.name == f"{name}-queue")


def test_visibility_timeout_is_six_function_timeouts_plus_the_batching_window(stack):
    assert queue(stack, "plain").inputs["visibilityTimeoutSeconds"] == 6 * 10 + 5


def test_mapping_batches_10_messages_over_5_seconds(stack):
    mapping = one(stack, "plain", MAPPING).inputs
    assert mapping["batchSize"] == 10
    assert mapping["maximumBatchingWindowInSeconds"] == 5


def test_mapping_reports_batch_item_failures(stack):
    assert one(stack, "plain", MAPPING).inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]


def test_mapping_reads_the_processors_queue_into_its_function(stack):
    mapping = one(stack, "plain", MAPPING).inputs
    assert mapping["eventSourceArn"] == queue(stack, "plain").outputs["arn"]
    assert mapping["functionName"] == one(stack, "plain", "aws:lambda/function:Function").outputs["arn"]


def test_function_may_consume_only_its_queue(stack):
    statements = policy(one(stack, "plain", "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    consume = [s for s in statements if "sqs:ReceiveMessage" in s["Action"]]
    assert consume == [
        {
            "Effect": "Allow",
            "Action": [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            "Resource": [queue(stack, "plain").outputs["arn"]],
        }
    ]


def test_no_scaling_cap_unless_asked(stack):
    assert "scalingConfig" not in one(stack, "plain", MAPPING).inputs


def test_fifo_processor_takes_no_batching_window_and_caps_concurrency(stack):
    mapping = one(stack, "ordered", MAPPING).inputs
    assert "maximumBatchingWindowInSeconds" not in mapping
    assert mapping["batchSize"] == 5
    assert mapping["scalingConfig"] == {"maximumConcurrency": 4}
    assert queue(stack, "ordered").inputs["visibilityTimeoutSeconds"] == 6 * 20


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            QueueProcessorArgs(function=worker(), queue=QueueArgs(visibility_timeout_seconds=30)),
            r"visibility_timeout_seconds \(30\) is below 6 × function timeout \(10\) \+ batching window \(5\) = 65",
        ),
        (QueueProcessorArgs(function=worker(), queue=QueueArgs(fifo=True), batch_size=11), "batch_size must be 1..10"),
        (
            QueueProcessorArgs(function=worker(), queue=QueueArgs(fifo=True), batching_window_seconds=2),
            "must be 0 for a FIFO queue",
        ),
        (
            QueueProcessorArgs(function=worker(), batch_size=50, batching_window_seconds=0),
            "must be ≥ 1 when batch_size > 10",
        ),
        (QueueProcessorArgs(function=worker(), maximum_concurrency=1), "maximum_concurrency must be 2..1000"),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(args, message):
    with pytest.raises(ValueError, match=message):
        args.validate()


def test_a_bad_arg_fails_the_synthesis_with_its_message():
    def bad() -> None:
        QueueProcessor("bad", QueueProcessorArgs(function=worker(), queue=QueueArgs(visibility_timeout_seconds=10)))

    with pytest.raises(ProgramError, match="visibility_timeout_seconds"):
        synth(bad)
