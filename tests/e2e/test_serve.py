"""``serve`` and the verbs against it, on the smallest program (tests/e2e/programs/tiny): what it
writes, what the verbs answer, and that stopping it (SIGTERM, or the process killed outright)
leaves no process behind, promptly even with invocations in flight."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from pulumi_wasp.localcloud.client import Cloud, wait_for
from tests.e2e.conftest import TINY, Served, alive, descendants, start_serve, stop_serve

#: How long stopping serve may take with invocations in flight: it normally takes about a second;
#: waiting for them would take minutes (the slow function sleeps 100 s of its 300 s timeout).
STOP_WITH_WORK_IN_FLIGHT_SECONDS = 10


def verb(served: Served, *args: str) -> str:
    done = subprocess.run(served.command(*args), capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_endpoints_name_every_queue_and_dlq(tiny: Served) -> None:
    endpoints = tiny.endpoints
    for key in ("api_url", "emulator_url", "queues", "dlqs", "topics", "buses", "state_machines", "webhook"):
        assert key in endpoints
    assert set(endpoints["queues"]) == {"probe-queue"}
    assert {"probe-dlq", "clicks-on-failure-dlq", "failing-job-dlq", "events-lost-dlq"} <= set(endpoints["dlqs"])
    assert endpoints["not_created"] == []


def test_verbs_invoke_send_receive_show_status_and_logs(tiny: Served) -> None:
    invoked = verb(tiny, "invoke", "probe-function", '{"hello": "world"}')
    assert '"hello": "world"' in invoked and "localcloud-tiny-dev-probe: 200" in invoked
    assert "sent" in verb(tiny, "send", "probe-dlq", "parked")
    assert '"Body": "parked"' in verb(tiny, "receive", "probe-dlq")
    status = verb(tiny, "status")
    assert "probe-dlq" in status and "localcloud-tiny-dev-probe" in status
    assert "START RequestId" in verb(tiny, "logs", "probe-function")


@pytest.mark.time_limit(60)
def test_sigterm_stops_every_process_serve_started(tmp_path: Path) -> None:
    served = start_serve(TINY, tmp_path, speed=1)
    verb(served, "invoke", "probe-function")
    assert len(descendants(served.process.pid)) >= 2  # the zygote and the probe's environment
    left = stop_serve(served)
    assert not left, f"left behind: {sorted(left)}"
    assert not (tmp_path / "endpoints.json").exists()


@pytest.mark.time_limit(60)
def test_a_killed_serve_takes_its_processes_with_it(tmp_path: Path) -> None:
    served = start_serve(TINY, tmp_path, speed=1)
    verb(served, "invoke", "probe-function")
    processes = descendants(served.process.pid)
    left = stop_serve(served, signal.SIGKILL)
    assert not left, f"left behind after SIGKILL: {sorted(left)}"
    assert processes and not any(alive(pid) for pid in processes)
    # Never cleaned up (it was killed): the next serve overwrites it.
    assert json.loads((tmp_path / "endpoints.json").read_text())["pid"] == served.process.pid


@pytest.mark.time_limit(90)
def test_sigterm_stops_serve_at_once_with_invocations_in_flight(tmp_path: Path) -> None:
    served = start_serve(TINY, tmp_path, speed=1)
    cloud = Cloud(served.endpoints)
    slow = served.endpoints["functions"]["slow-function"]
    sleep = json.dumps({"action": "sleep", "seconds": 100}).encode()
    lambda_ = cloud.client("lambda")
    # One invocation held by an emulator request thread (synchronous), one by an async worker.
    lambda_.invoke(FunctionName=slow, Payload=sleep, InvocationType="Event")
    caller = threading.Thread(target=_invoke_ignoring_the_answer, args=(lambda_, slow, sleep), daemon=True)
    caller.start()
    log = tmp_path / "logs" / f"{slow}.log"
    wait_for(
        "both slow invocations running",
        lambda: log.exists() and log.read_text().count("START RequestId") == 2,
        timeout=30,
    )
    processes = descendants(served.process.pid)
    assert len(processes) >= 3  # the zygote and the two busy environments
    left = stop_serve(served, timeout=STOP_WITH_WORK_IN_FLIGHT_SECONDS)
    assert not left, f"left behind: {sorted(left)}"
    assert not any(alive(pid) for pid in processes)
    assert served.stop_seconds is not None and served.stop_seconds < STOP_WITH_WORK_IN_FLIGHT_SECONDS
    caller.join(timeout=10)
    assert not caller.is_alive(), "the synchronous caller was never answered"


def _invoke_ignoring_the_answer(client: Any, function: str, payload: bytes) -> None:
    """The answer is Lambda's ServiceException, or no answer once the emulator is gone."""
    with contextlib.suppress(ClientError, BotoCoreError):
        client.invoke(FunctionName=function, Payload=payload)
