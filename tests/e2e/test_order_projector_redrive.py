"""The re-drive on the reference system: the order projector fails every invocation (fault injection) until its
stream mapping gives every batch up to its on-failure queue; once the fault is cleared, `wasp local redrive-stream
event-store-order-projector` replays them, and every order reaches its read model, the bus, its saga and every
subscriber; the queue is left empty, and re-driving the same on-failure records again changes nothing.

The outbox sweeper's bound is raised to an hour (``REDRIVE_CONFIG``): within the test only the re-drive can publish
what the projector gave up."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from localcloud_scenario import ITEMS, check_orders
from pulumi_wasp.localcloud.client import Cloud, wait_for
from pulumi_wasp.localcloud.faults import clear_faults, delivery_report
from tests.e2e.conftest import Served, reference_variant, run_verb, serving

ORDERS = 6
PROJECTOR = "event-store-order-projector"
ON_FAILURE = f"{PROJECTOR}-on-failure-dlq"
REDRIVE_CONFIG = {"outboxSweepAfterSeconds": 3600}


@pytest.fixture(scope="module")
def failing_projector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("projector-redrive")
    program = reference_variant(root, "redrive", REDRIVE_CONFIG)
    fault = f"--fault={PROJECTOR}-function:error-rate=1"
    with serving(program, root / "state", 60, "--stack", "redrive", "--no-reload", fault) as served:
        yield served


def redrive(served: Served, *args: str) -> subprocess.CompletedProcess[str]:
    """The re-drive verb on the projector (its function's timeout is 300 s)."""
    return run_verb(served, "redrive-stream", PROJECTOR, *args, timeout=360)


def given_up(cloud: Cloud) -> int:
    """Stream records the on-failure queue's messages point at."""
    queue = cloud.endpoints["dlqs"][ON_FAILURE]
    return sum(json.loads(m["Body"])["DDBStreamBatchInfo"]["batchSize"] for m in cloud.peek(queue))


def store_stream_settled(cloud: Cloud) -> bool:
    """No batch of the event store's stream in flight or waiting for a retry."""
    return not any(
        source["in_flight"] or source["waiting"]
        for source in delivery_report(cloud)["sources"]
        if source["kind"] == "stream" and "event-store" in source["name"]
    )


def effects(cloud: Cloud) -> dict[str, Any]:
    """What the subscribers wrote and when each event was published: unchanged by an idempotent re-drive."""
    machine = cloud.outputs["state_machine_arn"]
    executions = cloud.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    scan = cloud.client("dynamodb").get_paginator("scan")

    def rows(table: str) -> list[Any]:
        pages = scan.paginate(TableName=cloud.table(table), ConsistentRead=True)
        return sorted(json.dumps(item, sort_keys=True) for page in pages for item in page["Items"])

    listed = cloud.client("events").list_rules(EventBusName=cloud.outputs["bus_name"])["Rules"]
    rules = {rule["Name"] for rule in listed if "EventPattern" in rule}  # not the schedules
    published = {  # the bus's deliveries to its rules' targets: a re-publication adds one at once
        source["name"]: source["delivered"]
        for source in delivery_report(cloud)["sources"]
        if source["kind"] == "events" and source["name"].split(" → ")[0] in rules
    }
    assert published, f"no delivery from the bus's rules {sorted(rules)}"
    return {
        "executions": sorted(e["executionArn"] for e in executions),
        "published": published,
        **{table: rows(table) for table in ("event-store-table", "orders-table", "operations-table", "metrics-table")},
    }


@pytest.mark.time_limit(420)
def test_orders_whose_projection_was_given_up_are_completed_by_the_redrive_once(failing_projector: Served) -> None:
    cloud = Cloud(failing_projector.endpoints)
    for n in range(ORDERS):
        body = {"customerId": f"redrive-{n}", "items": ITEMS, "currency": "EUR"}
        answer = cloud.api("POST", "/orders", body, {"Idempotency-Key": str(uuid.uuid4())})
        assert answer.status == 201, answer.text
    wait_for("every OrderPlaced given up", lambda: given_up(cloud) == ORDERS or None, timeout=180, interval=1.0)
    wait_for("the store's stream to settle", lambda: store_stream_settled(cloud) or None, timeout=60)
    before = check_orders(cloud)
    assert len(before.unpublished) == ORDERS and len(before.stale_read_model) == ORDERS, before.summary
    parked = cloud.peek(cloud.endpoints["dlqs"][ON_FAILURE])

    clear_faults(cloud)  # the projector is fixed
    done = redrive(failing_projector, "--json", "--max", "100")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert sum(entry["records"] for entry in report["redriven"]) == ORDERS, report
    assert (report["received"], report["unfetchable"], report["failed"], report["kept"]) == (len(parked), [], [], 0)
    assert given_up(cloud) == 0, "the on-failure queue is empty once re-driven"

    def settled() -> bool | None:
        found = check_orders(cloud)
        return (found.holds and found.statuses == {"Confirmed": ORDERS}) or None

    wait_for("every re-driven order confirmed, published and delivered", settled, timeout=120, interval=1.0)
    sfn = cloud.client("stepfunctions")
    running = {"stateMachineArn": cloud.outputs["state_machine_arn"], "statusFilter": "RUNNING"}
    wait_for("every saga to end", lambda: not sfn.list_executions(**running)["executions"] or None, timeout=60)
    wait_for("the store's stream to settle", lambda: store_stream_settled(cloud) or None, timeout=60)
    after = effects(cloud)
    assert len(after["executions"]) == ORDERS, "one saga per order"

    # The same on-failure records re-driven again (an operator's second run, SQS's at-least-once) change nothing.
    queue = cloud.endpoints["dlqs"][ON_FAILURE]
    for message in parked:
        cloud.client("sqs").send_message(QueueUrl=queue, MessageBody=message["Body"])
    again = redrive(failing_projector, "--json", "--max", "100")
    assert again.returncode == 0, again.stdout + again.stderr
    assert sum(entry["records"] for entry in json.loads(again.stdout)["redriven"]) == ORDERS
    assert given_up(cloud) == 0
    wait_for("the store's stream to settle", lambda: store_stream_settled(cloud) or None, timeout=60)
    assert effects(cloud) == after

    empty = redrive(failing_projector)
    assert empty.returncode == 0 and "0 on-failure messages received" in empty.stdout, empty.stdout + empty.stderr
