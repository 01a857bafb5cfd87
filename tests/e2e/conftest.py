"""End-to-end fixtures: the reference system served once per session by ``python -m localcloud
serve`` in a child process (its emulator state and patched moto stay out of the test process),
and a per-test time limit so a hung flow fails instead of stalling the suite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from localcloud.scenario import FLOWS, Cloud, FlowResult, run_flows

REPO = Path(__file__).resolve().parents[2]
TINY = Path(__file__).resolve().parent / "programs" / "tiny"
#: Local time at 60× (as `make run`): visibility timeouts, windows and rate schedules in seconds.
SPEED = 60
SERVE_START_SECONDS = 90
DEFAULT_TEST_SECONDS = 60


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "time_limit(seconds): fail the test when it runs longer (default 60 s)")


@pytest.fixture(autouse=True)
def time_limit(request: pytest.FixtureRequest) -> Iterator[None]:
    """SIGALRM in the main thread: the test fails with a TimeoutError where it hangs."""
    marker = request.node.get_closest_marker("time_limit")
    seconds = marker.args[0] if marker else DEFAULT_TEST_SECONDS

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"{request.node.name} ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Served:
    """A running ``serve`` child: its process, state directory and endpoints."""

    process: subprocess.Popen[str]
    state_dir: Path
    endpoints: dict[str, Any]

    def command(self, *args: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "localcloud",
            "--program",
            self.program,
            "--state-dir",
            str(self.state_dir),
            *args,
        ]

    @property
    def program(self) -> str:
        return self.endpoints["program"]


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc: no dependency on ps)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, frontier = set(), [pid]
    while frontier:
        for child in children.get(frontier.pop(), []):
            found.add(child)
            frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def start_serve(program: Path, state_dir: Path, speed: float = SPEED) -> Served:
    """Start ``serve`` and wait for its endpoints.json (written once everything runs)."""
    command = [sys.executable, "-m", "localcloud", "--program", str(program), "--state-dir", str(state_dir)]
    process = subprocess.Popen(
        [*command, "serve", "--speed", str(speed)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    endpoints_file = state_dir / "endpoints.json"
    deadline = time.monotonic() + SERVE_START_SECONDS
    while not endpoints_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = process.communicate()[0]
            raise RuntimeError(f"serve did not start (exit {process.returncode}):\n{output}")
        time.sleep(0.1)
    endpoints = json.loads(endpoints_file.read_text())
    return Served(process, state_dir, {**endpoints, "program": str(program)})


def stop_serve(served: Served, sig: int = signal.SIGTERM) -> set[int]:
    """Signal ``serve``; return the processes it started that are still alive afterwards."""
    started = descendants(served.process.pid)
    served.process.send_signal(sig)
    served.process.communicate(timeout=30)
    deadline = time.monotonic() + 5
    while (left := {pid for pid in started if alive(pid)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The reference order platform, deployed and running for the whole session."""
    served = start_serve(REPO, tmp_path_factory.mktemp("localcloud"))
    try:
        yield served
    finally:
        left = stop_serve(served)
        assert not left, f"serve left processes behind: {sorted(left)}"


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """tests/e2e/programs/tiny at 60× speed: the failure paths the reference system does not take."""
    served = start_serve(TINY, tmp_path_factory.mktemp("tiny"))
    try:
        yield served
    finally:
        left = stop_serve(served)
        assert not left, f"serve left processes behind: {sorted(left)}"


@pytest.fixture(scope="session")
def cloud(served: Served) -> Cloud:
    return Cloud(served.endpoints)


@pytest.fixture(scope="session")
def flow_results(cloud: Cloud) -> dict[str, FlowResult]:
    """Every flow of the scenario, run once, concurrently (as `make run` does)."""
    return {result.name: result for result in run_flows(cloud, FLOWS)}
