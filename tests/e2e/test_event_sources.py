"""Failure handling of the event sources, on tests/e2e/programs/tiny at 60× speed: a poison
stream record bisected out, an asynchronous invocation retried into its on-failure destination,
an undeliverable EventBridge target retried into its DLQ."""

from __future__ import annotations

import ast
import json

from pulumi_wasp.localcloud.client import Cloud, wait_for
from tests.e2e.conftest import Served


def test_a_poison_record_is_bisected_out_and_parked_while_its_batch_mates_are_processed(tiny: Served) -> None:
    cloud = Cloud(tiny.endpoints)
    records = [{"Data": data.encode(), "PartitionKey": "one-shard"} for data in ("a", "b", "poison", "c")]
    put = cloud.client("kinesis").put_records(StreamName=cloud.outputs["stream_name"], Records=records)
    poison_sequence = put["Records"][2]["SequenceNumber"]

    def parked() -> dict | None:
        """This record's coordinates (other tests park poison records of their own in the same queue)."""
        bodies = [json.loads(m["Body"]) for m in cloud.peek(cloud.outputs["stream_on_failure_url"])]
        mine = [b for b in bodies if b["KinesisBatchInfo"]["endSequenceNumber"] == poison_sequence]
        return mine[0] if mine else None

    record = wait_for("the poison record's coordinates in the on-failure queue", parked, timeout=20)
    info = record["KinesisBatchInfo"]
    assert (info["batchSize"], info["startSequenceNumber"], info["endSequenceNumber"]) == (
        1,
        poison_sequence,
        poison_sequence,
    )
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 4  # the first attempt and 3 retries
    # AWS's shape, which the re-drive function reads: coordinates only, times in UTC with a Z.
    assert set(record) == {"requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo"}
    assert set(info) == {
        "shardId",
        "startSequenceNumber",
        "endSequenceNumber",
        "approximateArrivalOfFirstRecord",
        "approximateArrivalOfLastRecord",
        "batchSize",
        "streamArn",
    }
    assert info["approximateArrivalOfFirstRecord"].endswith("Z") and info["streamArn"].endswith(
        ":stream/" + cloud.outputs["stream_name"]
    )
    log = (tiny.state_dir / "logs" / "localcloud-tiny-dev-clicks.log").read_text()
    batches = [ast.literal_eval(line.split("batch ", 1)[1]) for line in log.splitlines() if line.startswith("batch ")]
    with_poison = [batch for batch in batches if "poison" in batch]
    assert len(with_poison[0]) > 1, "the poison record arrived with its batch mates, then the batch was bisected"
    assert with_poison.count(["poison"]) == 4
    assert {"a", "b", "c"} <= {record for batch in batches if "poison" not in batch for record in batch}


def test_a_failing_asynchronous_invocation_is_retried_twice_then_sent_to_its_destination(tiny: Served) -> None:
    cloud = Cloud(tiny.endpoints)
    cloud.fire(cloud.endpoints["schedules"][0])

    def destination() -> dict | None:
        messages = cloud.peek(cloud.outputs["job_dlq_url"])
        return json.loads(messages[0]["Body"]) if messages else None

    record = wait_for("the failed run in the job's DLQ", destination, timeout=20)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"action": "fail"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "ValueError"


def test_an_undeliverable_event_target_is_retried_then_dead_lettered_with_the_error(tiny: Served) -> None:
    cloud = Cloud(tiny.endpoints)
    entry = {"EventBusName": cloud.outputs["bus_name"], "Source": "tests", "DetailType": "Lost", "Detail": '{"n": 1}'}
    assert cloud.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0
    messages = wait_for("the event in the rule's DLQ", lambda: cloud.peek(cloud.outputs["bus_dlq_url"]), timeout=20)
    event, attributes = json.loads(messages[0]["Body"]), messages[0]["MessageAttributes"]
    assert (event["source"], event["detail"]) == ("tests", {"n": 1})
    assert attributes["ERROR_CODE"]["StringValue"] == "StateMachineDoesNotExist"
    assert attributes["EXHAUSTED_RETRY_CONDITION"]["StringValue"] == "MaximumRetryAttemptsExhausted"
    assert attributes["RETRY_ATTEMPTS"]["StringValue"] == "3"
    assert attributes["TARGET_ARN"]["StringValue"].endswith(":stateMachine:no-such-machine")
