"""The order platform's invariant under a burst with faults: orders POSTed with no window while two fan-out
workers and the projector fail invocations and crash environments; then the incident ends (faults cleared), an
operator re-drives the workers' DLQs and the projector's on-failure queue, and once local time has passed the outbox sweeper's bound and a few reconcile
ticks, every order is terminal, every event published and delivered to every subscriber, inventory and analytics
are exact, and every DLQ or on-failure entry is re-driven or explained by the store.

The stack is the dev stack with the outbox bound and the dispatch overdue time shortened (``BURST_CONFIG``, the
local cloud's own settings): the functions measure them on the wall clock, which --speed does not scale."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from localcloud_scenario import ITEMS, OrderInvariant, check_orders
from pulumi_wasp.localcloud.client import Cloud, FlowFailedError, wait_for
from pulumi_wasp.localcloud.faults import clear_faults, delivery_report, list_faults
from pulumi_wasp.localcloud.mcp.connection import Connection
from pulumi_wasp.localcloud.mcp.tools import redrive_dlq, redrive_stream
from tests.e2e.conftest import Served, reference_variant, start_serve, stop_serve

#: The issue's burst: 100 orders from 5 callers.
ORDERS = 100
CALLERS = 5
#: Faults during the burst (seeded: each function meets the same sequence of faults on every run): half the
#: invocations of the projector and of two workers fail, one in ten crashes its environment.
FAULTED = ("event-store-order-projector-function", "order-events-inventory-function", "order-events-shipping-function")
FAULT = "error-rate=0.5,crash-rate=0.1,seed={seed}"
#: The dev stack with the recovery's waits shortened to 10 s. A bound shorter than the projector's lag behind the
#: burst has the sweeper publish ahead of a projector that is only slow, so some OrderPlaced events are published
#: twice: the saga starter names executions after the event id, and each order's saga still runs once (the test
#: prints how many duplicate starts it refused).
BURST_CONFIG = {"outboxSweepAfterSeconds": 10, "dispatchOverdueSeconds": 10}
WORKER_DLQS = ("order-events-inventory-dlq", "order-events-shipping-dlq")
PROJECTOR = "event-store-order-projector"
STARTER = "saga-starter"
#: More than the on-failure messages a burst leaves (one per batch given up, batches of 10).
REDRIVE_MAX_MESSAGES = 1000
SETTLE_SECONDS = 150


@pytest.fixture(scope="module")
def burst(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("burst")
    faults = [f"--fault={name}:{FAULT.format(seed=seed)}" for seed, name in enumerate(FAULTED, start=11)]
    served = start_serve(
        reference_variant(root, "burst", BURST_CONFIG), root / "state", 60, "--stack", "burst", "--no-reload", *faults
    )
    try:
        yield served
    finally:
        left = stop_serve(served)
        assert not left, f"serve left processes behind: {sorted(left)}"


def post_burst(cloud: Cloud) -> list[str]:
    """ORDERS orders from CALLERS threads, as fast as the API answers (no window); their ids."""
    accepted: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()

    def caller(index: int) -> None:
        for n in range(index, ORDERS, CALLERS):
            body = {"customerId": f"burst-{n}", "items": ITEMS, "currency": "EUR"}
            answer = cloud.api("POST", "/orders", body, {"Idempotency-Key": str(uuid.uuid4())})
            with lock:
                (accepted if answer.status == 201 else refused).append(
                    answer.json()["orderId"] if answer.status == 201 else f"{answer.status} {answer.text[:100]}"
                )

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not refused, f"{len(refused)} POST /orders refused: {refused[:3]}"
    return accepted


def redrive_incident(served: Served) -> dict[str, Any]:
    """What an operator does once the incident is over (README "How an operator re-drives a failure"): move each
    worker DLQ's messages back to its queue, and replay what the projector's on-failure queue points at. What the
    stream re-drive keeps (failed again, unfetchable) must be explained by the store (check_orders)."""
    connection = Connection(served.state_dir)
    moved = {dlq: redrive_dlq(connection, dlq, None)["moved"] for dlq in WORKER_DLQS}
    report = redrive_stream(connection, PROJECTOR, REDRIVE_MAX_MESSAGES)
    assert not report["unfetchable"], f"the store's stream holds every record for 24 h: {report['unfetchable']}"
    return {
        "moved": moved,
        "on_failure_redriven": sum(entry["records"] for entry in report["redriven"]),
        "on_failure_kept": report["kept"],
    }


@pytest.mark.time_limit(300)
def test_a_burst_with_faults_ends_with_every_order_terminal_published_delivered_and_counted(burst: Served) -> None:
    cloud = Cloud(burst.endpoints)
    started = time.monotonic()
    order_ids = post_burst(cloud)
    posted = time.monotonic()
    assert len(order_ids) == ORDERS

    # The faults stay on until every retry has run out (records and messages processed or parked) and every saga
    # started meanwhile has ended (a saga waiting out throttling moves no queue or stream).
    wait_for("the burst to settle under faults", lambda: not _busy(cloud), timeout=120, interval=0.5)
    injected = {name: f["injected"] for name, f in list_faults(cloud)["functions"].items()}
    assert all(sum(kinds.values()) for kinds in injected.values()), f"a faulted function met no fault: {injected}"
    clear_faults(cloud)  # the incident is over
    parked = {name: depth for name, url in cloud.endpoints["dlqs"].items() if (depth := len(cloud.peek(url)))}
    print(f"\nparked after the incident: {parked}")
    redriven = redrive_incident(burst)

    def settled() -> OrderInvariant | None:
        found = check_orders(cloud)
        return found if found.holds else None

    try:
        found = wait_for("the order platform's invariant", settled, timeout=SETTLE_SECONDS, interval=1.0)
    except FlowFailedError:
        found = check_orders(cloud)
        pytest.fail(f"{found.summary}\n" + "\n".join(found.problems()), pytrace=False)
    settled_at = time.monotonic()
    reasons = {o: cloud.get_item("orders-table", orderId=o).get("cancellationReason") for o in order_ids}
    assert found.orders == ORDERS and found.statuses == {"Confirmed": ORDERS}, {o: r for o, r in reasons.items() if r}
    # Quiescence: no saga execution still running (a second one of an order, its throttled tasks retried) and
    # nothing in flight, so the cloud stops with nothing left to do.
    machine = cloud.outputs["state_machine_arn"]
    sfn = cloud.client("stepfunctions")
    wait_for(
        "every saga execution to end",
        lambda: not sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")["executions"],
        timeout=90,
        interval=1.0,
    )
    wait_for("the event sources to settle", lambda: not _moving(cloud), timeout=60, interval=0.5)
    executions = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert len(executions) == ORDERS, f"{len(executions)} saga executions for {ORDERS} orders: one per OrderPlaced"
    print(  # the figures of the run, in the test's output (-s) and the CI log
        f"\nburst: {ORDERS} orders posted in {posted - started:.1f} s, invariant held after "
        f"{settled_at - started:.1f} s; faults injected {injected}; re-driven {redriven}; "
        f"{len(executions)} saga executions ({deduplicated_starts(burst)} duplicate starts refused); projector {projector_batches(burst)}; {found.summary}"
    )


def _moving(cloud: Cloud) -> list[str]:
    """The queues, streams and saga starts with deliveries in flight or waiting (other asynchronous invocations are
    left out: the schedules tick every second at --speed 60, so there is always one)."""
    return [
        f"{source['name']}: {source['in_flight']} in flight, {source['waiting']} waiting"
        for source in delivery_report(cloud)["sources"]
        if (source["kind"] in ("queue", "stream") or (source["kind"] == "async" and STARTER in source["name"]))
        and (source["in_flight"] or source["waiting"])
    ]


def _busy(cloud: Cloud) -> list[str]:
    """What is still moving (:func:`_moving`) and the saga executions still running."""
    machine = cloud.outputs["state_machine_arn"]
    running = cloud.client("stepfunctions").list_executions(stateMachineArn=machine, statusFilter="RUNNING")
    return _moving(cloud) + [f"saga {e['name']} running" for e in running["executions"]]


def deduplicated_starts(served: Served) -> int:
    """The saga starts the starter refused (an OrderPlaced published again: its execution existed), from its log."""
    log = next((served.state_dir / "logs").glob(f"*{STARTER}.log")).read_text()
    return log.count("The saga of this OrderPlaced was started before")


def projector_batches(served: Served) -> str:
    """The projector's invocations that projected a full batch, from its log: their count and p99 duration."""
    log = (served.state_dir / "logs").glob("*event-store-order-projector.log")
    text = next(log).read_text()
    sizes = {
        m["function_request_id"]: m["records"]
        for m in map(json.loads, re.findall(r"^\{.*\}$", text, re.M))
        if m.get("message") == "Batch projected"
    }
    durations = {
        rid: float(ms) for rid, ms in re.findall(r"^REPORT RequestId: (\S+)\tDuration: ([\d.]+) ms", text, re.M)
    }
    full = sorted(durations[rid] for rid, size in sizes.items() if size == max(sizes.values()) and rid in durations)
    if not full:
        return "no full batch"
    p99 = full[min(len(full) - 1, int(len(full) * 0.99))]
    return f"{len(durations)} invocations, {len(full)} full batches of {max(sizes.values())}: p99 {p99 / 1000:.2f} s, max {full[-1] / 1000:.2f} s"
