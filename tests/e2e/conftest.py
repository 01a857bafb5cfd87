"""End-to-end fixtures: the reference system served once per session by ``wasp local serve`` in a
child process (its emulator state and patched moto stay out of the test process),
and a per-test time limit so a hung flow fails instead of stalling the suite."""

from __future__ import annotations

import contextlib
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

from localcloud_scenario import FLOWS
from pulumi_wasp.localcloud.client import Cloud
from pulumi_wasp.localcloud.scenario import FlowResult, run_flows

REPO = Path(__file__).resolve().parents[2]
#: The ``wasp`` command of this checkout, whatever the virtualenv's install points at.
WASP = [sys.executable, "-m", "pulumi_wasp"]
TINY = Path(__file__).resolve().parent / "programs" / "tiny"
#: Local time at 60× (as `make run`): visibility timeouts, windows and rate schedules in seconds.
SPEED = 60
SERVE_START_SECONDS = 90
#: serve stops in about a second whatever is in flight; past this a stop fails the test.
SERVE_STOP_SECONDS = 30
DEFAULT_TEST_SECONDS = 60
#: A child process imports this checkout's package (components/) and test programs, not the
#: shared virtualenv's editable install, which may point at another checkout.
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "components"), str(REPO)])}


#: (program, signal, seconds) of every serve stopped in this session, for the terminal summary.
STOPS: list[tuple[str, str, float]] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "time_limit(seconds): fail the test when it runs longer (default 60 s)")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if STOPS:
        stops = ", ".join(f"{Path(program).name} {sig} {seconds:.2f} s" for program, sig, seconds in STOPS)
        terminalreporter.write_line(f"serve stopped in: {stops}")


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
    #: From the signal to serve's exit, once stopped.
    stop_seconds: float | None = None

    def command(self, *args: str) -> list[str]:
        return [
            *WASP,
            "local",
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


def _started_at(pid: int) -> str | None:
    """The process's start time (clock ticks after boot): with the pid, it names one process."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def processes_below(pid: int) -> dict[int, str | None]:
    """The processes below ``pid`` with their start times (a pid may be reused once they end)."""
    return {child: _started_at(child) for child in descendants(pid)}


def kill_all(process: subprocess.Popen[str], known: dict[int, str | None]) -> None:
    """SIGKILL ``process`` and every process below it: those known from before (the zygote and the
    environments are in sessions of their own, and outlive serve once reparented) and those now."""
    if process.poll() is None:
        known = {**known, **processes_below(process.pid)}
        process.kill()
    for pid, started in known.items():
        if started is not None and _started_at(pid) == started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _tail(output: str, lines: int = 60) -> str:
    return "\n".join(output.splitlines()[-lines:]) or "(no output)"


def localcloud(program: Path, state_dir: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``wasp local`` with ``args`` (stack options, then the verb and its options) to its end."""
    command = [*WASP, "local", "--program", str(program), "--state-dir", str(state_dir)]
    return subprocess.run(
        [*command, *args], cwd=REPO, env=ENV, capture_output=True, text=True, timeout=timeout, check=False
    )


def run_verb(served: Served, verb: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``wasp local <verb> <args>`` against ``served``, as an operator runs it; its exit code and output."""
    return subprocess.run(
        served.command(verb, *args), cwd=REPO, env=ENV, capture_output=True, text=True, timeout=timeout, check=False
    )


def reference_variant(root: Path, stack: str, config: dict[str, Any]) -> Path:
    """The reference program under ``root`` with a ``stack`` stack: Pulumi.dev.yaml's settings plus ``config``
    (keys of the order-platform namespace), for a test that needs the platform with other waits."""
    program = root / "program"
    program.mkdir()
    for name in ("__main__.py", "Pulumi.yaml", "lambdas", "localcloud_scenario.py"):
        (program / name).symlink_to(REPO / name)
    dev = (REPO / "Pulumi.dev.yaml").read_text()
    extra = "".join(f"  order-platform:{key}: {value}\n" for key, value in config.items())
    (program / f"Pulumi.{stack}.yaml").write_text(dev.rstrip("\n") + "\n" + extra)
    return program


def start_serve(program: Path, state_dir: Path, speed: float = SPEED, *options: str) -> Served:
    """Start ``serve`` (with ``options``) and wait for its endpoints.json (written once everything runs)."""
    process = subprocess.Popen(
        [
            *WASP,
            "local",
            "serve",
            "--program",
            str(program),
            "--state-dir",
            str(state_dir),
            "--speed",
            str(speed),
            *options,
        ],
        cwd=REPO,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    endpoints_file = state_dir / "endpoints.json"
    deadline = time.monotonic() + SERVE_START_SECONDS
    while not endpoints_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            kill_all(process, {})
            output = process.communicate()[0]
            raise RuntimeError(f"serve did not start (exit {process.returncode}):\n{output}")
        time.sleep(0.1)
    endpoints = json.loads(endpoints_file.read_text())
    return Served(process, state_dir, {**endpoints, "program": str(program)})


@contextlib.contextmanager
def serving(program: Path, state_dir: Path, speed: float = SPEED, *options: str) -> Iterator[Served]:
    """``serve`` running for the block (:func:`start_serve`), stopped after it with nothing left behind."""
    served = start_serve(program, state_dir, speed, *options)
    try:
        yield served
    finally:
        left = stop_serve(served)
        assert not left, f"serve left processes behind: {sorted(left)}"


def stop_serve(served: Served, sig: int = signal.SIGTERM, timeout: float = SERVE_STOP_SECONDS) -> set[int]:
    """Signal ``serve``; return the processes it started that were still alive afterwards.

    Whatever happens (a stop slower than ``timeout``, an unclean exit, the test's time limit),
    nothing outlives this call: serve and every process it started are killed if still there.
    A slow stop or, after SIGTERM, a non-zero exit fails the test with serve's last output."""
    process = served.process
    started = processes_below(process.pid)
    began = time.monotonic()
    try:
        process.send_signal(sig)
        try:
            output = process.communicate(timeout=timeout)[0]
        except subprocess.TimeoutExpired:
            started.update(processes_below(process.pid))
            kill_all(process, started)
            try:
                output = process.communicate(timeout=10)[0]
            except subprocess.TimeoutExpired:  # a process we could not name still holds the pipe
                output = "(no output: its pipe is still open)"
            pytest.fail(
                f"serve did not stop within {timeout:g} s of {signal.Signals(sig).name}: killed it and its "
                f"{len(started)} processes after {time.monotonic() - began:.1f} s; its last output:\n{_tail(output)}",
                pytrace=False,
            )
        served.stop_seconds = time.monotonic() - began
        STOPS.append((served.program, signal.Signals(sig).name, served.stop_seconds))
        if sig == signal.SIGTERM and process.returncode != 0:
            pytest.fail(
                f"serve exited with {process.returncode} {served.stop_seconds:.1f} s after SIGTERM; "
                f"its last output:\n{_tail(output)}",
                pytrace=False,
            )
        deadline = time.monotonic() + 5
        while (left := {pid for pid in started if alive(pid)}) and time.monotonic() < deadline:
            time.sleep(0.05)
        return left
    finally:
        kill_all(process, started)


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
    return {result.name: result for result in run_flows(cloud, FLOWS, check=False)}
