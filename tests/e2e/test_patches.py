"""One test per moto patch of pulumi_wasp.adapters.moto: the runtime hooks drive moto (in-process,
mock_aws) down the patched path and check that the local runtime's hook received the call; the
DynamoDB isolation runs a bounded stress of concurrent writers against moto's threaded server, as
the local cloud runs it. A moto upgrade that moves these private APIs fails here first."""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from pulumi_wasp.adapters import moto as adapter

REGION = "us-east-1"


class RecordingHooks:
    """Stands in for the runtime: records what moto hands over, answers like Lambda would."""

    def __init__(
        self,
        status: int = 200,
        payload: str = '{"ok": true}',
        function_error: str | None = None,
        version: str = "$LATEST",
        refusal: Exception | None = None,
    ) -> None:
        self.answer = (status, payload, function_error, version)
        self.refusal = refusal
        #: (what the caller named, payload, the Qualifier it gave)
        self.invoked: list[tuple[str, str, str | None]] = []
        self.queued: list[tuple[str, str, str | None]] = []
        #: (what the caller named, the Qualifier it gave) of DryRun invocations
        self.checked: list[tuple[str, str | None]] = []
        self.delivered: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def invoke(
        self, function_name: str, payload: str, qualifier: str | None = None
    ) -> tuple[int, str, str | None, str]:
        self.invoked.append((function_name, payload, qualifier))
        if self.refusal is not None:
            raise self.refusal
        return self.answer

    def invoke_async(self, function_name: str, payload: str, qualifier: str | None = None) -> str:
        self.queued.append((function_name, payload, qualifier))
        if self.refusal is not None:
            raise self.refusal
        return "queued-request-id"

    def target(self, function_name: str, qualifier: str | None = None) -> tuple[Any, str]:
        self.checked.append((function_name, qualifier))
        if self.refusal is not None:
            raise self.refusal
        return None, function_name

    def deliver(self, rule_arn: str, target: dict[str, Any], event: dict[str, Any]) -> None:
        self.delivered.append((rule_arn, target, event))


class NotFoundError(KeyError):
    """A refusal as the runtime raises one (adapter.LambdaRefusal)."""

    lambda_error_code, lambda_status = "ResourceNotFoundException", 404

    def __str__(self) -> str:
        return str(self.args[0])


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


@pytest.fixture
def function_arn(aws: None) -> str:
    role = boto3.client("iam").create_role(RoleName="probe", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return boto3.client("lambda").create_function(
        FunctionName="probe",
        Role=role,
        Runtime="python3.12",
        Handler="probe.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
    )["FunctionArn"]


@contextlib.contextmanager
def installed(hooks: RecordingHooks) -> Iterator[RecordingHooks]:
    adapter.install_runtime_hooks(hooks)
    try:
        yield hooks
    finally:
        adapter.uninstall_runtime_hooks()


@pytest.fixture
def hooks() -> Iterator[RecordingHooks]:
    with installed(RecordingHooks()) as recording:
        yield recording


def test_lambda_invoke_hands_the_name_and_qualifier_as_given_to_the_runtime(
    function_arn: str, hooks: RecordingHooks
) -> None:
    boto3.client("lambda").invoke(FunctionName="probe", Payload=b'{"x": 1}')
    boto3.client("lambda").invoke(FunctionName=function_arn, Qualifier="live", Payload=b"{}")
    assert hooks.invoked == [("probe", '{"x": 1}', None), (function_arn, "{}", "live")]


def test_an_events_own_qualifier_key_is_not_the_invocations_qualifier(function_arn: str, hooks: RecordingHooks) -> None:
    boto3.client("lambda").invoke(FunctionName="probe", Payload=b'{"qualifier": "live"}')
    assert hooks.invoked == [("probe", '{"qualifier": "live"}', None)]


def test_lambda_invoke_reports_the_version_the_runtime_ran(function_arn: str) -> None:
    with installed(RecordingHooks(version="2")):
        response = boto3.client("lambda").invoke(FunctionName="probe:live", Payload=b"{}")
    assert (response["ExecutedVersion"], json.loads(response["Payload"].read())) == ("2", {"ok": True})
    assert "FunctionError" not in response


def test_lambda_invoke_reports_function_errors_throttles_and_service_errors(function_arn: str) -> None:
    client = boto3.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    with installed(RecordingHooks(payload='{"errorType": "ValueError"}', function_error="Unhandled")):
        assert client.invoke(FunctionName="probe")["FunctionError"] == "Unhandled"
    with installed(RecordingHooks(status=429, payload='{"errorMessage": "Rate Exceeded."}')) as hooks:
        with pytest.raises(ClientError) as raised:
            client.invoke(FunctionName="probe")
        assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
        assert hooks.invoked
    # An invocation the stopping runtime aborted: Lambda's own failure, not the function's.
    with installed(RecordingHooks(status=500, payload='{"errorMessage": "The local cloud is stopping."}')):
        with pytest.raises(ClientError) as raised:
            client.invoke(FunctionName="probe")
        assert raised.value.response["Error"]["Code"] == "ServiceException"
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event", "DryRun"])
def test_a_request_the_runtime_refuses_is_answered_as_lambdas_error(function_arn: str, invocation_type: str) -> None:
    client = boto3.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    refusal = NotFoundError(f"Function not found: {function_arn}:gone")
    with installed(RecordingHooks(refusal=refusal)), pytest.raises(ClientError) as raised:
        client.invoke(FunctionName="probe:gone", InvocationType=invocation_type, Payload=b"{}")
    error = raised.value.response
    assert (error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
        "ResourceNotFoundException",
        f"Function not found: {function_arn}:gone",
        404,
    )


def test_an_event_invocation_is_queued_as_the_caller_named_it(function_arn: str, hooks: RecordingHooks) -> None:
    response = boto3.client("lambda").invoke(FunctionName="probe:live", InvocationType="Event", Payload=b"{}")
    assert (response["StatusCode"], hooks.queued, hooks.invoked) == (202, [("probe:live", "{}", None)], [])


def test_a_dry_run_is_checked_by_the_runtime_and_runs_nothing(function_arn: str, hooks: RecordingHooks) -> None:
    response = boto3.client("lambda").invoke(FunctionName="probe", Qualifier="live", InvocationType="DryRun")
    assert (response["StatusCode"], hooks.checked, hooks.invoked, hooks.queued) == (204, [("probe", "live")], [], [])


def live_alias(client: Any) -> str:
    """Version 1 of the probe behind the alias ``live``; its ARN."""
    client.publish_version(FunctionName="probe")
    return client.create_alias(FunctionName="probe", Name="live", FunctionVersion="1")["AliasArn"]


def test_a_version_s_or_an_alias_s_version_and_weights_are_read_from_the_emulator(function_arn: str) -> None:
    client = boto3.client("lambda")
    live_alias(client)
    client.update_function_configuration(FunctionName="probe", Description="second")
    client.publish_version(FunctionName="probe")
    account = function_arn.split(":")[4]
    assert adapter.version_routing(account, REGION, "probe", "live") == ("1", {})
    client.update_alias(FunctionName="probe", Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    assert adapter.version_routing(account, REGION, "probe", "live") == ("1", {"2": 0.1})
    assert adapter.version_routing(account, REGION, "probe", "2") == ("2", {})
    for missing in ("gone", "9"):
        with pytest.raises(KeyError, match="no version or alias"):
            adapter.version_routing(account, REGION, "probe", missing)


def test_s3_notifications_are_queued_as_the_arn_they_name_an_alias_s_included(
    function_arn: str, hooks: RecordingHooks
) -> None:
    alias_arn = live_alias(boto3.client("lambda"))
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="uploads")
    configurations = [
        {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": [rule]}}}
        for arn, rule in [
            (function_arn, {"Name": "suffix", "Value": ".csv"}),
            (alias_arn, {"Name": "suffix", "Value": ".txt"}),
        ]
    ]
    s3.put_bucket_notification_configuration(
        Bucket="uploads", NotificationConfiguration={"LambdaFunctionConfigurations": configurations}
    )
    s3.put_object(Bucket="uploads", Key="a.csv", Body=b"x")
    s3.put_object(Bucket="uploads", Key="b.txt", Body=b"x")
    assert hooks.invoked == []
    assert [arn for arn, payload, _ in hooks.queued if "Records" in json.loads(payload)] == [function_arn, alias_arn]
    record = json.loads(hooks.queued[-1][1])["Records"][0]
    assert (record["eventSource"], record["s3"]["object"]["key"]) == ("aws:s3", "b.txt")


def test_sns_deliveries_are_queued_as_the_subscribed_arn_an_alias_s_included(
    function_arn: str, hooks: RecordingHooks
) -> None:
    alias_arn = live_alias(boto3.client("lambda"))
    sns = boto3.client("sns")
    topic_arn = sns.create_topic(Name="orders")["TopicArn"]
    for endpoint in (function_arn, alias_arn):
        sns.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=endpoint)
    sns.publish(TopicArn=topic_arn, Message="placed")
    assert sorted(arn for arn, _, _ in hooks.queued) == sorted([function_arn, alias_arn])
    assert {json.loads(payload)["Records"][0]["Sns"]["Message"] for _, payload, _ in hooks.queued} == {"placed"}


def test_event_rules_hand_lambda_states_and_sns_targets_to_the_runtime(aws: None, hooks: RecordingHooks) -> None:
    events, sqs, sns = boto3.client("events"), boto3.client("sqs"), boto3.client("sns")
    events.create_event_bus(Name="orders")
    rule_arn = events.put_rule(
        Name="placed", EventBusName="orders", EventPattern=json.dumps({"detail-type": ["OrderPlaced"]})
    )["RuleArn"]
    queue_url = sqs.create_queue(QueueName="copies")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic_arn = sns.create_topic(Name="order-events")["TopicArn"]
    targets = [
        {"Id": "topic", "Arn": topic_arn, "RetryPolicy": {"MaximumRetryAttempts": 3}},
        {"Id": "queue", "Arn": queue_arn},
    ]
    events.put_targets(Rule="placed", EventBusName="orders", Targets=targets)
    entry = {
        "EventBusName": "orders",
        "Source": "orders.platform",
        "DetailType": "OrderPlaced",
        "Detail": '{"id": "o-1"}',
    }
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    [(rule, target, event)] = hooks.delivered
    assert (rule, target["Arn"], target["RetryPolicy"]) == (rule_arn, topic_arn, {"MaximumRetryAttempts": 3})
    assert event["detail"] == {"id": "o-1"} and event["time"].endswith("Z") and "ingestion-time" not in event
    # The SQS target stays with moto, which still delivers it.
    assert len(sqs.receive_message(QueueUrl=queue_url).get("Messages", [])) == 1


# -- DynamoDB under moto's threaded server: no lost or stale writes ---------------------------------
#: Bounded: threads × rounds requests of each kind, over loopback, well within the time limit.
WRITERS, ROUNDS, PRELOADED_ITEMS = 8, 25, 1500


@pytest.fixture
def dynamodb_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's threaded server on a free loopback port with DynamoDB isolated, as the local cloud runs it."""
    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    adapter.install_dynamodb_isolation()
    server = adapter.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "dynamodb",
        endpoint_url=f"http://{host}:{port}",
        config=Config(max_pool_connections=WRITERS * 2, retries={"total_max_attempts": 1}),
    )
    try:
        yield client
    finally:
        server.stop()
        adapter.uninstall_dynamodb_isolation()


def _counter(client: Any, table: str, key: str) -> int:
    item = client.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")
    return int(item["n"]["N"]) if item else 0


@pytest.mark.time_limit(120)
def test_concurrent_conditional_writes_and_transactions_lose_nothing(dynamodb_server: Any) -> None:
    client, table = dynamodb_server, f"stress-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    # Items already there: moto's per-transaction copy of the table then takes long enough to
    # overlap other writers (the window in which their writes were erased).
    for start in range(0, PRELOADED_ITEMS, 25):
        batch = [{"PutRequest": {"Item": {"pk": {"S": f"old#{i}"}}}} for i in range(start, start + 25)]
        client.batch_write_item(RequestItems={table: batch})
    for start in range(0, ROUNDS, 25):
        tokens = [{"PutRequest": {"Item": {"pk": {"S": f"token#{i}"}}}} for i in range(start, min(start + 25, ROUNDS))]
        client.batch_write_item(RequestItems={table: tokens})
    acknowledged: dict[str, list[str]] = {
        "put": [],
        "batch": [],
        "tx": [],
        "cancelled": [],
        "claims": [],
        "taken": [],
    }
    increments = {"counter": 0, "tx-counter": 0}
    unexpected_errors: list[str] = []
    lock = threading.Lock()

    def note(kind: str, value: str) -> None:
        with lock:
            acknowledged[kind].append(value)

    def count(counter: str) -> None:
        with lock:
            increments[counter] += 1

    def transaction(thread: int, round_: int) -> None:
        tx_key = f"tx#{thread}#{round_}"
        items: list[dict[str, Any]] = [
            {"Put": {"TableName": table, "Item": {"pk": {"S": tx_key}}}},
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": "tx-counter"}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
        if round_ % 2:  # every other transaction is cancelled by a condition on an item never written
            check = {"TableName": table, "Key": {"pk": {"S": "never"}}, "ConditionExpression": "attribute_exists(pk)"}
            items.append({"ConditionCheck": check})
        try:
            client.transact_write_items(TransactItems=items)
        except client.exceptions.TransactionCanceledException:
            note("cancelled", tx_key)
            return
        note("tx", tx_key)
        count("tx-counter")

    def claim(thread: int, round_: int) -> None:
        """Every thread races for the same claim: at most one may be told it won."""
        key = f"claim#{round_}"
        try:
            client.put_item(
                TableName=table,
                Item={"pk": {"S": key}, "owner": {"S": str(thread)}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except client.exceptions.ConditionalCheckFailedException:
            return
        note("claims", f"{key}={thread}")

    def take(thread: int, round_: int) -> None:
        """Every thread races to delete the same token: at most one may be told it deleted it."""
        try:
            client.delete_item(
                TableName=table, Key={"pk": {"S": f"token#{round_}"}}, ConditionExpression="attribute_exists(pk)"
            )
        except client.exceptions.ConditionalCheckFailedException:
            return
        note("taken", f"token#{round_}")

    def writer(thread: int) -> None:
        for round_ in range(ROUNDS):
            try:
                key = f"put#{thread}#{round_}"
                client.put_item(
                    TableName=table, Item={"pk": {"S": key}}, ConditionExpression="attribute_not_exists(pk)"
                )
                note("put", key)
                client.update_item(
                    TableName=table,
                    Key={"pk": {"S": "counter"}},
                    UpdateExpression="ADD n :one",
                    ExpressionAttributeValues={":one": {"N": "1"}},
                )
                count("counter")
                batch = [f"batch#{thread}#{round_}#{i}" for i in range(2)]
                client.batch_write_item(
                    RequestItems={table: [{"PutRequest": {"Item": {"pk": {"S": k}}}} for k in batch]}
                )
                for batched in batch:
                    note("batch", batched)
                transaction(thread, round_)
                claim(thread, round_)
                take(thread, round_)
            except ClientError as error:  # e.g. a 500 from moto: noted, and the thread goes on
                with lock:
                    unexpected_errors.append(str(error))

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    held: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        held.update({item["pk"]["S"]: item for item in page["Items"]})
    written = acknowledged["put"] + acknowledged["batch"] + acknowledged["tx"]
    assert [k for k in written if k not in held] == [], "acknowledged writes lost"
    assert [k for k in acknowledged["cancelled"] if k in held] == [], "a cancelled transaction's write persisted"
    assert len([k for k in held if k.startswith("old#")]) == PRELOADED_ITEMS
    assert _counter(client, table, "counter") == increments["counter"]
    assert _counter(client, table, "tx-counter") == increments["tx-counter"]
    owners = sorted(f"{k}={v['owner']['S']}" for k, v in held.items() if k.startswith("claim#"))
    assert sorted(acknowledged["claims"]) == owners, "a claim was granted twice"
    assert sorted(acknowledged["taken"]) == sorted(f"token#{r}" for r in range(ROUNDS)), "a delete acknowledged twice"
    assert [k for k in held if k.startswith("token#")] == []
    assert unexpected_errors == []
    assert len(acknowledged["put"]) == WRITERS * ROUNDS
