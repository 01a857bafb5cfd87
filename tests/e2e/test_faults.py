"""Fault injection on the served tiny program (tests/e2e/programs/tiny at 60× speed): what each
fault looks like to a caller and to the event sources, the seed's repeatability, the refusal of
bad specifications, and the delivery report after a faulted run. Every test clears its faults."""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pulumi_wasp.localcloud.client import Cloud, wait_for
from pulumi_wasp.localcloud.faults import FaultSpec, clear_faults, delivery_report, list_faults, set_fault
from pulumi_wasp.localcloud.runtime.faults import FaultPlan
from tests.e2e.conftest import TINY, Served, alive, localcloud

PROBE = "probe-function"
#: A run of `run` that fails when its faults are installed: the deploy, then exit 2.
REFUSED_RUN_SECONDS = 120


@pytest.fixture
def cloud(tiny: Served) -> Iterator[Cloud]:
    cloud = Cloud(tiny.endpoints)
    yield cloud
    clear_faults(cloud)


def invoke(cloud: Cloud, event: dict[str, Any] | None = None) -> tuple[str | None, dict[str, Any]]:
    response = cloud.client("lambda").invoke(
        FunctionName=cloud.endpoints["functions"][PROBE], Payload=json.dumps(event or {}).encode()
    )
    return response.get("FunctionError"), json.loads(response["Payload"].read())


def source(cloud: Cloud, kind: str, name_part: str) -> dict[str, Any]:
    (entry,) = [s for s in delivery_report(cloud)["sources"] if s["kind"] == kind and name_part in s["name"]]
    return entry


def log_of(tiny: Served, function: str) -> str:
    return (tiny.state_dir / "logs" / f"{tiny.endpoints['functions'][function]}.log").read_text()


def test_an_injected_error_is_an_unhandled_function_error_of_type_fault_injected(cloud: Cloud) -> None:
    set_fault(cloud, PROBE, FaultSpec(error_rate=1.0, seed=1))
    error, payload = invoke(cloud)
    assert error == "Unhandled"
    assert payload["errorType"] == "FaultInjected" and payload["stackTrace"] == []
    assert "error-rate 1; seed 1, invocation 1 of localcloud-tiny-dev-probe" in payload["errorMessage"]


def test_an_error_rate_of_one_parks_a_queued_message_in_the_dlq_after_max_receive_count(
    tiny: Served, cloud: Cloud
) -> None:
    before = source(cloud, "queue", "probe-queue")
    set_fault(cloud, PROBE, FaultSpec(error_rate=1.0, seed=1))
    sqs = cloud.client("sqs")
    sent = sqs.send_message(QueueUrl=cloud.outputs["queue_url"], MessageBody=json.dumps({"n": str(uuid.uuid4())}))
    dlq = cloud.endpoints["dlqs"]["probe-dlq"]
    wait_for(
        "the message in the probe DLQ",
        lambda: any(m["MessageId"] == sent["MessageId"] for m in cloud.peek(dlq)),
        timeout=30,
    )
    plan = list_faults(cloud)["functions"]["localcloud-tiny-dev-probe"]
    assert plan["injected"]["errors"] == plan["invocations"] == 3  # the queue's maxReceiveCount
    after = source(cloud, "queue", "probe-queue")
    assert after["delivered"] - before["delivered"] == 1
    assert after["parked"] - before["parked"] == 1 and after["parked_in"].startswith("probe-dlq")
    assert after["retried"] - before["retried"] == 3
    assert after["processed"] == before["processed"] and after["unaccounted"] == 0
    report = subprocess.run(tiny.command("report"), capture_output=True, text=True, timeout=30, check=True).stdout
    line = next(line for line in report.splitlines() if "queue probe-queue" in line)
    assert f"{after['parked']} parked in probe-dlq" in line
    assert "Faults injected (1 function):" in report and "3 invocations: 3 errors, 0 crashes" in report


def test_a_crash_fails_with_runtime_exit_error_and_the_environment_is_replaced(tiny: Served, cloud: Cloud) -> None:
    set_fault(cloud, PROBE, FaultSpec(crash_rate=1.0, seed=1))
    outcomes = [invoke(cloud) for _ in range(2)]
    assert [(error, payload["errorType"]) for error, payload in outcomes] == [("Unhandled", "Runtime.ExitError")] * 2
    crashed = [
        int(pid) for pid in re.findall(r"\[FAULT\] crash injected .*: environment (\d+) exits", log_of(tiny, PROBE))
    ]
    assert len(crashed) >= 2 and crashed[-1] != crashed[-2], "each crash took a new environment"
    # The invocation fails as the process's channel closes; the process itself is gone a moment later.
    wait_for("the crashed environments' processes to end", lambda: not any(alive(pid) for pid in crashed[-2:]), 5)
    clear_faults(cloud, PROBE)
    error, payload = invoke(cloud)
    assert error is None and payload["pid"] not in crashed


def test_latency_shows_in_the_duration_and_counts_against_the_timeout(tiny: Served, cloud: Cloud) -> None:
    set_fault(cloud, PROBE, FaultSpec(latency=(0.4, 0.4), seed=1))
    started = time.monotonic()
    error, payload = invoke(cloud)
    assert error is None and time.monotonic() - started >= 0.4
    assert payload["remaining_ms"] <= 10_000 - 400, "the latency is spent from the function's 10 s timeout"
    report = re.search(rf"REPORT RequestId: {payload['request_id']}\tDuration: ([\d.]+) ms", log_of(tiny, PROBE))
    assert report is not None and float(report.group(1)) >= 400


def test_a_latency_past_the_functions_timeout_times_the_invocation_out(cloud: Cloud) -> None:
    set_fault(cloud, PROBE, FaultSpec(latency=(10.5, 10.5), seed=1))  # the probe's timeout is 10 s
    error, payload = invoke(cloud)
    assert (error, payload["errorType"]) == ("Unhandled", "Sandbox.Timedout")
    assert "Task timed out after 10.00 seconds" in payload["errorMessage"]


def test_a_throttled_synchronous_invoke_is_refused_429_too_many_requests(cloud: Cloud) -> None:
    throttles = cloud.status()["functions"]["localcloud-tiny-dev-probe"]["throttles"]
    set_fault(cloud, PROBE, FaultSpec(throttle_rate=1.0, seed=1))
    credentials = cloud.endpoints["credentials"]
    lambda_ = boto3.client(  # no retries: the first answer is the one under test
        "lambda",
        endpoint_url=cloud.endpoints["emulator_url"],
        region_name=cloud.endpoints["region"],
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as refused:
        lambda_.invoke(FunctionName=cloud.endpoints["functions"][PROBE], Payload=b"{}")
    assert refused.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert cloud.status()["functions"]["localcloud-tiny-dev-probe"]["throttles"] == throttles + 1


def test_the_same_seed_gives_the_same_faults_as_the_schedule_predicts(cloud: Cloud) -> None:
    spec = FaultSpec(error_rate=0.5, seed=11)

    def run() -> list[bool]:
        set_fault(cloud, PROBE, spec)
        return [invoke(cloud)[0] is not None for _ in range(12)]

    first, second = run(), run()
    predicted = FaultPlan("localcloud-tiny-dev-probe", spec, 11)
    assert first == second == [predicted.decide().error for _ in range(12)]
    assert any(first) and not all(first)


def verb(tiny: Served, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(tiny.command(*args), capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("fault", PROBE, "--error-rate", "1.5"), "argument --error-rate: error-rate must be a number from 0 to 1"),
        (("fault", "no-such-function", "--error-rate", "0.5"), "no function matches 'no-such-function'"),
        (("fault", PROBE, "--latency", "200 millis"), "argument --latency: latency must be a duration"),
        (("fault", PROBE), "no fault given"),
        (("fault", "--list", "--error-rate", "0.5"), "--list takes no fault settings"),
    ],
)
def test_a_bad_fault_is_refused_naming_it_with_exit_2(tiny: Served, args: tuple[str, ...], named: str) -> None:
    done = verb(tiny, *args)
    assert done.returncode == 2 and named in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert list_faults(Cloud(tiny.endpoints))["functions"] == {}


def test_the_fault_verb_sets_lists_and_clears(tiny: Served, cloud: Cloud) -> None:
    set_out = verb(
        tiny, "fault", "probe-function", "--error-rate", "0.2", "--latency", "10ms-20ms", "--seed", "7"
    ).stdout
    assert "localcloud-tiny-dev-probe: error-rate 0.2, latency 10ms-20ms; seed 7" in set_out
    assert (
        "localcloud-tiny-dev-probe: error-rate 0.2, latency 10ms-20ms; seed 7" in verb(tiny, "fault", "--list").stdout
    )
    assert verb(tiny, "fault", "probe-function", "--clear").stdout.strip() == "cleared: localcloud-tiny-dev-probe"
    assert "no faults injected" in verb(tiny, "fault", "--list").stdout


def test_a_malformed_serve_fault_is_refused_before_anything_starts(tmp_path: Path) -> None:
    done = localcloud(TINY, tmp_path, "serve", "--fault", f"{PROBE}:latency=fast", timeout=30)
    assert done.returncode == 2 and "argument --fault" in done.stderr and "latency=fast" in done.stderr
    assert not (tmp_path / "endpoints.json").exists()


@pytest.mark.time_limit(REFUSED_RUN_SECONDS)
def test_a_faulted_run_prints_the_delivery_report_after_the_scenario(tmp_path: Path) -> None:
    done = localcloud(TINY, tmp_path, "run", "--fault", f"{PROBE}:error-rate=0.5,seed=3", timeout=REFUSED_RUN_SECONDS)
    assert done.returncode == 0, done.stdout + done.stderr
    report = done.stdout[done.stdout.index("Faults injected (1 function):") :]
    assert "localcloud-tiny-dev-probe: error-rate 0.5, seed 3 · 0 invocations" in report
    assert "Deliveries (per queue, stream and event source):" in report
    assert re.search(r"queue probe-queue-\w+: 0 messages delivered; 0 processed, 0 parked in probe-dlq-\w+", report)


@pytest.mark.time_limit(REFUSED_RUN_SECONDS)
def test_a_fault_for_an_unknown_function_stops_the_run_with_exit_2(tmp_path: Path) -> None:
    done = localcloud(TINY, tmp_path, "run", "--fault", "no-such-function:error-rate=0.5", timeout=REFUSED_RUN_SECONDS)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--fault no-such-function: no function matches 'no-such-function'" in done.stderr


@pytest.mark.time_limit(90)
def test_a_faulted_run_of_the_tiny_programs_sources_accounts_for_every_delivery(cloud: Cloud) -> None:
    """Errors, crashes and latency on the queue's and the stream's functions: once settled, every
    delivered message and record was processed or parked, none unaccounted for."""
    before = {kind: source(cloud, kind, part) for kind, part in (("queue", "probe-queue"), ("stream", "clicks"))}
    rates = FaultSpec(error_rate=0.4, crash_rate=0.2, latency=(0.0, 0.05))
    names = ("localcloud-tiny-dev-probe", "localcloud-tiny-dev-clicks")

    def faulted_first(seed: int) -> bool:
        return all((d := FaultPlan(name, rates, seed).decide()).error or d.crash for name in names)

    # A seed whose schedule fails the first delivery of both functions: few invocations, faults certain.
    seed = next(seed for seed in range(1000) if faulted_first(seed))
    mixed = FaultSpec(error_rate=0.4, crash_rate=0.2, latency=(0.0, 0.05), seed=seed)
    set_fault(cloud, PROBE, mixed)
    set_fault(cloud, "clicks-function", mixed)
    sqs = cloud.client("sqs")
    for n in range(10):
        sqs.send_message(QueueUrl=cloud.outputs["queue_url"], MessageBody=json.dumps({"n": n}))
    records = [{"Data": f"click-{n}".encode(), "PartitionKey": "one-shard"} for n in range(6)]
    cloud.client("kinesis").put_records(StreamName=cloud.outputs["stream_name"], Records=records)

    def settled() -> dict[str, dict[str, Any]] | None:
        now = {kind: source(cloud, kind, part) for kind, part in (("queue", "probe-queue"), ("stream", "clicks"))}
        done = (
            now["queue"]["delivered"] - before["queue"]["delivered"] == 10
            and now["stream"]["delivered"] - before["stream"]["delivered"] == 6
            and not any(entry["in_flight"] or entry["waiting"] for entry in now.values())
        )
        return now if done else None

    after = wait_for("every message and record to be processed or parked", settled, timeout=75, interval=0.5)
    faults = list_faults(cloud)["functions"]
    assert all(plan["injected"]["errors"] + plan["injected"]["crashes"] for plan in faults.values())
    for kind, count in (("queue", 10), ("stream", 6)):
        delta = {key: after[kind][key] - before[kind][key] for key in ("processed", "parked", "dropped")}
        assert delta["processed"] + delta["parked"] + delta["dropped"] == count, (kind, delta)
        assert after[kind]["unaccounted"] == 0 and delta["dropped"] == 0
