"""``serve`` and the verbs against it, on the smallest program (tests/e2e/programs/tiny): what it
writes, what the verbs answer, and that stopping it (SIGTERM, or the process killed outright)
leaves no process behind."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import TINY, Served, alive, descendants, start_serve, stop_serve


def verb(served: Served, *args: str) -> str:
    done = subprocess.run(served.command(*args), capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_endpoints_name_every_queue_dlq_and_the_refused_resource(tiny: Served) -> None:
    endpoints = tiny.endpoints
    for key in ("api_url", "emulator_url", "queues", "dlqs", "topics", "buses", "state_machines", "webhook"):
        assert key in endpoints
    assert set(endpoints["queues"]) == {"probe-queue"}
    assert {"probe-dlq", "clicks-on-failure-dlq", "failing-job-dlq", "events-lost-dlq"} <= set(endpoints["dlqs"])
    [refused] = endpoints["not_created"]
    assert (refused["type"], refused["name"]) == ("aws:lambda/permission:Permission", "orphan-permission")
    assert refused["reason"].startswith("the emulator refused it: ResourceNotFoundException")
    assert "no-such-function" in refused["reason"]


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
