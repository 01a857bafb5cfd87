"""What the project relies on in moto's internals, through pulumi_wasp.adapters.moto (the runtime
hooks' own tests drive moto in tests/e2e/test_patches.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from pulumi_wasp.adapters import moto as adapter

REGION, ACCOUNT = "us-east-1", "123456789012"


def test_event_patterns_match_as_eventbridge_does() -> None:
    pattern = {"detail-type": ["OrderPlaced"], "detail": {"total": [{"numeric": [">", 100]}]}}
    event = {"detail-type": "OrderPlaced", "source": "orders", "detail": {"total": 150}}
    assert adapter.matches_event_pattern(pattern, event)
    assert not adapter.matches_event_pattern(pattern, {**event, "detail": {"total": 50}})


def test_event_patterns_filter_lambda_records_by_their_fields() -> None:
    # Lambda's event filtering runs EventBridge's matcher over a record view (no detail-type/source).
    view = {"body": {"kind": "order"}, "messageAttributes": {}}
    assert adapter.matches_event_pattern({"body": {"kind": ["order"]}}, view)
    assert not adapter.matches_event_pattern({"body": {"kind": ["refund"]}}, view)


def test_input_templates_render_the_paths_of_the_event() -> None:
    event = {"id": "e-1", "detail-type": "OrderPlaced", "source": "orders", "detail": {"order": {"id": "o-1"}}}
    rendered = adapter.render_input_template(
        '{"order": "<order>", "kind": "<kind>"}',
        {
            "order": "$.detail.order.id",
            "kind": "$.detail-type",
        },
        event,
    )
    assert json.loads(rendered) == {"order": "o-1", "kind": "OrderPlaced"}


def test_input_templates_render_string_templates_as_the_json_string_aws_delivers() -> None:
    rendered = adapter.render_input_template('"order <id> placed"', {"id": "$.detail.id"}, {"detail": {"id": "o-1"}})
    assert rendered == '"order o-1 placed"'


def test_events_are_delivered_with_iso_times_and_no_internal_fields() -> None:
    delivered = adapter.aws_event({"id": "e-1", "time": 0, "ingestion-time": 1.5, "detail": {}})
    assert delivered == {"id": "e-1", "time": "1970-01-01T00:00:00Z", "detail": {}}


def test_the_threaded_server_binds_a_free_port_and_reports_it() -> None:
    server = adapter.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        assert (host, port != 0) == ("127.0.0.1", True)
        # An STS call, not /moto-api/data.json: that serializes every backend of the process, and a Lambda function
        # another test left there makes moto look for Docker.
        sts = boto3.client(
            "sts",
            endpoint_url=f"http://{host}:{port}",
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert sts.get_caller_identity()["Account"]
    finally:
        server.stop()


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    adapter.install_dynamodb_isolation()
    try:
        with mock_aws():
            client = boto3.client("dynamodb")
            for name in ("orders", "ledger"):
                client.create_table(
                    TableName=name,
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                    AttributeDefinitions=[
                        {"AttributeName": "pk", "AttributeType": "S"},
                        {"AttributeName": "sk", "AttributeType": "S"},
                    ],
                    BillingMode="PAY_PER_REQUEST",
                    StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
                )
            yield client
    finally:
        adapter.uninstall_dynamodb_isolation()


def key(pk: str, sk: str = "A") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def held(client: Any, table: str) -> dict[str, dict[str, Any]]:
    return {i["pk"]["S"]: i for i in client.scan(TableName=table)["Items"]}


def stream_events(table: str) -> list[str]:
    shard = adapter.dynamodb_backends[ACCOUNT][REGION].tables[table].stream_shard
    return [record.to_json()["eventName"] for record in shard.items]


def test_in_memory_tables_hold_items_by_dynamo_typed_keys(dynamodb: Any) -> None:
    # The bench's observer reads progress this way, without a request to the emulator.
    dynamodb.put_item(TableName="orders", Item={**key("o-1", "v1"), "status": {"S": "Confirmed"}})
    table = adapter.dynamodb_backends[ACCOUNT][REGION].tables["orders"]
    versions = table.items.get(adapter.DynamoType({"S": "o-1"}))
    assert versions[adapter.DynamoType({"S": "v1"})].attrs["status"].value == "Confirmed"
    assert table.items.get(adapter.DynamoType({"S": "o-2"})) is None


def test_a_transaction_applies_all_its_operations_across_tables(dynamodb: Any) -> None:
    dynamodb.put_item(TableName="ledger", Item={**key("stock"), "n": {"N": "5"}})
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "orders", "Item": {**key("o-1"), "status": {"S": "Placed"}}}},
            {
                "Update": {
                    "TableName": "ledger",
                    "Key": key("stock"),
                    "UpdateExpression": "SET n = n - :one",
                    "ConditionExpression": "n >= :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
    )
    assert held(dynamodb, "orders")["o-1"]["status"] == {"S": "Placed"}
    assert held(dynamodb, "ledger")["stock"]["n"] == {"N": "4"}
    assert stream_events("orders") == ["INSERT"] and stream_events("ledger") == ["INSERT", "MODIFY"]


def test_a_failed_condition_cancels_the_transaction_before_anything_is_written(dynamodb: Any) -> None:
    dynamodb.put_item(TableName="ledger", Item={**key("stock"), "n": {"N": "0"}})
    table = adapter.dynamodb_backends[ACCOUNT][REGION].tables["orders"]
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "orders", "Item": key("o-1")}},
                {
                    "ConditionCheck": {
                        "TableName": "ledger",
                        "Key": key("stock"),
                        "ConditionExpression": "n >= :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )
    reasons = raised.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"]["n"] == {"N": "0"}
    assert held(dynamodb, "orders") == {} and stream_events("orders") == []
    # The table itself is kept (moto used to put back a copy taken before the transaction).
    assert adapter.dynamodb_backends[ACCOUNT][REGION].tables["orders"] is table


def test_a_failure_while_applying_undoes_only_the_transactions_own_writes(dynamodb: Any) -> None:
    dynamodb.put_item(TableName="orders", Item={**key("o-0"), "status": {"S": "Placed"}})
    dynamodb.put_item(TableName="ledger", Item={**key("stock"), "n": {"S": "not a number"}})
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": "orders",
                        "Key": key("o-0"),
                        "UpdateExpression": "SET status = :s",
                        "ExpressionAttributeValues": {":s": {"S": "Shipped"}},
                    }
                },
                {"Put": {"TableName": "orders", "Item": key("o-1")}},
                {
                    "Update": {
                        "TableName": "ledger",
                        "Key": key("stock"),
                        "UpdateExpression": "SET n = n - :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
            ]
        )
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert held(dynamodb, "orders") == {"o-0": {**key("o-0"), "status": {"S": "Placed"}}}
    assert stream_events("orders") == ["INSERT"]
    assert held(dynamodb, "ledger")["stock"]["n"] == {"S": "not a number"}


def test_two_operations_on_one_item_are_rejected_before_anything_is_written(dynamodb: Any) -> None:
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "orders", "Item": key("o-1")}},
                {"Delete": {"TableName": "orders", "Key": key("o-1")}},
            ]
        )
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert held(dynamodb, "orders") == {}


def test_input_templates_fill_in_eventbridges_predefined_variables() -> None:
    event = {"id": "e-1", "time": "2026-01-01T00:00:00Z", "detail": {"id": "o-1"}}
    template = '{"event": <aws.events.event.json>, "received": "<aws.events.event.ingestion-time>"}'
    rendered = json.loads(adapter.render_input_template(template, {}, event))
    assert rendered == {"event": event, "received": "2026-01-01T00:00:00Z"}


# -- the States Language parser: grammar only ---------------------------------------------------


def _asl(states: dict[str, object], start: str = "A") -> str:
    return json.dumps({"StartAt": start, "States": states})


def test_the_asl_parser_accepts_a_valid_definition() -> None:
    assert adapter.asl_parse_errors(_asl({"A": {"Type": "Pass", "End": True}})) == []


def test_the_asl_parser_rejects_an_unknown_state_type_naming_it() -> None:
    (error,) = adapter.asl_parse_errors(_asl({"A": {"Type": "Bogus", "End": True}}))
    assert '"Bogus"' in error


def test_the_asl_parser_rejects_a_field_no_state_accepts_naming_it() -> None:
    (error,) = adapter.asl_parse_errors(_asl({"A": {"Type": "Pass", "End": True, "Frob": 1}}))
    assert '"Frob"' in error


def test_the_asl_parser_reports_a_rule_its_program_builder_enforces_as_an_error() -> None:
    (error,) = adapter.asl_parse_errors(_asl({"A": {"Type": "Task", "End": True}}))
    assert error == "ValueError: No Resource declaration in State Task."


def test_the_asl_parser_does_not_check_transitions_which_is_why_the_pack_has_its_own_validator() -> None:
    # A Next to a missing state, an unreachable state and a StartAt naming nothing all parse.
    assert (
        adapter.asl_parse_errors(_asl({"A": {"Type": "Pass", "Next": "Z"}, "U": {"Type": "Succeed"}}, start="B")) == []
    )


# -- EventBridge's pattern parser (structure only) and SNS's filter policy validation -------------


def test_the_event_pattern_parser_rejects_an_empty_list_with_awss_reason() -> None:
    assert adapter.event_pattern_errors('{"source": []}') == [
        "Event pattern is not valid. Reason: Empty arrays are not allowed"
    ]


def test_the_event_pattern_parser_does_not_check_operators() -> None:
    assert adapter.event_pattern_errors('{"source": [{"begins-with": "a"}]}') == []


def test_the_filter_policy_validator_rejects_more_than_five_keys() -> None:
    errors = adapter.filter_policy_errors({key: ["v"] for key in "abcdef"}, "MessageAttributes")
    assert errors == ["Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys"]


def test_the_filter_policy_validator_accepts_a_valid_policy() -> None:
    assert adapter.filter_policy_errors({"event": ["OrderPlaced"]}, "MessageAttributes") == []


# -- SQS: the messages a queue holds -------------------------------------------------------------


def test_queue_message_ids_lists_visible_and_in_flight_messages_without_receiving_them() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="held")["QueueUrl"]
        sent = {sqs.send_message(QueueUrl=url, MessageBody=str(n))["MessageId"] for n in range(3)}
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)["Messages"][0]
        assert adapter.queue_message_ids(ACCOUNT, REGION, "held") == sent
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]) == (
            "2",
            "1",
        )
        sqs.delete_message(QueueUrl=url, ReceiptHandle=received["ReceiptHandle"])
        assert adapter.queue_message_ids(ACCOUNT, REGION, "held") == sent - {received["MessageId"]}


# -- fast paths: the same answers for less CPU --------------------------------------------------------
@pytest.fixture
def fast_paths() -> Iterator[None]:
    adapter.install_fast_paths()
    try:
        yield
    finally:
        adapter.uninstall_fast_paths()


def test_step_functions_share_one_client_per_service_region_and_credentials(fast_paths: None) -> None:
    from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for

    lambda_client = boto_client_for(region=REGION, service="lambda")
    assert boto_client_for(region=REGION, service="lambda", state_credentials=None) is lambda_client
    assert boto_client_for(region="eu-west-1", service="lambda") is not lambda_client
    assert boto_client_for(region=REGION, service="sqs") is not lambda_client
    assert lambda_client.meta.region_name == REGION and lambda_client.meta.service_model.service_name == "lambda"


def test_without_the_fast_paths_step_functions_make_a_client_per_call() -> None:
    # What the patch removes: the factory builds a new client (about 10 ms of CPU) on every task.
    from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for

    assert boto_client_for(region=REGION, service="lambda") is not boto_client_for(region=REGION, service="lambda")


PASS_MACHINE = {
    "StartAt": "Echo",
    "States": {
        "Echo": {"Type": "Pass", "Parameters": {"n.$": "$.n", "doubled.$": "States.MathAdd($.n, $.n)"}, "End": True}
    },
}


def _run_executions(inputs: list[int], created: Callable[[], None] = lambda: None) -> list[dict[str, Any]]:
    """Executions of one Pass state machine (moto interpreting ASL), their outputs in input order;
    ``created`` is called once the state machine exists."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name=REGION)
        role = f"arn:aws:iam::{ACCOUNT}:role/sfn"
        machine = client.create_state_machine(name="echo", definition=json.dumps(PASS_MACHINE), roleArn=role)
        created()
        arns = [
            client.start_execution(
                stateMachineArn=machine["stateMachineArn"], name=f"e-{n}", input=json.dumps({"n": n})
            )["executionArn"]
            for n in inputs
        ]
        outputs = []
        for arn in arns:
            for _ in range(200):
                described = client.describe_execution(executionArn=arn)
                if described["status"] != "RUNNING":
                    break
                time.sleep(0.02)
            assert described["status"] == "SUCCEEDED", described
            outputs.append(json.loads(described["output"]))
        return outputs


def test_executions_of_one_definition_parse_it_once_and_keep_their_own_results(
    fast_paths: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    parsed: list[str] = []
    original = AmazonStateLanguageParser.parse

    def counting(definition: str) -> Any:
        parsed.append(definition)
        time.sleep(0.05)  # executions run on their own threads: a slow parse makes them miss together
        return original(definition)

    monkeypatch.setattr(AmazonStateLanguageParser, "parse", staticmethod(counting))
    adapter.uninstall_fast_paths()  # a fresh cache, so this test's definition is parsed here
    adapter.install_fast_paths()
    at_creation: list[int] = []  # creating the state machine validates (parses) its definition
    outputs = _run_executions([1, 2, 3, 4], created=lambda: at_creation.append(len(parsed)))
    assert outputs == [{"n": n, "doubled": 2 * n} for n in (1, 2, 3, 4)]
    assert len(parsed) == at_creation[0] + 1


def test_jsonpath_expressions_are_parsed_once_per_text(fast_paths: None) -> None:
    import jsonpath_ng.ext

    expression = jsonpath_ng.ext.parse("$.detail.order.id")
    assert jsonpath_ng.ext.parse("$.detail.order.id") is expression
    assert [m.value for m in expression.find({"detail": {"order": {"id": "o-1"}}})] == ["o-1"]
    rendered = adapter.render_input_template(
        '{"order": "<order>"}', {"order": "$.detail.order.id"}, {"detail": {"order": {"id": "o-2"}}}
    )
    assert json.loads(rendered) == {"order": "o-2"}


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "pk = :pk"},
    {"KeyConditionExpression": "pk = :pk", "ScanIndexForward": False},
    {"KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)"},
    {"KeyConditionExpression": "pk = :pk", "Limit": 2},
    {"KeyConditionExpression": "pk = :pk", "FilterExpression": "n > :two"},
    {"KeyConditionExpression": "pk = :pk", "ProjectionExpression": "sk"},
]


def _query_all(client: Any, table: str, pk: str, query: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Every page of ``query`` on partition ``pk`` (following LastEvaluatedKey)."""
    values = {":pk": {"S": pk}, ":prefix": {"S": "v1"}, ":two": {"N": "2"}}
    wanted = {k: v for k, v in values.items() if k in json.dumps(query)}
    pages, start = [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        page = client.query(TableName=table, ExpressionAttributeValues=wanted, **query, **extra)
        pages.append(page["Items"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


def test_a_query_reads_only_its_partition_and_answers_as_moto_does(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for pk in ("o-1", "o-2", "o-3"):
        for version in range(5):
            dynamodb.put_item(TableName="orders", Item={**key(pk, f"v{version}"), "n": {"N": str(version)}})
    answers = {(pk, i): _query_all(dynamodb, "orders", pk, q) for pk in ("o-2", "o-9") for i, q in enumerate(QUERIES)}
    adapter.install_fast_paths()
    try:
        table = adapter.dynamodb_backends[ACCOUNT][REGION].tables["orders"]

        def every_item() -> list[Any]:
            raise AssertionError("a partition's query read the whole table")

        monkeypatch.setattr(table, "all_items", every_item)
        for (pk, i), answer in answers.items():
            assert _query_all(dynamodb, "orders", pk, QUERIES[i]) == answer, QUERIES[i]
        assert adapter.DynamoType({"S": "o-9"}) not in table.items  # no partition made by looking
    finally:
        adapter.uninstall_fast_paths()


def _outbox_table(client: Any) -> None:
    """A table with a sparse global index, as the reference system's event store has its outbox."""
    client.create_table(
        TableName="events",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in (("pk", "S"), ("sk", "S"), ("outboxShard", "N"), ("at", "S"))
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "unpublished",
                "KeySchema": [
                    {"AttributeName": "outboxShard", "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def _unpublished(client: Any, shard: int, **extra: Any) -> list[list[dict[str, Any]]]:
    """Every page of a Query of the sparse index for ``shard`` (following LastEvaluatedKey)."""
    pages, start = [], None
    while True:
        paging = {"ExclusiveStartKey": start} if start else {}
        page = client.query(
            TableName="events",
            IndexName="unpublished",
            KeyConditionExpression="outboxShard = :shard AND #at < :cutoff",
            ExpressionAttributeNames={"#at": "at"},
            ExpressionAttributeValues={":shard": {"N": str(shard)}, ":cutoff": {"S": "t9"}},
            **extra,
            **paging,
        )
        pages.append(page["Items"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


def _event(pk: str, sk: str, shard: int | None, at: str = "t1") -> dict[str, Any]:
    return {**key(pk, sk), "at": {"S": at}, **({"outboxShard": {"N": str(shard)}} if shard is not None else {})}


def _outbox_story(client: Any, indexed: Callable[[], None]) -> list[Any]:
    """Writes of every kind that move items into, within and out of the sparse index, each followed by the
    index's answers; ``indexed`` is called once the first Query has run."""
    answers: list[Any] = []

    def look() -> None:
        answers.append([_unpublished(client, shard) for shard in (0, 1, 2)])
        answers.append(_unpublished(client, 1, Limit=2, ScanIndexForward=False))

    for n in range(6):
        client.put_item(TableName="events", Item=_event(f"o-{n}", "v1", n % 3, f"t{n}"))
    client.put_item(TableName="events", Item=_event("o-9", "v1", None))  # never in the index
    look()
    indexed()
    client.update_item(  # marked published: leaves the index
        TableName="events",
        Key=key("o-1", "v1"),
        UpdateExpression="REMOVE outboxShard SET published = :t",
        ExpressionAttributeValues={":t": {"S": "now"}},
    )
    client.update_item(  # moved to another shard
        TableName="events",
        Key=key("o-2", "v1"),
        UpdateExpression="SET outboxShard = :s",
        ExpressionAttributeValues={":s": {"N": "1"}},
    )
    client.update_item(  # created by an update, into the index
        TableName="events",
        Key=key("o-7", "v1"),
        UpdateExpression="SET outboxShard = :s, #at = :at",
        ExpressionAttributeNames={"#at": "at"},
        ExpressionAttributeValues={":s": {"N": "1"}, ":at": {"S": "t0"}},
    )
    look()
    client.put_item(TableName="events", Item=_event("o-4", "v1", None))  # replaced without the attribute
    client.delete_item(TableName="events", Key=key("o-0", "v1"))
    client.batch_write_item(
        RequestItems={
            "events": [
                {"PutRequest": {"Item": _event("o-8", "v2", 1, "t3")}},
                {"DeleteRequest": {"Key": key("o-3", "v1")}},
            ]
        }
    )
    look()
    mark = {"UpdateExpression": "REMOVE outboxShard", "TableName": "events"}
    client.transact_write_items(TransactItems=[{"Update": {**mark, "Key": key("o-5", "v1")}}])
    with pytest.raises(ClientError):  # applied, then undone: the second update fails on a missing value
        client.transact_write_items(
            TransactItems=[
                {"Update": {**mark, "Key": key("o-8", "v2")}},
                {
                    "Update": {
                        **mark,
                        "Key": key("o-2", "v1"),
                        "UpdateExpression": "SET outboxShard = outboxShard + :missing",
                        "ExpressionAttributeValues": {":missing": {"S": "x"}},
                    }
                },
            ]
        )
    look()
    return answers


def test_a_global_index_query_reads_only_the_items_holding_its_key_and_answers_as_moto_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    adapter.install_dynamodb_isolation()
    try:
        with mock_aws():
            client = boto3.client("dynamodb")
            _outbox_table(client)
            expected = _outbox_story(client, lambda: None)
        adapter.install_fast_paths()
        with mock_aws():
            client = boto3.client("dynamodb")
            _outbox_table(client)
            table = adapter.dynamodb_backends[ACCOUNT][REGION].tables["events"]

            def every_item() -> list[Any]:
                raise AssertionError("a query of the index read the whole table")

            assert _outbox_story(client, lambda: monkeypatch.setattr(table, "all_items", every_item)) == expected
    finally:
        adapter.uninstall_fast_paths()
        adapter.uninstall_dynamodb_isolation()


def test_a_response_class_s_actions_are_listed_once_and_as_moto_lists_them(
    fast_paths: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import inspect

    from moto.core import responses
    from moto.sqs.responses import SQSResponse

    adapter.uninstall_fast_paths()
    expected = set(responses.method_names_from_class(SQSResponse))
    adapter.install_fast_paths()
    assert responses.method_names_from_class(SQSResponse) == expected
    assert "receive_message" in expected
    monkeypatch.setattr(inspect, "getmembers", lambda *a, **k: pytest.fail("the class was listed again"))
    assert responses.method_names_from_class(SQSResponse) == expected


def test_the_server_finds_a_hosts_service_once_and_as_moto_does(fast_paths: None) -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    hosts = ["sqs.us-east-1.amazonaws.com", "dynamodb", "lambda.eu-west-1.amazonaws.com", "moto_api", None]
    adapter.uninstall_fast_paths()
    expected = [DomainDispatcherApplication(create_backend_app).get_backend_for_host(h) for h in hosts]
    adapter.install_fast_paths()
    dispatcher = DomainDispatcherApplication(create_backend_app)
    assert (
        [dispatcher.get_backend_for_host(h) for h in hosts]
        == expected
        == ["sqs", "dynamodb", "awslambda", "moto_api", None]
    )
    dispatcher.backend_url_patterns = []  # the patterns are not tried again: the answers stay
    assert [dispatcher.get_backend_for_host(h) for h in hosts] == expected


# -- IAM state and request parts (the hook itself is driven end to end in tests/e2e/test_iam.py) -------------


def test_the_access_key_is_read_from_a_sigv4_header_or_a_presigned_query() -> None:
    header = {"Authorization": "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE123/20261201/us-east-1/sqs/aws4_request, x"}
    assert adapter.access_key_of(header, {}) == "ASIAEXAMPLE123"
    presigned = {"X-Amz-Credential": ["AKIAQUERY/20261201/us-east-1/s3/aws4_request"]}
    assert adapter.access_key_of({}, presigned) == "AKIAQUERY"
    assert adapter.access_key_of({}, {}) == ""


def test_a_role_s_documents_are_its_inline_and_its_attached_managed_policies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        iam = boto3.client("iam")
        iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
        inline = json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}
        )
        iam.put_role_policy(RoleName="r", PolicyName="inline", PolicyDocument=inline)
        managed = json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:*", "Resource": "*"}]}
        )
        arn = iam.create_policy(PolicyName="managed", PolicyDocument=managed)["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="r", PolicyArn=arn)
        state = adapter.MotoIamState(ACCOUNT)
        assert [json.loads(d)["Statement"][0]["Action"] for d in state.role_documents(ACCOUNT, "r") or []] == [
            "sqs:*",
            "sns:*",
        ]
        assert state.role_documents(ACCOUNT, "absent") is None


def test_resource_policies_are_read_from_queues_topics_and_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "q", "Effect": "Allow", "Principal": "*"}]})
        url = boto3.client("sqs").create_queue(QueueName="q", Attributes={"Policy": policy})["QueueUrl"]
        topic = boto3.client("sns").create_topic(Name="t")["TopicArn"]
        state = adapter.MotoIamState(ACCOUNT)
        assert (
            json.loads(state.resource_policy(f"arn:aws:sqs:{REGION}:{ACCOUNT}:q") or "{}")["Statement"][0]["Sid"] == "q"
        )
        assert state.resource_policy(topic) is not None  # SNS's default topic policy
        assert state.resource_policy(f"arn:aws:sqs:{REGION}:{ACCOUNT}:absent") is None
        assert url.endswith("/q")


def test_a_queues_customer_managed_key_is_read_as_its_arn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        key = boto3.client("kms").create_key()["KeyMetadata"]
        sqs = boto3.client("sqs")
        sqs.create_queue(QueueName="by-id", Attributes={"KmsMasterKeyId": key["KeyId"]})
        sqs.create_queue(QueueName="managed", Attributes={"KmsMasterKeyId": "alias/aws/sqs"})
        sqs.create_queue(QueueName="plain")
        state = adapter.MotoIamState(ACCOUNT)
        queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:"
        assert state.encryption_key(queue + "by-id", writing=True) == key["Arn"]
        assert state.encryption_key(queue + "managed", writing=True) is None
        assert state.encryption_key(queue + "plain", writing=True) is None


def test_a_tables_key_is_read_only_when_it_is_customer_managed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        key = boto3.client("kms").create_key()["KeyMetadata"]
        dynamodb = boto3.client("dynamodb")
        table = {
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        }
        keyed = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key["KeyId"]}
        dynamodb.create_table(TableName="keyed", SSESpecification=keyed, **table)
        # moto fills in (and creates) the aws/dynamodb key, by ARN, for SSE enabled without a key.
        dynamodb.create_table(TableName="default", SSESpecification={"Enabled": True, "SSEType": "KMS"}, **table)
        managed = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "alias/aws/dynamodb"}
        dynamodb.create_table(TableName="managed", SSESpecification=managed, **table)
        dynamodb.create_table(TableName="owned", SSESpecification={"Enabled": False}, **table)
        dynamodb.create_table(TableName="plain", **table)
        described = dynamodb.describe_table(TableName="default")["Table"]["SSEDescription"]["KMSMasterKeyArn"]
        state = adapter.MotoIamState(ACCOUNT)
        tables = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"
        assert described == state.key_arn(REGION, "alias/aws/dynamodb")
        assert state.encryption_key(tables + "keyed", writing=False) == key["Arn"]
        assert state.encryption_key(tables + "keyed/stream/2026-01-01T00:00:00.000", writing=False) == key["Arn"]
        for name in ("default", "managed", "owned", "plain", "absent"):
            assert state.encryption_key(tables + name, writing=False) is None, name


def test_dynamodb_answers_a_denied_key_use_with_its_access_denied() -> None:
    response = type(
        "Response", (), {"service_name": "dynamodb", "headers": {"Content-Type": "application/x-amz-json-1.0"}}
    )()
    denial = adapter._denial(response, "User: u is not authorized to perform: kms:Decrypt on resource: k")  # type: ignore[arg-type]
    assert (denial.error_type, denial.code) == ("AccessDeniedException", 400)  # type: ignore[attr-defined]


def test_sqs_answers_a_denied_key_use_as_kms_does() -> None:
    response = type(
        "Response", (), {"service_name": "sqs", "headers": {"Content-Type": "application/x-amz-json-1.0"}}
    )()
    denial = adapter._denial(response, "User: u is not authorized to perform: kms:GenerateDataKey on resource: k")  # type: ignore[arg-type]
    assert (denial.error_type, denial.code) == ("KMS.AccessDeniedException", 400)  # type: ignore[attr-defined]
    plain = adapter._denial(response, "User: u is not authorized to perform: sqs:SendMessage on resource: q")  # type: ignore[arg-type]
    assert (plain.error_type, plain.code) == ("AccessDenied", 403)  # type: ignore[attr-defined]


def test_a_topics_streams_and_buckets_customer_managed_keys_are_read_as_their_arns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        key = boto3.client("kms").create_key()["KeyMetadata"]
        topic = boto3.client("sns").create_topic(Name="t", Attributes={"KmsMasterKeyId": key["KeyId"]})["TopicArn"]
        plain_topic = boto3.client("sns").create_topic(Name="plain")["TopicArn"]
        kinesis = boto3.client("kinesis")
        kinesis.create_stream(StreamName="s", ShardCount=1)
        kinesis.start_stream_encryption(StreamName="s", EncryptionType="KMS", KeyId=key["Arn"])
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="sealed-bucket")
        s3.put_object(Bucket="sealed-bucket", Key="before", Body=b"x")
        s3.put_bucket_encryption(
            Bucket="sealed-bucket",
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]}}
                ]
            },
        )
        s3.put_object(Bucket="sealed-bucket", Key="after", Body=b"x")
        state = adapter.MotoIamState(ACCOUNT)
        assert state.encryption_key(topic, writing=True) == key["Arn"]
        assert state.encryption_key(plain_topic, writing=True) is None
        assert state.encryption_key(f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s", writing=True) == key["Arn"]
        assert state.encryption_key("arn:aws:s3:::sealed-bucket/new", writing=True) == key["Arn"]
        assert state.encryption_key("arn:aws:s3:::sealed-bucket/after", writing=False) == key["Arn"]
        assert state.encryption_key("arn:aws:s3:::sealed-bucket/before", writing=False) is None  # written unencrypted


def test_sns_and_kinesis_answer_a_denied_key_use_with_their_kms_errors() -> None:
    message = "User: u is not authorized to perform: kms:GenerateDataKey on resource: k"
    for service, content_type, expected in (
        ("sns", "application/x-www-form-urlencoded", ("KMSAccessDenied", 400)),
        ("kinesis", "application/x-amz-json-1.1", ("KMSAccessDeniedException", 400)),
    ):
        response = type("Response", (), {"service_name": service, "headers": {"Content-Type": content_type}})()
        denial = adapter._denial(response, message)  # type: ignore[arg-type]
        assert (service, denial.error_type, denial.code) == (service, *expected)  # type: ignore[attr-defined]


def test_a_state_machines_customer_managed_key_and_role_are_read_from_the_backend_serving_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        key = boto3.client("kms").create_key()["KeyMetadata"]
        sfn, role = boto3.client("stepfunctions"), f"arn:aws:iam::{ACCOUNT}:role/saga"
        definition = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
        encryption = {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": key["KeyId"]}
        sealed = sfn.create_state_machine(
            name="sealed", definition=definition, roleArn=role, encryptionConfiguration=encryption
        )["stateMachineArn"]
        plain = sfn.create_state_machine(name="plain", definition=definition, roleArn=role)["stateMachineArn"]
        state = adapter.MotoIamState(ACCOUNT)
        assert state.encryption_key(sealed, writing=True) == key["Arn"]
        assert state.encryption_key(plain, writing=True) is None
        assert state.encryption_key(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:absent", writing=True) is None
        assert state.state_machine_role(sealed) == role


def test_a_state_machine_versions_role_and_key_are_those_it_was_published_with_and_an_aliass_its_routed_versions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        key = boto3.client("kms").create_key()["KeyMetadata"]
        sfn = boto3.client("stepfunctions")
        published, current = (f"arn:aws:iam::{ACCOUNT}:role/{name}" for name in ("saga-v1", "saga-v2"))
        definition = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
        machine = sfn.create_state_machine(
            name="versioned",
            definition=definition,
            roleArn=published,
            encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": key["KeyId"]},
            publish=True,
        )["stateMachineArn"]
        sfn.update_state_machine(
            stateMachineArn=machine, roleArn=current, encryptionConfiguration={"type": "AWS_OWNED_KEY"}, publish=True
        )
        sfn.create_state_machine_alias(
            name="live", routingConfiguration=[{"stateMachineVersionArn": f"{machine}:1", "weight": 100}]
        )
        sfn.create_state_machine_alias(
            name="canary",
            routingConfiguration=[
                {"stateMachineVersionArn": f"{machine}:2", "weight": 30},
                {"stateMachineVersionArn": f"{machine}:1", "weight": 70},
            ],
        )
        state = adapter.MotoIamState(ACCOUNT)
        assert [state.state_machine_role(machine + q) for q in ("", ":2", ":1", ":live", ":canary")] == [
            current,
            current,
            published,
            published,
            published,  # the larger weight's version
        ]
        assert [state.encryption_key(machine + q, writing=True) for q in ("", ":1", ":live", ":canary")] == [
            None,
            *[key["Arn"]] * 3,
        ]
        assert [state.encryption_key(machine + q, writing=True) for q in (":3", ":gone")] == [None, None]


def test_step_functions_answers_a_denied_key_use_with_its_kms_error() -> None:
    response = type(
        "Response", (), {"service_name": "stepfunctions", "headers": {"Content-Type": "application/x-amz-json-1.0"}}
    )()
    denial = adapter._denial(response, "User: u is not authorized to perform: kms:GenerateDataKey on resource: k")  # type: ignore[arg-type]
    assert (denial.error_type, denial.code) == ("KmsAccessDeniedException", 400)  # type: ignore[attr-defined]
    plain = adapter._denial(response, "User: u is not authorized to perform: states:StartExecution on resource: m")  # type: ignore[arg-type]
    assert (plain.error_type, plain.code) == ("AccessDeniedException", 400)  # type: ignore[attr-defined]


# -- Step Functions execution names -----------------------------------------------------------------
@pytest.fixture
def execution_names() -> Iterator[None]:
    adapter.install_execution_names()
    try:
        yield
    finally:
        adapter.uninstall_execution_names()


def _start_together(inputs: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict[str, Any]], list[str]]:
    """StartExecution of one name with each of ``inputs`` at once (moto interpreting ASL, its copy of the state
    machine slowed so that the calls overlap); the executions of the machine and the error codes answered."""
    import threading

    from moto.stepfunctions.parser import models

    deepcopy = models.copy.deepcopy

    def slow_deepcopy(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.05)
        return deepcopy(*args, **kwargs)

    monkeypatch.setattr(models.copy, "deepcopy", slow_deepcopy)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name=REGION)
        role = f"arn:aws:iam::{ACCOUNT}:role/sfn"
        arn = client.create_state_machine(name="m", definition=json.dumps(PASS_MACHINE), roleArn=role)[
            "stateMachineArn"
        ]
        errors: list[str] = []
        barrier = threading.Barrier(len(inputs))

        def start(text: str) -> None:
            barrier.wait()
            try:
                client.start_execution(stateMachineArn=arn, name="event-1", input=text)
            except ClientError as error:
                errors.append(error.response["Error"]["Code"])

        threads = [threading.Thread(target=start, args=(text,)) for text in inputs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return client.list_executions(stateMachineArn=arn)["executions"], errors


def test_concurrent_starts_of_one_execution_name_start_one_execution(
    execution_names: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    executions, errors = _start_together([json.dumps({"n": n}) for n in range(4)], monkeypatch)
    assert [e["name"] for e in executions] == ["event-1"]
    assert errors == ["ExecutionAlreadyExists"] * 3


def test_concurrent_starts_of_one_name_with_the_same_input_answer_the_running_execution(
    execution_names: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    executions, errors = _start_together([json.dumps({"n": 1})] * 3, monkeypatch)
    assert len(executions) == 1
    # AWS answers the running execution, or ExecutionAlreadyExists once it has ended (a Pass state ends at once)
    assert set(errors) <= {"ExecutionAlreadyExists"}, errors


def test_key_states_are_read_from_moto_and_an_unknown_key_arn_is_none() -> None:
    with mock_aws():
        kms = boto3.client("kms", region_name="eu-west-1")
        key = kms.create_key()["KeyMetadata"]
        state = adapter.MotoIamState("123456789012")
        assert state.key_state(key["Arn"]) == "Enabled"
        kms.disable_key(KeyId=key["KeyId"])
        assert state.key_state(key["Arn"]) == "Disabled"
        unknown = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
        assert (state.key_arn("eu-west-1", unknown), state.key_state(unknown)) == (None, None)


def test_the_bucket_of_an_s3_notification_is_read_from_its_records_and_from_moto_s_test_event() -> None:
    from moto.s3 import notifications

    assert adapter.bucket_arn_of(notifications._get_test_event("uploads")) == "arn:aws:s3:::uploads"
    record = {"Records": [{"s3": {"bucket": {"name": "uploads", "arn": "arn:aws:s3:::uploads"}}}]}
    assert adapter.bucket_arn_of(record) == "arn:aws:s3:::uploads"
    assert adapter.bucket_arn_of({"Event": "s3:Other"}) == ""
