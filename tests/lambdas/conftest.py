"""Fixtures for the handler tests: moto in-process (a fresh account per test), fake credentials, each function's
environment, and the AWS resources a handler touches, created only by the tests that ask for them.

Function modules read their settings at import, as in Lambda's INIT; the environment is set for this directory only
(package scope), so tests import function modules inside fixtures (``lambda_testkit.load``), never at collection
time.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from moto import mock_aws

HERE = Path(__file__).resolve().parent
LAMBDAS = HERE.parents[1] / "lambdas"
# The archive root, as in Lambda: `shared.<module>` and `<folder>.<module>` import by those names. HERE holds the
# test kit; both are inserted explicitly so the tests import the same way under any pytest import mode.
sys.path[:0] = [str(LAMBDAS), str(HERE)]

from lambda_testkit import (  # noqa: E402
    ACCOUNT,
    BUS,
    ENVIRONMENT,
    REGION,
    SECRET_NAME,
    TABLES,
    UNSET,
    create_saga_machine,
    queue_url,
)
from shared.aws import client  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    # A handler that emits no metric on some path (a GET) still flushes its cold-start metric; that is expected.
    config.addinivalue_line("filterwarnings", "ignore:No application metrics to publish:UserWarning")


@pytest.fixture(scope="package", autouse=True)
def function_environment() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        for name in UNSET:
            patch.delenv(name, raising=False)
        yield


@dataclass
class FakeContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # a cached secret must not outlive the account it came from


def key_schema(keys: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"AttributeName": k, "KeyType": kind} for (k, _), kind in zip(keys, ("HASH", "RANGE"), strict=False)]


def create_table(
    name: str,
    keys: list[tuple[str, str]],
    stream: bool = False,
    indexes: dict[str, list[tuple[str, str]]] | None = None,
) -> None:
    """A PAY_PER_REQUEST table; ``keys`` is [(hash name, type), (range name, type)?], ``indexes`` the keys of
    each global secondary index (projecting every attribute)."""
    options: dict[str, object] = (
        {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}} if stream else {}
    )
    attributes = dict(keys)
    if indexes:
        options["GlobalSecondaryIndexes"] = [
            {"IndexName": index, "KeySchema": key_schema(index_keys), "Projection": {"ProjectionType": "ALL"}}
            for index, index_keys in indexes.items()
        ]
        attributes |= {k: t for index_keys in indexes.values() for k, t in index_keys}
    client("dynamodb").create_table(
        TableName=name,
        KeySchema=key_schema(keys),
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": t} for k, t in attributes.items()],
        BillingMode="PAY_PER_REQUEST",
        **options,
    )


@pytest.fixture
def event_store_table(aws: None) -> str:
    """The store as __main__.py declares it: its stream and the outbox's sparse ``unpublished`` index."""
    create_table(
        TABLES["event_store"],
        [("aggregateId", "S"), ("version", "N")],
        stream=True,
        indexes={"unpublished": [("outboxShard", "N"), ("occurredAt", "S")]},
    )
    return TABLES["event_store"]


@pytest.fixture
def orders_table(aws: None) -> str:
    """The read model as __main__.py declares it: with the sparse ``open`` index reconcile queries."""
    create_table(TABLES["orders"], [("orderId", "S")], indexes={"open": [("openShard", "N"), ("createdAt", "S")]})
    return TABLES["orders"]


@pytest.fixture
def idempotency_table(aws: None) -> str:
    create_table(TABLES["idempotency"], [("id", "S")])
    return TABLES["idempotency"]


@pytest.fixture
def operations_table(aws: None) -> str:
    create_table(TABLES["operations"], [("pk", "S"), ("sk", "S")])
    return TABLES["operations"]


@pytest.fixture
def metrics_table(aws: None) -> str:
    create_table(TABLES["metrics"], [("pk", "S"), ("sk", "S")])
    return TABLES["metrics"]


def create_queue(name: str) -> str:
    url = client("sqs").create_queue(QueueName=name)["QueueUrl"]
    assert url == queue_url(name), "the function environment must point at the queue moto creates"
    return url


@pytest.fixture
def invoice_queue(aws: None) -> str:
    return create_queue("invoice-tasks")


@pytest.fixture
def webhook_queue(aws: None) -> str:
    return create_queue("payment-webhooks")


@pytest.fixture
def invoice_bucket(aws: None) -> str:
    name = ENVIRONMENT["INVOICE_BUCKET"]
    client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


@pytest.fixture
def uploads_bucket(aws: None) -> str:
    client("s3").create_bucket(Bucket="order-uploads", CreateBucketConfiguration={"LocationConstraint": REGION})
    return "order-uploads"


@pytest.fixture
def webhook_secret(aws: None) -> str:
    secret = "whsec-test-4c9f1e"
    client("secretsmanager").create_secret(Name=SECRET_NAME, SecretString=secret)
    return secret


@pytest.fixture
def bus_capture(aws: None) -> str:
    """The platform bus with a rule that copies every orders.platform event to a queue; returns the queue URL."""
    events = client("events")
    events.create_event_bus(Name=BUS)
    url = create_queue("bus-capture")
    arn = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="capture", EventBusName=BUS, EventPattern='{"source": ["orders.platform"]}')
    events.put_targets(Rule="capture", EventBusName=BUS, Targets=[{"Id": "queue", "Arn": arn}])
    return url


@pytest.fixture
def saga_machine(aws: None) -> str:
    """The fulfilment saga's state machine (its ARN, as SAGA_STATE_MACHINE_ARN names it)."""
    return create_saga_machine()
