"""Re-drive on the local cloud, tests/e2e/programs/redrive at 60× speed: an event store's projection fails for
"poison" events, their batches are given up to the on-failure queue; `wasp local redrive-stream` reports them
failed again while the projection is broken, and once it is fixed re-drives them until the view is complete. A
Kinesis consumer's poison record, parked in an existing on-failure queue, read back from the stream and failed
again."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pulumi_wasp.localcloud.client import Cloud, wait_for
from tests.e2e.conftest import Served, run_verb, start_serve, stop_serve

PROGRAM = Path(__file__).resolve().parent / "programs" / "redrive"
EVENTS = [
    ("o-1", 1, False),
    ("o-2", 1, True),
    ("o-1", 2, False),
    ("o-3", 1, False),
    ("o-2", 2, True),
    ("o-4", 1, False),
]


@pytest.fixture(scope="module")
def redrive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_serve(PROGRAM, tmp_path_factory.mktemp("redrive"))
    try:
        yield served
    finally:
        left = stop_serve(served)
        assert not left, f"serve left processes behind: {sorted(left)}"


def verb(served: Served, *args: str) -> subprocess.CompletedProcess[str]:
    return run_verb(served, "redrive-stream", *args)


def projected(cloud: Cloud) -> set[str]:
    items = cloud.client("dynamodb").scan(TableName=cloud.outputs["view_name"], ConsistentRead=True)["Items"]
    return {item["id"]["S"] for item in items} - {"__fixed__"}


def parked(cloud: Cloud) -> int:
    """Records the on-failure queue's messages point at."""
    return sum(
        json.loads(m["Body"])["DDBStreamBatchInfo"]["batchSize"] for m in cloud.peek(cloud.outputs["on_failure_url"])
    )


@pytest.mark.time_limit(240)
def test_a_projection_fixed_after_its_failures_is_completed_by_the_redrive(redrive: Served) -> None:
    cloud = Cloud(redrive.endpoints)
    dynamodb = cloud.client("dynamodb")
    for aggregate, version, poison in EVENTS:
        item = {
            "aggregateId": {"S": aggregate},
            "version": {"N": str(version)},
            "type": {"S": "Happened"},
            "occurredAt": {"S": datetime.now(UTC).isoformat()},
            "poison": {"BOOL": poison},
        }
        dynamodb.put_item(TableName=cloud.outputs["store_name"], Item=item)
    healthy = {f"{a}#{v}" for a, v, poison in EVENTS if not poison}
    wait_for("the healthy events projected", lambda: projected(cloud) == healthy or None, timeout=60)
    wait_for("the two poison events given up", lambda: parked(cloud) == 2 or None, timeout=60)

    broken = verb(redrive, "events-view")
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "failed again" in broken.stdout and "cannot project a poison event yet" in broken.stdout
    assert "failed again: they stay in the on-failure queue" in broken.stderr
    assert parked(cloud) == 2

    dynamodb.put_item(TableName=cloud.outputs["view_name"], Item={"id": {"S": "__fixed__"}})
    done = verb(redrive, "events-view", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert sum(entry["records"] for entry in report["redriven"]) == 2
    assert {entry["from"] for entry in report["redriven"]} == {"stream"}
    assert (report["unfetchable"], report["failed"], report["kept"]) == ([], [], 0)
    assert projected(cloud) == {f"{a}#{v}" for a, v, _ in EVENTS}
    assert parked(cloud) == 0

    again = verb(redrive, "events-view")  # nothing left: a second run re-drives nothing and succeeds
    assert again.returncode == 0 and "0 on-failure messages received" in again.stdout, again.stdout + again.stderr


def test_an_unknown_consumer_is_an_error_listing_the_known_ones(redrive: Served) -> None:
    done = verb(redrive, "nope")
    assert done.returncode == 2
    assert "no stream consumer or on-failure queue matches 'nope'; known: " in done.stderr
    assert "events-view" in done.stderr


@pytest.mark.time_limit(120)
def test_a_kinesis_record_that_fails_again_is_read_back_reported_and_kept(redrive: Served) -> None:
    cloud = Cloud(redrive.endpoints)
    put = cloud.client("kinesis").put_record(
        StreamName=cloud.outputs["stream_name"], Data=b"poison", PartitionKey="redrive"
    )
    sequence = put["SequenceNumber"]

    def given_up() -> bool | None:
        bodies = [json.loads(m["Body"]) for m in cloud.peek(cloud.outputs["stream_on_failure_url"])]
        return any(b["KinesisBatchInfo"]["startSequenceNumber"] == sequence for b in bodies) or None

    wait_for("the poison record given up", given_up, timeout=60)
    # The existing on-failure queue, by the name the program gave it: the re-drive function consumes it.
    done = verb(redrive, "clicks-given-up", "--json", "--max", "100")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    [failed] = report["failed"]
    assert failed["startSequenceNumber"] == sequence and "a poison record in the batch" in failed["error"]
    assert (report["received"], report["redriven"], report["kept"]) == (1, [], 1)
    assert given_up(), "the message stays in the on-failure queue"
