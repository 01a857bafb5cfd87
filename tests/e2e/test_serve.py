"""``serve`` and the verbs against it, on the smallest program (tests/e2e/programs/tiny): what it
prints and writes, and that stopping it (SIGTERM, or the process killed outright) leaves no
process behind."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import alive, descendants, start_serve, stop_serve

TINY = Path(__file__).resolve().parent / "programs" / "tiny"


def verb(served, *args: str) -> str:
    done = subprocess.run(served.command(*args), capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.time_limit(60)
def test_serve_writes_its_endpoints_answers_verbs_and_stops_every_process_on_sigterm(tmp_path: Path) -> None:
    served = start_serve(TINY, tmp_path, speed=1)
    try:
        endpoints = served.endpoints
        for key in ("api_url", "emulator_url", "queues", "dlqs", "topics", "buses", "state_machines", "webhook"):
            assert key in endpoints
        assert list(endpoints["queues"]) == ["probe-queue"] and list(endpoints["dlqs"]) == ["probe-dlq"]
        [refused] = endpoints["not_created"]
        assert (refused["type"], refused["name"]) == ("aws:lambda/permission:Permission", "orphan-permission")
        assert (
            refused["reason"].startswith("the emulator refused it: ResourceNotFoundException")
            and "no-such-function" in refused["reason"]
        )
        invoked = verb(served, "invoke", "probe", '{"hello": "world"}')
        assert '"hello": "world"' in invoked and "localcloud-tiny-dev-probe: 200" in invoked
        assert "sent" in verb(served, "send", "probe-dlq", "parked")
        assert '"Body": "parked"' in verb(served, "receive", "probe-dlq")
        status = verb(served, "status")
        assert "probe-dlq" in status and "localcloud-tiny-dev-probe" in status
        assert "START RequestId" in verb(served, "logs", "probe")
        assert len(descendants(served.process.pid)) >= 2  # the zygote and the probe's environment
    finally:
        left = stop_serve(served)
    assert not left, f"left behind: {sorted(left)}"
    assert not (tmp_path / "endpoints.json").exists()


@pytest.mark.time_limit(60)
def test_a_killed_serve_takes_its_processes_with_it(tmp_path: Path) -> None:
    served = start_serve(TINY, tmp_path, speed=1)
    verb(served, "invoke", "probe")
    processes = descendants(served.process.pid)
    assert processes
    left = stop_serve(served, signal.SIGKILL)
    assert not left, f"left behind after SIGKILL: {sorted(left)}"
    assert not any(alive(pid) for pid in processes)
    assert (
        json.loads((tmp_path / "endpoints.json").read_text())["pid"] == served.process.pid
    )  # never cleaned: it was killed
