"""Re-driving a Kinesis consumer: the batch read back from the stream, shaped and filtered as Lambda delivered it;
what the stream no longer holds reported and kept; failures of the consumer kept."""

from __future__ import annotations

import base64
import json

import pytest
from redrive_kit import ROLE, Consumer, client, depth, on_failure, queue, run, run_with_time, settings, visible

STREAM = "clicks"


@pytest.fixture
def stream():
    """A one-shard stream of six records, ``{"n": i, "type": click|view}``; its ARN, shard and raw records."""
    kinesis = client("kinesis")
    kinesis.create_stream(StreamName=STREAM, ShardCount=1)
    arn = kinesis.describe_stream(StreamName=STREAM)["StreamDescription"]["StreamARN"]
    for n in range(6):
        data = json.dumps({"n": n, "type": "click" if n % 2 == 0 else "view"}).encode()
        kinesis.put_record(StreamName=STREAM, Data=data, PartitionKey=f"user-{n}")
    shard = kinesis.list_shards(StreamName=STREAM)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=STREAM, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return arn, shard, records


def given_up(stream, first: int, last: int, size: int | None = None) -> str:
    """The queue holding the on-failure record of records ``first..last``."""
    arn, shard, records = stream
    url = queue()
    body = on_failure("kinesis", arn, shard, records[first], records[last], size or last - first + 1)
    client("sqs").send_message(QueueUrl=url, MessageBody=body)
    return url


def numbers(batch):
    return [json.loads(base64.b64decode(record["kinesis"]["data"]))["n"] for record in batch]


def test_the_records_an_on_failure_record_names_are_read_back_and_delivered_in_order(stream):
    url, consumer = given_up(stream, 1, 3), Consumer()
    report = run(settings("kinesis", url, stream[0]), consumer)
    assert [numbers(batch) for batch in consumer.batches] == [[1, 2, 3]]
    assert [(r["records"], r["from"]) for r in report["redriven"]] == [(3, "stream")]
    assert (report["unfetchable"], report["failed"], report["kept"]) == ([], [], 0)


def test_a_fully_redriven_message_leaves_the_queue(stream):
    url = given_up(stream, 1, 3)
    run(settings("kinesis", url, stream[0]), Consumer())
    assert depth(url) == 0


def test_each_record_is_shaped_as_the_event_source_mapping_delivers_it(stream):
    arn, shard, records = stream
    consumer = Consumer()
    run(settings("kinesis", given_up(stream, 2, 2), arn), consumer)
    [[record]] = consumer.batches
    assert record == {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "user-2",
            "sequenceNumber": records[2]["SequenceNumber"],
            "data": base64.b64encode(records[2]["Data"]).decode(),
            "approximateArrivalTimestamp": records[2]["ApproximateArrivalTimestamp"].timestamp(),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard}:{records[2]['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": ROLE,
        "awsRegion": "eu-west-1",
        "eventSourceARN": arn,
    }


def test_records_the_mapping_filters_out_are_not_delivered_now_either(stream):
    url, consumer = given_up(stream, 0, 4, size=3), Consumer()
    config = settings("kinesis", url, stream[0], FILTER_PATTERNS=json.dumps([{"data": {"type": ["click"]}}]))
    report = run(config, consumer)
    assert [numbers(batch) for batch in consumer.batches] == [[0, 2, 4]]
    assert report["redriven"][0]["records"] == 3


def test_records_the_stream_no_longer_holds_are_reported_and_the_message_kept(stream):
    arn, shard, records = stream
    url = queue()
    gone = {**records[5], "SequenceNumber": str(int(records[5]["SequenceNumber"]) + 10**6)}
    client("sqs").send_message(QueueUrl=url, MessageBody=on_failure("kinesis", arn, shard, gone, gone, 1))
    consumer = Consumer()
    report = run(settings("kinesis", url, arn), consumer)
    assert consumer.batches == []
    [entry] = report["unfetchable"]
    assert entry["startSequenceNumber"] == gone["SequenceNumber"] and entry["shardId"] == shard
    assert "no longer holds the range's first record" in entry["reason"]
    assert (report["kept"], visible(url)) == (1, 1)


def test_an_unfetchable_batch_is_logged_as_json_with_its_coordinates(stream, capfd):
    arn, _, records = stream
    url = queue()
    client("sqs").send_message(
        QueueUrl=url, MessageBody=on_failure("kinesis", arn, "shardId-000000000099", *records[:2], 2)
    )
    run(settings("kinesis", url, arn), Consumer())
    [line] = [json.loads(line) for line in capfd.readouterr().out.splitlines() if "could not be fetched" in line]
    assert line["level"] == "ERROR"
    assert line["redrive"]["shardId"] == "shardId-000000000099"
    assert line["redrive"]["startSequenceNumber"] == records[0]["SequenceNumber"]
    assert line["redrive"]["reason"].startswith("the stream answered ResourceNotFoundException")


def test_a_batch_only_partly_in_the_stream_is_delivered_as_far_as_it_goes_and_kept(stream):
    url, consumer = given_up(stream, 4, 5, size=4), Consumer()
    report = run(settings("kinesis", url, stream[0]), consumer)
    assert [numbers(batch) for batch in consumer.batches] == [[4, 5]]
    assert report["unfetchable"][0]["fetched"] == 2
    assert "holds 2 of the batch's 4 records" in report["unfetchable"][0]["reason"]
    assert visible(url) == 1


def test_a_consumer_that_fails_again_keeps_the_message_and_is_reported(stream):
    url = given_up(stream, 1, 2)

    def broken(event):
        raise RuntimeError("projection bug")

    report = run(settings("kinesis", url, stream[0]), Consumer(broken))
    [failed] = report["failed"]
    assert failed["error"].startswith("the consumer failed (Unhandled)") and "projection bug" in failed["error"]
    assert (report["redriven"], visible(url)) == ([], 1)


def test_records_the_consumer_reports_as_failed_keep_the_message(stream):
    url = given_up(stream, 1, 2)
    sequence = stream[2][2]["SequenceNumber"]
    consumer = Consumer(lambda event: {"batchItemFailures": [{"itemIdentifier": sequence}]})
    report = run(settings("kinesis", url, stream[0]), consumer)
    assert report["failed"][0]["batchItemFailures"] == [sequence]
    assert visible(url) == 1


def test_a_message_kept_by_one_run_is_redriven_by_the_next_once_the_consumer_is_fixed(stream):
    url, applied = given_up(stream, 1, 3), set()

    def flaky(event):
        applied.update(numbers(event["Records"][:1]))  # applies the first record, then fails
        raise RuntimeError("still broken")

    run(settings("kinesis", url, stream[0]), Consumer(flaky))

    def fixed(event):  # idempotent: a record applied twice counts once
        applied.update(numbers(event["Records"]))
        return {"batchItemFailures": []}

    report = run(settings("kinesis", url, stream[0]), Consumer(fixed))
    assert applied == {1, 2, 3} and report["redriven"][0]["records"] == 3 and depth(url) == 0


def test_a_run_redrives_at_most_max_messages(stream):
    arn, shard, records = stream
    url = queue()
    for n in range(3):
        client("sqs").send_message(
            QueueUrl=url, MessageBody=on_failure("kinesis", arn, shard, records[n], records[n], 1)
        )
    report = run(settings("kinesis", url, arn), Consumer(), limit=2)
    assert (report["received"], len(report["redriven"]), depth(url)) == (2, 2, 1)


def test_a_run_near_its_end_stops_and_keeps_the_rest(stream):
    arn, shard, records = stream
    url, consumer = queue(), Consumer()
    for n in range(2):
        client("sqs").send_message(
            QueueUrl=url, MessageBody=on_failure("kinesis", arn, shard, records[n], records[n], 1)
        )
    # Time for one consumer invocation (its 10 s + 10 s spare), then no more.
    report = run_with_time(settings("kinesis", url, arn), consumer, lambda: 15 if consumer.batches else 300)
    assert (len(consumer.batches), len(report["redriven"]), visible(url)) == (1, 1, 1)
    assert report["stopped"].startswith("the run's time is nearly up")


def test_a_run_without_time_for_one_consumer_invocation_is_an_error_naming_the_setting(stream):
    url = given_up(stream, 1, 1)
    with pytest.raises(ValueError, match=r"the re-drive has 15 s.*raise RedriveArgs\.timeout_seconds"):
        run(settings("kinesis", url, stream[0]), Consumer(), seconds=15)
    assert visible(url) == 1


def test_a_message_that_is_not_an_on_failure_record_is_reported_and_kept(stream):
    url = queue()
    client("sqs").send_message(QueueUrl=url, MessageBody='{"hello": "world"}')
    report = run(settings("kinesis", url, stream[0]), Consumer())
    assert report["unfetchable"][0]["reason"].startswith("not a stream on-failure record")
    assert visible(url) == 1


def test_a_record_of_another_stream_is_reported_and_kept(stream):
    url = given_up(stream, 1, 1)
    report = run(settings("kinesis", url, stream[0].replace(STREAM, "other")), Consumer())
    assert "this re-drive reads" in report["unfetchable"][0]["reason"]
    assert visible(url) == 1


def test_a_consumer_whose_timeout_the_component_did_not_know_is_asked_for_it(stream):
    url, consumer = given_up(stream, 1, 1), Consumer()
    report = run(settings("kinesis", url, stream[0], TARGET_TIMEOUT_SECONDS=""), consumer)
    assert len(report["redriven"]) == 1


def test_a_consumer_that_may_run_longer_than_the_redrive_is_an_error_naming_the_setting(stream):
    url = given_up(stream, 1, 1)
    with pytest.raises(ValueError, match=r"the consumer's timeout \(600 s\) \+ 10 s: raise RedriveArgs"):
        run(settings("kinesis", url, stream[0], TARGET_TIMEOUT_SECONDS=""), Consumer(timeout_seconds=600))
