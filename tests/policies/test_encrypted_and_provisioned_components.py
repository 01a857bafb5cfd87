"""The pack over a program that uses customer-managed keys and provisioned, auto-scaled tables through the
components: what the components create for them breaks no rule (iam-statements-valid holds their KMS statements
to AWS's reference, kms-key-rotation their keys, dynamodb-scalable-capacity their scaling)."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import (
    BucketProcessor,
    BucketProcessorArgs,
    CapacityScaling,
    FanOut,
    FanOutArgs,
    GlobalSecondaryIndex,
    ProvisionedCapacity,
    QueueArgs,
    QueueProcessor,
    QueueProcessorArgs,
    SecureBucketArgs,
    ServerlessFunction,
    StackContext,
    StreamProcessor,
    StreamProcessorArgs,
    Subscriber,
    Table,
    TableArgs,
    use_stack_context,
)
from pulumi_wasp.preview import PolicyReport
from tests.unit.components.synth_helpers import function_args

from .conftest import TAGS, analyze, synth

KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b5a6ee4-4c1e-4d7b-9f3e-1a2b3c4d5e6f"
RULES = ("iam-statements-valid", "kms-key-rotation", "dynamodb-scalable-capacity", "lambda-no-wildcard-iam")


def program() -> None:
    use_stack_context(StackContext(tags=TAGS))
    Table(
        "metrics",
        TableArgs(
            hash_key="pk",
            billing_mode="PROVISIONED",
            capacity=ProvisionedCapacity(write=CapacityScaling(min_capacity=1, max_capacity=20)),
            global_secondary_indexes=[GlobalSecondaryIndex("by-day", "day")],
        ),
    )
    tasks = QueueProcessor(
        "tasks", QueueProcessorArgs(function=function_args(), queue=QueueArgs(customer_managed_key=True))
    )
    events = FanOut(
        "events", FanOutArgs(subscribers=[Subscriber(name="audit", queue=QueueArgs(customer_managed_key=True))])
    )
    ServerlessFunction(
        "producer", function_args(permissions=[*tasks.sender_statements(), *events.publisher_statements()])
    )
    BucketProcessor(
        "imports",
        BucketProcessorArgs(
            bucket=SecureBucketArgs(encryption="aws:kms", kms_key_arn=KEY),
            function=function_args(),
            suffix=".csv",
            write_back=True,
        ),
    )
    StreamProcessor("clicks", StreamProcessorArgs(function=function_args(), kms_key_id=KEY))


@pytest.fixture(scope="module")
def report() -> PolicyReport:
    return analyze(synth(program))


@pytest.mark.parametrize("rule", RULES)
def test_the_components_keys_grants_and_scaling_pass(report: PolicyReport, rule: str) -> None:
    assert [d.message for d in report.diagnostics if d.policy == rule] == []


def test_no_mandatory_rule_fails(report: PolicyReport) -> None:
    assert [d.message for d in report.mandatory] == []
