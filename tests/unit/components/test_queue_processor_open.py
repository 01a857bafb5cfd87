"""QueueProcessor opened up: an existing queue or function instead of a new one, and mapping overrides."""

from __future__ import annotations

import json

import pulumi
import pytest
from pulumi_aws import iam as aws_iam
from pulumi_aws import lambda_, sqs

from pulumi_wasp.components import (
    ExistingFunction,
    ExistingQueue,
    Queue,
    QueueArgs,
    QueueProcessor,
    QueueProcessorArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
)
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
QUEUE = "aws:sqs/queue:Queue"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:legacy-orders"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/legacy-orders"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:legacy-worker"


def worker(**given) -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"], **given)


def consume_policy(stack, component):
    policies = stack.in_component(component, type="aws:iam/rolePolicy:RolePolicy")
    return [json.loads(p.input("policy"))["Statement"] for p in policies]


@pytest.fixture(scope="module")
def bare_queue():
    with logged() as lines:
        stack = synthesize(
            lambda: QueueProcessor(
                "legacy",
                QueueProcessorArgs(function=worker(), existing_queue=ExistingQueue(arn=QUEUE_ARN, url=QUEUE_URL)),
            )
        )
    return stack, lines


def test_an_existing_queue_is_not_created_but_consumed(bare_queue):
    stack, _ = bare_queue
    assert [q.name for q in stack.in_component("legacy", type=QUEUE)] == ["legacy-dlq"]
    assert stack.one(MAPPING, within="legacy").input("eventSourceArn") == QUEUE_ARN


def test_the_function_is_granted_the_existing_queue(bare_queue):
    stack, _ = bare_queue
    statements = [s for doc in consume_policy(stack, "legacy") for s in doc]
    assert any("sqs:ReceiveMessage" in s["Action"] and s["Resource"] == [QUEUE_ARN] for s in statements)


def test_an_existing_queue_without_a_dlq_gets_one_with_an_alarm_and_a_redrive_policy(bare_queue):
    stack, _ = bare_queue
    redrive = stack.one("aws:sqs/redrivePolicy:RedrivePolicy", within="legacy")
    assert redrive.input("queueUrl") == QUEUE_URL
    assert json.loads(redrive.input("redrivePolicy")) == {
        "deadLetterTargetArn": stack.named("legacy-dlq", QUEUE).output("arn"),
        "maxReceiveCount": 3,
    }
    assert stack.named("legacy-dlq-alarm").input("metricName") == "ApproximateNumberOfMessagesVisible"


def test_a_bare_queue_says_what_it_could_not_check(bare_queue):
    _, lines = bare_queue
    assert any(
        line.startswith(
            "QueueProcessor legacy: given a bare identifier, so not checked: the queue's visibility timeout"
        )
        for line in lines.at("INFO")
    )


def test_an_existing_queue_component_keeps_its_own_dlq():
    def program():
        queue = Queue("shared", QueueArgs(visibility_timeout_seconds=120))
        QueueProcessor("worker", QueueProcessorArgs(function=worker(), existing_queue=ExistingQueue(queue=queue)))

    stack = synthesize(program)
    assert stack.in_component("worker", type=QUEUE) == []
    assert stack.in_component("worker", type="aws:sqs/redrivePolicy:RedrivePolicy") == []
    assert stack.one(MAPPING, within="worker").input("eventSourceArn") == stack.named("shared-queue").output("arn")


def test_an_existing_queue_component_redriving_to_an_existing_dlq_reports_that_dlq():
    dlq_url = "https://sqs.us-east-1.amazonaws.com/123456789012/shared-dlq"
    existing_dlq = ExistingQueue(arn="arn:aws:sqs:us-east-1:123456789012:shared-dlq", url=dlq_url)

    def program():
        queue = Queue("shared", QueueArgs(visibility_timeout_seconds=120, existing_dlq=existing_dlq))
        QueueProcessor("worker", QueueProcessorArgs(function=worker(), existing_queue=ExistingQueue(queue=queue)))

    stack = synthesize(program)
    (processor,) = stack.of_type("wasp:queue:QueueProcessor")
    assert processor.output("dlq_url") == dlq_url


def test_an_existing_queue_whose_known_visibility_is_too_short_fails():
    def program():
        queue = sqs.Queue("short", visibility_timeout_seconds=30)
        QueueProcessor("worker", QueueProcessorArgs(function=worker(), existing_queue=ExistingQueue(queue=queue)))

    with pytest.raises(
        ProgramError,
        match=r"existing_queue's visibility timeout \(30\) is below 6 × function timeout "
        r"\(10\) \+ batching window \(5\) = 65",
    ):
        synthesize(program)


def test_an_existing_function_with_a_role_gets_a_role_policy_of_the_components():
    def program():
        role = aws_iam.Role("legacy-role", assume_role_policy="{}")
        QueueProcessor(
            "worker",
            QueueProcessorArgs(existing_function=ExistingFunction(arn=FUNCTION_ARN, role=role, timeout_seconds=20)),
        )

    stack = synthesize(program)
    policy = stack.one("aws:iam/rolePolicy:RolePolicy", within="worker")
    assert policy.input("role") == stack.named("legacy-role").id
    assert stack.in_component("worker", type="aws:lambda/function:Function") == []
    assert stack.one(MAPPING, within="worker").input("functionName") == FUNCTION_ARN
    assert stack.named("worker-queue", QUEUE).input("visibilityTimeoutSeconds") == 6 * 20 + 5


def test_a_role_given_by_arn_is_named_by_its_last_path_segment():
    stack = synthesize(
        lambda: QueueProcessor(
            "worker",
            QueueProcessorArgs(
                existing_function=ExistingFunction(
                    arn=FUNCTION_ARN, role="arn:aws:iam::123456789012:role/teams/legacy", timeout_seconds=10
                )
            ),
        )
    )
    assert stack.one("aws:iam/rolePolicy:RolePolicy", within="worker").input("role") == "legacy"


def test_an_existing_function_without_a_role_lists_the_statements_and_warns():
    processors = []
    with logged() as lines:
        synthesize(
            lambda: processors.append(
                QueueProcessor(
                    "worker",
                    QueueProcessorArgs(existing_function=ExistingFunction(arn=FUNCTION_ARN, timeout_seconds=10)),
                )
            )
        )
    assert [s["Action"][0] for s in processors[0].required_statements] == ["sqs:ChangeMessageVisibility"]
    assert any("QueueProcessorArgs.existing_function has no role" in line for line in lines.at("WARNING"))


def test_the_visibility_timeout_derives_from_an_existing_function_resources_timeout():
    def program():
        function = lambda_.Function(
            "legacy",
            role="arn:aws:iam::123456789012:role/r",
            timeout=30,
            runtime="python3.12",
            handler="a.b",
            code=pulumi.AssetArchive({}),
        )
        QueueProcessor("worker", QueueProcessorArgs(existing_function=ExistingFunction(function=function)))

    stack = synthesize(program)
    assert stack.named("worker-queue", QUEUE).input("visibilityTimeoutSeconds") == 6 * 30 + 5


def test_an_existing_serverless_function_lends_its_plain_timeout():
    def program():
        function = ServerlessFunction("legacy", worker(timeout_seconds=15))
        QueueProcessor(
            "worker", QueueProcessorArgs(existing_function=ExistingFunction(function=function, role=function.role))
        )

    stack = synthesize(program)
    assert stack.named("worker-queue", QUEUE).input("visibilityTimeoutSeconds") == 6 * 15 + 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            QueueProcessorArgs(),
            "set exactly one of QueueProcessorArgs.existing_function .* or QueueProcessorArgs.function",
        ),
        (
            QueueProcessorArgs(function=worker(), existing_function=ExistingFunction(arn=FUNCTION_ARN)),
            "both given",
        ),
        (
            QueueProcessorArgs(function=worker(), queue=QueueArgs(), existing_queue=ExistingQueue(arn="a", url="u")),
            "set exactly one of QueueProcessorArgs.existing_queue .* or QueueProcessorArgs.queue",
        ),
        (
            QueueProcessorArgs(existing_function=ExistingFunction(arn=FUNCTION_ARN)),
            "QueueProcessorArgs.queue.visibility_timeout_seconds is required with an existing function given by ARN",
        ),
        (
            QueueProcessorArgs(function=worker(), existing_queue=ExistingQueue(arn=QUEUE_ARN)),
            "QueueProcessorArgs.existing_queue: a bare queue needs both arn= and url=",
        ),
    ],
)
def test_bad_combinations_fail_naming_the_args(args, message):
    with pytest.raises(ValueError, match=message):
        args.validate()


@pytest.fixture(scope="module")
def overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: QueueProcessor(
                "worker",
                QueueProcessorArgs(
                    function=worker(),
                    queue=QueueArgs(overrides={"delay_seconds": 5}, dlq_overrides={"tags": {"tier": "dlq"}}),
                    mapping_overrides={"function_response_types": [], "enabled": False},
                ),
            )
        )
    return stack, lines


def test_overrides_reach_the_queue_the_dlq_and_the_mapping(overridden):
    stack, _ = overridden
    assert stack.named("worker-queue", QUEUE).input("delaySeconds") == 5
    assert stack.named("worker-dlq", QUEUE).input("tags")["tier"] == "dlq"
    mapping = stack.one(MAPPING, within="worker")
    assert (mapping.input("enabled"), mapping.input("functionResponseTypes")) == (False, [])


def test_dropping_batch_item_failures_warns_and_the_pack_flags_it(overridden):
    stack, lines = overridden
    assert any("esm-batch-item-failures" in line for line in lines.at("WARNING"))
    assert [d.policy for d in stack.preview().of("esm-batch-item-failures")] == ["esm-batch-item-failures"]


def test_dropping_the_redrive_policy_is_flagged_by_the_pack():
    with logged() as lines:
        stack = synthesize(
            lambda: QueueProcessor(
                "worker", QueueProcessorArgs(function=worker(), queue=QueueArgs(overrides={"redrive_policy": None}))
            )
        )
    assert any("sqs-redrive-policy" in line for line in lines.at("WARNING"))
    # The DLQ, no longer any queue's DLQ, needs a redrive policy of its own as well.
    assert sorted(d.name for d in stack.preview().of("sqs-redrive-policy")) == ["worker-dlq", "worker-queue"]


def test_an_unknown_queue_override_fails_naming_it():
    with pytest.raises(ProgramError, match=r"QueueArgs.overrides: 'visibility' is not a keyword argument of sqs.Queue"):
        synthesize(
            lambda: QueueProcessor(
                "w", QueueProcessorArgs(function=worker(), queue=QueueArgs(overrides={"visibility": 1}))
            )
        )


def test_an_existing_queue_resource_without_a_visibility_timeout_is_left_unchecked():
    def program():
        queue = sqs.Queue("plain")
        QueueProcessor("worker", QueueProcessorArgs(function=worker(), existing_queue=ExistingQueue(queue=queue)))

    stack = synthesize(program)
    assert stack.one(MAPPING, within="worker").input("eventSourceArn") == stack.named("plain").output("arn")


def test_overrides_reach_the_dlq_created_for_an_existing_queue_and_dropping_its_encryption_warns():
    existing = ExistingQueue(
        arn=QUEUE_ARN, url=QUEUE_URL, dlq_overrides={"sqs_managed_sse_enabled": False, "tags": {"tier": "dlq"}}
    )
    with logged() as lines:
        stack = synthesize(
            lambda: QueueProcessor("legacy", QueueProcessorArgs(function=worker(), existing_queue=existing))
        )
    dlq = stack.named("legacy-dlq", QUEUE)
    assert (dlq.input("sqsManagedSseEnabled"), dlq.input("tags")["tier"]) == (False, "dlq")
    assert any(
        line.startswith("ExistingQueue.dlq_overrides['sqs_managed_sse_enabled']") and "sqs-encryption" in line
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("sqs-encryption")] == ["legacy-dlq"]


def test_dlq_overrides_on_an_existing_queue_that_gets_no_dlq_fail_naming_them():
    existing = ExistingQueue(arn=QUEUE_ARN, url=QUEUE_URL, dead_letter_queue=False, dlq_overrides={"tags": {}})
    with pytest.raises(
        ValueError, match="QueueProcessorArgs.existing_queue.dlq_overrides apply to a DLQ the component"
    ):
        QueueProcessorArgs(function=worker(), existing_queue=existing).validate()
