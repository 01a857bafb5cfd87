"""Re-driving a DynamoDB stream consumer (an EventStore projection): from the stream while it holds the batch, from
the event store's table once it does not; what neither holds reported and kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from redrive_kit import Consumer, client, depth, iso, on_failure, queue, run, settings, visible

TABLE = "events"


def append(aggregate: str, version: int, occurred_at: datetime) -> None:
    client("dynamodb").put_item(
        TableName=TABLE,
        Item={
            "aggregateId": {"S": aggregate},
            "version": {"N": str(version)},
            "type": {"S": "OrderPlaced" if version == 1 else "OrderConfirmed"},
            "occurredAt": {"S": iso(occurred_at)},
        },
    )


@pytest.fixture
def store():
    """An event store of four events appended now; its stream ARN, shard and raw stream records."""
    dynamodb = client("dynamodb")
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "aggregateId", "KeyType": "HASH"},
            {"AttributeName": "version", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "aggregateId", "AttributeType": "S"},
            {"AttributeName": "version", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    now = datetime.now(UTC)
    for aggregate, version in (("o-1", 1), ("o-2", 1), ("o-1", 2), ("o-3", 1)):
        append(aggregate, version, now)
    streams = client("dynamodbstreams")
    arn = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return arn, shard, streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]


def given_up(arn, shard, first, last, size) -> str:
    url = queue()
    client("sqs").send_message(QueueUrl=url, MessageBody=on_failure("dynamodb", arn, shard, first, last, size))
    return url


def forgotten(record, shift: int = 10**6):
    """``record`` as the stream held it before it forgot it: a sequence number it no longer has."""
    sequence = str(int(record["dynamodb"]["SequenceNumber"]) + shift)
    return {**record, "dynamodb": {**record["dynamodb"], "SequenceNumber": sequence}}


def with_table(url, arn, **extra):
    return settings(
        "dynamodb",
        url,
        arn,
        TABLE_NAME=TABLE,
        TABLE_KEYS="aggregateId,version",
        APPENDED_AT_ATTRIBUTE="occurredAt",
        STREAM_VIEW_TYPE="NEW_IMAGE",
        TABLE_MARGIN_SECONDS="60",
        **extra,
    )


def events(batch):
    return sorted(
        (r["dynamodb"]["NewImage"]["aggregateId"]["S"], int(r["dynamodb"]["NewImage"]["version"]["N"])) for r in batch
    )


def test_a_batch_the_stream_still_holds_is_delivered_from_it_as_lambda_delivers_stream_records(store):
    arn, shard, records = store
    consumer = Consumer()
    report = run(settings("dynamodb", given_up(arn, shard, records[1], records[2], 2), arn), consumer)
    [batch] = consumer.batches
    assert [r["dynamodb"]["SequenceNumber"] for r in batch] == [r["dynamodb"]["SequenceNumber"] for r in records[1:3]]
    assert {(r["eventName"], r["eventSource"], r["eventSourceARN"], r["awsRegion"]) for r in batch} == {
        ("INSERT", "aws:dynamodb", arn, "eu-west-1")
    }
    assert batch[0]["dynamodb"]["NewImage"]["aggregateId"] == {"S": "o-2"}
    assert isinstance(batch[0]["dynamodb"]["ApproximateCreationDateTime"], float)
    assert report["redriven"][0]["from"] == "stream"


def test_a_batch_the_stream_forgot_is_reported_and_kept_when_the_store_names_no_append_time(store):
    arn, shard, records = store
    url = given_up(arn, shard, forgotten(records[0]), forgotten(records[1]), 2)
    consumer = Consumer()
    report = run(settings("dynamodb", url, arn), consumer)
    assert consumer.batches == [] and report["unfetchable"][0]["from"] == "stream"
    assert visible(url) == 1


def test_a_batch_the_stream_forgot_is_rebuilt_from_the_table_by_its_arrival_window(store):
    arn, shard, records = store
    append("o-9", 1, datetime.now(UTC) - timedelta(hours=2))  # long before the batch: not part of it
    url = given_up(arn, shard, forgotten(records[0]), forgotten(records[3]), 4)
    consumer = Consumer()
    report = run(with_table(url, arn), consumer)
    [batch] = consumer.batches
    assert events(batch) == [("o-1", 1), ("o-1", 2), ("o-2", 1), ("o-3", 1)]
    assert report["redriven"][0]["from"] == "table" and depth(url) == 0


def test_records_rebuilt_from_the_table_are_the_inserts_the_stream_carried(store):
    arn, shard, records = store
    consumer = Consumer()
    run(with_table(given_up(arn, shard, forgotten(records[0]), forgotten(records[3]), 4), arn), consumer)
    record = consumer.batches[0][0]
    assert (record["eventName"], record["eventSource"], record["eventSourceARN"]) == ("INSERT", "aws:dynamodb", arn)
    image = record["dynamodb"]["NewImage"]
    assert record["dynamodb"]["Keys"] == {"aggregateId": image["aggregateId"], "version": image["version"]}
    assert record["dynamodb"]["StreamViewType"] == "NEW_IMAGE"
    sequences = [r["dynamodb"]["SequenceNumber"] for r in consumer.batches[0]]
    assert len(set(sequences)) == 4  # partial batch responses can name each one


def test_the_table_s_events_are_filtered_as_the_mapping_filters(store):
    arn, shard, records = store
    consumer = Consumer()
    url = given_up(arn, shard, forgotten(records[0]), forgotten(records[3]), 3)
    patterns = '[{"dynamodb": {"NewImage": {"version": {"N": ["1"]}}}}]'
    run(with_table(url, arn, FILTER_PATTERNS=patterns), consumer)
    assert events(consumer.batches[0]) == [("o-1", 1), ("o-2", 1), ("o-3", 1)]


def test_a_table_that_holds_fewer_events_than_the_batch_had_keeps_the_message(store):
    arn, shard, records = store
    url = given_up(arn, shard, forgotten(records[0]), forgotten(records[3]), 6)
    report = run(with_table(url, arn), Consumer())
    [entry] = report["unfetchable"]
    assert entry["from"] == "table" and entry["fetched"] == 4 and "the batch had 6" in entry["reason"]
    assert visible(url) == 1


def test_redriving_twice_leaves_an_idempotent_projection_complete_and_unchanged(store):
    arn, shard, records = store
    projected: dict[str, int] = {}

    def project(event):  # version-safe: an older or repeated event never overwrites a newer one
        for record in event["Records"]:
            image = record["dynamodb"]["NewImage"]
            aggregate, version = image["aggregateId"]["S"], int(image["version"]["N"])
            projected[aggregate] = max(projected.get(aggregate, 0), version)
        return {"batchItemFailures": []}

    url = given_up(arn, shard, records[0], records[3], 4)
    client("sqs").send_message(  # the same batch given up twice (at-least-once delivery of on-failure records)
        QueueUrl=url, MessageBody=on_failure("dynamodb", arn, shard, records[0], records[3], 4)
    )
    report = run(settings("dynamodb", url, arn), Consumer(project))
    assert len(report["redriven"]) == 2
    assert projected == {"o-1": 2, "o-2": 1, "o-3": 1} and depth(url) == 0


def test_a_batch_of_an_earlier_stream_of_the_store_is_rebuilt_from_the_table(store):
    arn, shard, records = store
    earlier = arn.rsplit("/", 1)[0] + "/2020-01-01T00:00:00.000"  # the store's stream before it was re-enabled
    url = given_up(earlier, shard, records[0], records[3], 4)
    consumer = Consumer()
    report = run(with_table(url, arn), consumer)
    assert events(consumer.batches[0]) == [("o-1", 1), ("o-1", 2), ("o-2", 1), ("o-3", 1)]
    assert report["redriven"][0]["from"] == "table" and depth(url) == 0
