"""Each service's request as IAM sees it: the action it performs and the real resource ARN."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from pulumi_wasp.localcloud.iam.requests import (
    Access,
    NotMappedError,
    Request,
    accesses,
    environment_key_use,
    execution_key_use,
    log_group_key_use,
    mapping_key_use,
    state_machine_of,
)

ACCOUNT, REGION = "123456789012", "eu-west-1"
ARN = f"{REGION}:{ACCOUNT}"
KEY = f"arn:aws:kms:{ARN}:key/k-1"
SEALED_QUEUE = f"arn:aws:sqs:{ARN}:sealed"
SEALED_TOPIC = f"arn:aws:sns:{ARN}:sealed"
SEALED_STREAM = f"arn:aws:kinesis:{ARN}:stream/sealed"
SEALED_TABLE = f"arn:aws:dynamodb:{ARN}:table/sealed"
OTHER_KEY = f"arn:aws:kms:{ARN}:key/k-2"
SEALED_MACHINE = f"arn:aws:states:{ARN}:stateMachine:sealed"
SEALED_EXECUTION = f"arn:aws:states:{ARN}:execution:sealed:order-1"


def through(service: str, context: dict[str, str] | None = None) -> dict[str, str]:
    return {"kms:ViaService": f"{service}.{REGION}.amazonaws.com", "kms:CallerAccount": ACCOUNT, **(context or {})}


THROUGH_SQS = through("sqs", {"kms:EncryptionContext:aws:sqs:arn": SEALED_QUEUE})


class Resolver:
    def secret_arn(self, region: str, secret_id: str) -> str | None:
        return (
            f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{secret_id}-AbCdEf" if secret_id == "webhook" else None
        )

    def key_arn(self, region: str, key_id: str) -> str | None:
        return {"k-1": KEY, "alias/orders": KEY, "k-2": OTHER_KEY}.get(key_id)

    def encryption_key(self, resource_arn: str, writing: bool) -> str | None:
        if resource_arn == "arn:aws:s3:::sealed/old":  # an object written before the bucket's key changed
            return None if writing else OTHER_KEY
        return {
            SEALED_QUEUE: KEY,
            f"arn:aws:sqs:{ARN}:lost-key": "gone",
            SEALED_TOPIC: KEY,
            SEALED_STREAM: KEY,
            SEALED_TABLE: KEY,
            SEALED_MACHINE: KEY,
            "arn:aws:s3:::sealed/report.csv": KEY,
        }.get(resource_arn)


def of(service: str, operation: str, params: dict[str, Any] | None = None, **fields: Any) -> list[Access]:
    request = Request(service, operation, params or {}, REGION, ACCOUNT, **fields)
    return accesses(request, Resolver())


def test_a_table_name_is_the_table_arn() -> None:
    assert of("dynamodb", "PutItem", {"TableName": "orders"}) == [
        Access("dynamodb:PutItem", f"arn:aws:dynamodb:{ARN}:table/orders")
    ]


def test_a_query_on_an_index_is_on_the_index_arn() -> None:
    assert of("dynamodb", "Query", {"TableName": "orders", "IndexName": "by-status"}) == [
        Access("dynamodb:Query", f"arn:aws:dynamodb:{ARN}:table/orders/index/by-status")
    ]


def test_a_transaction_needs_each_items_own_action_on_its_table() -> None:
    items = [{"Put": {"TableName": "a"}}, {"Update": {"TableName": "b"}}, {"ConditionCheck": {"TableName": "a"}}]
    assert of("dynamodb", "TransactWriteItems", {"TransactItems": items}) == [
        Access("dynamodb:PutItem", f"arn:aws:dynamodb:{ARN}:table/a"),
        Access("dynamodb:UpdateItem", f"arn:aws:dynamodb:{ARN}:table/b"),
        Access("dynamodb:ConditionCheckItem", f"arn:aws:dynamodb:{ARN}:table/a"),
    ]


def test_a_batch_write_is_authorized_on_every_table_it_names() -> None:
    found = of("dynamodb", "BatchWriteItem", {"RequestItems": {"a": [], "b": []}})
    assert [a.resource.rsplit("/", 1)[-1] for a in found] == ["a", "b"]


def test_stream_reads_are_on_the_stream_arn_also_through_an_iterator() -> None:
    stream = f"arn:aws:dynamodb:{ARN}:table/orders/stream/2026-01-01T00:00:00.000"
    assert of("dynamodbstreams", "GetRecords", {"ShardIterator": f"{stream}|1|abc"}) == [
        Access("dynamodb:GetRecords", stream)
    ]
    assert of("dynamodbstreams", "DescribeStream", {"StreamArn": stream}) == [Access("dynamodb:DescribeStream", stream)]


def test_a_queue_url_is_the_queue_arn_and_batches_are_their_single_action() -> None:
    url = f"http://127.0.0.1:5000/{ACCOUNT}/inventory"
    assert of("sqs", "SendMessageBatch", {"QueueUrl": url}) == [
        Access("sqs:SendMessage", f"arn:aws:sqs:{ARN}:inventory")
    ]


def test_a_send_to_a_queue_under_a_customer_managed_key_also_generates_a_data_key_through_sqs() -> None:
    url = f"http://127.0.0.1:5000/{ACCOUNT}/sealed"
    assert of("sqs", "SendMessage", {"QueueUrl": url}) == [
        Access("sqs:SendMessage", f"arn:aws:sqs:{ARN}:sealed"),
        Access("kms:GenerateDataKey", KEY, THROUGH_SQS),
        Access("kms:Decrypt", KEY, THROUGH_SQS),
    ]


def test_a_receive_from_a_queue_under_a_customer_managed_key_also_decrypts_through_sqs() -> None:
    url = f"http://127.0.0.1:5000/{ACCOUNT}/sealed"
    assert of("sqs", "ReceiveMessage", {"QueueUrl": url}) == [
        Access("sqs:ReceiveMessage", f"arn:aws:sqs:{ARN}:sealed"),
        Access("kms:Decrypt", KEY, THROUGH_SQS),
    ]


def test_other_calls_on_an_encrypted_queue_use_no_key() -> None:
    url = f"http://127.0.0.1:5000/{ACCOUNT}/sealed"
    assert of("sqs", "DeleteMessage", {"QueueUrl": url}) == [Access("sqs:DeleteMessage", f"arn:aws:sqs:{ARN}:sealed")]


def test_a_queue_whose_key_the_emulator_does_not_hold_is_not_mapped() -> None:
    with pytest.raises(NotMappedError, match="the KMS key gone of arn:aws:sqs:.*:lost-key is not in the emulator"):
        of("sqs", "SendMessage", {"QueueUrl": f"http://127.0.0.1:5000/{ACCOUNT}/lost-key"})


def test_a_publish_to_a_topic_under_a_customer_managed_key_also_generates_a_data_key_through_sns() -> None:
    context = through("sns", {"kms:EncryptionContext:aws:sns:topicArn": SEALED_TOPIC})
    assert of("sns", "Publish", {"TopicArn": SEALED_TOPIC}) == [
        Access("sns:Publish", SEALED_TOPIC),
        Access("kms:GenerateDataKey", KEY, context),
        Access("kms:Decrypt", KEY, context),
    ]


def test_a_put_object_into_a_bucket_whose_default_key_is_customer_managed_generates_a_data_key_through_s3() -> None:
    obj = "arn:aws:s3:::sealed/report.csv"
    assert of("s3", "PutObject", s3_resource=obj) == [
        Access("s3:PutObject", obj),
        Access("kms:GenerateDataKey", KEY, through("s3")),
    ]


def test_a_put_object_naming_its_own_key_uses_that_key() -> None:
    obj = "arn:aws:s3:::sealed/report.csv"
    headers = {"x-amz-server-side-encryption-aws-kms-key-id": "k-2"}
    assert of("s3", "PutObject", s3_resource=obj, headers=headers)[1:] == [
        Access("kms:GenerateDataKey", OTHER_KEY, through("s3"))
    ]


def test_a_get_object_decrypts_with_the_key_the_object_was_written_with() -> None:
    assert of("s3", "GetObject", s3_resource="arn:aws:s3:::sealed/old") == [
        Access("s3:GetObject", "arn:aws:s3:::sealed/old"),
        Access("kms:Decrypt", OTHER_KEY, through("s3")),
    ]
    assert of("s3", "HeadObject", s3_resource="arn:aws:s3:::sealed/old") == [
        Access("s3:GetObject", "arn:aws:s3:::sealed/old")
    ]


def test_kinesis_writes_generate_a_data_key_and_reads_decrypt_through_kinesis() -> None:
    context = through("kinesis", {"kms:EncryptionContext:aws:kinesis:arn": SEALED_STREAM})
    assert of("kinesis", "PutRecords", {"StreamName": "sealed"}) == [
        Access("kinesis:PutRecords", SEALED_STREAM),
        Access("kms:GenerateDataKey", KEY, context),
    ]
    iterator = base64.b64encode(b"sealed:shardId-000000000000:1").decode()
    assert of("kinesis", "GetRecords", {"ShardIterator": iterator}) == [
        Access("kinesis:GetRecords", SEALED_STREAM),
        Access("kms:Decrypt", KEY, context),
    ]


def test_sns_publish_is_on_the_topic() -> None:
    topic = f"arn:aws:sns:{ARN}:orders"
    assert of("sns", "Publish", {"TopicArn": topic}) == [Access("sns:Publish", topic)]


def test_put_events_is_on_each_event_bus_named_or_the_default_one() -> None:
    entries = [{"EventBusName": "orders"}, {}]
    assert of("events", "PutEvents", {"Entries": entries}) == [
        Access("events:PutEvents", f"arn:aws:events:{ARN}:event-bus/default"),
        Access("events:PutEvents", f"arn:aws:events:{ARN}:event-bus/orders"),
    ]


def test_s3_takes_moto_s_object_arn() -> None:
    found = of("s3", "GetObject", s3_resource="arn:aws:s3:::invoices/2026/a.json")
    assert found == [Access("s3:GetObject", "arn:aws:s3:::invoices/2026/a.json")]
    assert of("s3", "HeadObject", s3_resource="arn:aws:s3:::b/k") == [Access("s3:GetObject", "arn:aws:s3:::b/k")]


def test_kinesis_records_are_on_the_stream_also_through_an_iterator() -> None:
    iterator = base64.b64encode(b"clicks:shardId-000000000000:0").decode()
    stream = f"arn:aws:kinesis:{ARN}:stream/clicks"
    assert of("kinesis", "GetRecords", {"ShardIterator": iterator}) == [Access("kinesis:GetRecords", stream)]
    assert of("kinesis", "PutRecords", {"StreamName": "clicks"}) == [Access("kinesis:PutRecords", stream)]


def test_start_execution_is_on_the_state_machine() -> None:
    machine = f"arn:aws:states:{ARN}:stateMachine:saga"
    assert of("stepfunctions", "StartExecution", {"stateMachineArn": machine}) == [
        Access("states:StartExecution", machine)
    ]


def test_lambda_invoke_is_authorized_as_invoke_function_on_the_function() -> None:
    found = of("lambda", "Invoke", path="/2015-03-31/functions/orders-api/invocations")
    assert found == [Access("lambda:InvokeFunction", f"arn:aws:lambda:{ARN}:function:orders-api")]


def test_a_secret_name_is_its_full_arn() -> None:
    assert of("secretsmanager", "GetSecretValue", {"SecretId": "webhook"}) == [
        Access("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{ARN}:secret:webhook-AbCdEf")
    ]


def test_a_key_alias_is_the_key_arn() -> None:
    assert of("kms", "Decrypt", {"KeyId": "alias/orders"}) == [Access("kms:Decrypt", f"arn:aws:kms:{ARN}:key/k-1")]


def test_put_metric_data_is_on_every_resource_with_its_namespace_as_condition_key() -> None:
    assert of("cloudwatch", "PutMetricData", {"Namespace": "orders"}) == [
        Access("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "orders"})
    ]


def test_a_parameter_name_is_the_parameter_arn() -> None:
    assert of("ssm", "GetParameter", {"Name": "/orders/flag"}) == [
        Access("ssm:GetParameter", f"arn:aws:ssm:{ARN}:parameter/orders/flag")
    ]


def test_a_service_without_a_mapping_is_not_mapped() -> None:
    with pytest.raises(NotMappedError, match="glue"):
        of("glue", "GetTable", {"Name": "x"})


def test_an_operation_naming_no_resource_is_not_mapped() -> None:
    with pytest.raises(NotMappedError, match="sqs:SendMessage"):
        of("sqs", "SendMessage", {})


def test_an_operation_whose_action_accepts_only_star_is_evaluated_on_star_without_a_mapping() -> None:
    assert of("sts", "GetCallerIdentity") == [Access("sts:GetCallerIdentity", "*")]
    assert of("xray", "PutTraceSegments") == [Access("xray:PutTraceSegments", "*")]


def test_an_action_the_authorization_reference_does_not_list_is_not_guessed() -> None:
    with pytest.raises(NotMappedError, match="sqs:FrobnicateQueue is not an action"):
        of("sqs", "FrobnicateQueue", {"QueueUrl": f"http://h/{ACCOUNT}/q"})


def test_a_mapping_decrypts_what_it_receives_from_a_queue_or_reads_from_a_stream_under_a_customer_managed_key() -> None:
    assert mapping_key_use(SEALED_QUEUE, Resolver()) == [Access("kms:Decrypt", KEY, THROUGH_SQS)]
    stream_context = through("kinesis", {"kms:EncryptionContext:aws:kinesis:arn": SEALED_STREAM})
    assert mapping_key_use(SEALED_STREAM, Resolver()) == [Access("kms:Decrypt", KEY, stream_context)]


def test_a_mapping_decrypts_what_it_reads_from_a_keyed_tables_stream_through_dynamodb() -> None:
    assert mapping_key_use(f"{SEALED_TABLE}/stream/2026-12-01T00:00:00.000", Resolver()) == [
        Access("kms:Decrypt", KEY, THROUGH_DYNAMODB)
    ]


def test_a_mapping_on_a_source_without_a_customer_managed_key_uses_none() -> None:
    assert mapping_key_use(f"arn:aws:sqs:{ARN}:inventory", Resolver()) == []
    assert mapping_key_use(f"arn:aws:dynamodb:{ARN}:table/orders/stream/2026-12-01T00:00:00.000", Resolver()) == []


# -- Step Functions under a customer-managed key -----------------------------------------------------------------
THROUGH_STATES = through("states", {"kms:EncryptionContext:aws:states:stateMachineArn": SEALED_MACHINE})


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("DescribeExecution", {"executionArn": SEALED_EXECUTION}),
        ("GetExecutionHistory", {"executionArn": SEALED_EXECUTION}),
        ("DescribeStateMachineForExecution", {"executionArn": SEALED_EXECUTION}),
        ("DescribeStateMachine", {"stateMachineArn": SEALED_MACHINE}),
        ("StartSyncExecution", {"stateMachineArn": SEALED_MACHINE}),
    ],
)
def test_reading_what_a_machines_key_encrypts_decrypts_through_step_functions_for_that_machine(
    operation: str, params: dict[str, str]
) -> None:
    assert of("stepfunctions", operation, params) == [
        Access(f"states:{operation}", next(iter(params.values()))),
        Access("kms:Decrypt", KEY, THROUGH_STATES),
    ]


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("StartExecution", {"stateMachineArn": SEALED_MACHINE}),
        ("StopExecution", {"executionArn": SEALED_EXECUTION}),
        ("DescribeExecution", {"executionArn": SEALED_EXECUTION, "includedData": "METADATA_ONLY"}),
    ],
)
def test_starting_stopping_or_reading_metadata_only_asks_no_key_of_the_caller(
    operation: str, params: dict[str, str]
) -> None:
    assert of("stepfunctions", operation, params) == [Access(f"states:{operation}", next(iter(params.values())))]


def test_an_execution_of_a_machine_under_a_key_encrypts_with_its_role_without_via_service() -> None:
    request = Request("stepfunctions", "StartExecution", {"stateMachineArn": SEALED_MACHINE}, REGION, ACCOUNT)
    context = {"kms:CallerAccount": ACCOUNT, "kms:EncryptionContext:aws:states:stateMachineArn": SEALED_MACHINE}
    assert execution_key_use(request, Resolver()) == [
        Access("kms:GenerateDataKey", KEY, context),
        Access("kms:Decrypt", KEY, context),
    ]


def test_a_synchronous_express_execution_only_decrypts_with_its_role() -> None:
    request = Request("stepfunctions", "StartSyncExecution", {"stateMachineArn": SEALED_MACHINE}, REGION, ACCOUNT)
    assert [access.action for access in execution_key_use(request, Resolver())] == ["kms:Decrypt"]


def test_an_execution_of_a_machine_without_a_key_or_another_request_uses_none() -> None:
    plain = f"arn:aws:states:{ARN}:stateMachine:plain"
    assert (
        execution_key_use(
            Request("stepfunctions", "StartExecution", {"stateMachineArn": plain}, REGION, ACCOUNT), Resolver()
        )
        == []
    )
    assert (
        execution_key_use(
            Request("stepfunctions", "ListExecutions", {"stateMachineArn": SEALED_MACHINE}, REGION, ACCOUNT), Resolver()
        )
        == []
    )


def test_an_execution_or_a_versions_machine_is_the_machine_its_key_encrypts_for() -> None:
    assert state_machine_of(SEALED_EXECUTION) == SEALED_MACHINE
    assert state_machine_of(f"{SEALED_MACHINE}:3") == SEALED_MACHINE
    with pytest.raises(NotMappedError, match="not a Step Functions ARN"):
        state_machine_of(SEALED_QUEUE)


def test_lambda_decrypts_a_functions_environment_through_lambda_in_the_functions_encryption_context() -> None:
    function = f"arn:aws:lambda:{ARN}:function:orders-api"
    context = {
        "kms:ViaService": f"lambda.{REGION}.amazonaws.com",
        "kms:CallerAccount": ACCOUNT,
        "kms:EncryptionContext:aws:lambda:FunctionArn": function,
    }
    assert environment_key_use(function, KEY) == [Access("kms:Decrypt", KEY, context)]


def test_an_environment_key_that_is_not_an_arn_is_not_mapped() -> None:
    with pytest.raises(NotMappedError, match="is not in the emulator"):
        environment_key_use(f"arn:aws:lambda:{ARN}:function:orders-api", "k-1")


def test_cloudwatch_logs_uses_a_log_groups_key_in_the_log_groups_encryption_context_without_a_via_service() -> None:
    group = f"arn:aws:logs:{ARN}:log-group:/aws/lambda/orders-api"
    context = {"kms:EncryptionContext:aws:logs:arn": group}
    assert log_group_key_use(group, KEY) == [
        Access("kms:GenerateDataKey", KEY, context),
        Access("kms:Decrypt", KEY, context),
    ]


# -- DynamoDB tables under a customer-managed key ----------------------------------------------------------------
THROUGH_DYNAMODB = through(
    "dynamodb",
    {
        "kms:EncryptionContext:aws:dynamodb:tableName": "sealed",
        "kms:EncryptionContext:aws:dynamodb:subscriberId": ACCOUNT,
    },
)


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("GetItem", {"TableName": "sealed"}),
        ("PutItem", {"TableName": "sealed"}),
        ("UpdateItem", {"TableName": SEALED_TABLE}),
        ("DeleteItem", {"TableName": "sealed"}),
        ("Query", {"TableName": "sealed", "IndexName": "by-status"}),
        ("Scan", {"TableName": "sealed"}),
    ],
)
def test_an_item_operation_on_a_keyed_table_decrypts_its_key_through_dynamodb_for_the_table(
    operation: str, params: dict[str, str]
) -> None:
    assert of("dynamodb", operation, params)[1:] == [Access("kms:Decrypt", KEY, THROUGH_DYNAMODB)]


def test_a_batch_or_transaction_decrypts_each_keyed_table_once() -> None:
    batch = of("dynamodb", "BatchGetItem", {"RequestItems": {"sealed": {}, "plain": {}}})
    assert batch[2:] == [Access("kms:Decrypt", KEY, THROUGH_DYNAMODB)]
    items = [{"Put": {"TableName": "sealed"}}, {"Update": {"TableName": "sealed"}}, {"Put": {"TableName": "plain"}}]
    assert of("dynamodb", "TransactWriteItems", {"TransactItems": items})[3:] == [
        Access("kms:Decrypt", KEY, THROUGH_DYNAMODB)
    ]


def test_reading_a_keyed_tables_stream_decrypts_the_tables_key() -> None:
    stream = f"{SEALED_TABLE}/stream/2026-01-01T00:00:00.000"
    assert of("dynamodbstreams", "GetRecords", {"ShardIterator": f"{stream}|1|abc"}) == [
        Access("dynamodb:GetRecords", stream),
        Access("kms:Decrypt", KEY, THROUGH_DYNAMODB),
    ]


def test_a_table_operation_that_reads_no_items_or_a_table_without_a_customer_key_uses_no_key() -> None:
    assert of("dynamodb", "DescribeTable", {"TableName": "sealed"}) == [Access("dynamodb:DescribeTable", SEALED_TABLE)]
    assert of("dynamodb", "PutItem", {"TableName": "plain"}) == [
        Access("dynamodb:PutItem", f"arn:aws:dynamodb:{ARN}:table/plain")
    ]
