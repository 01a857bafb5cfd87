"""``wasp local bench``, the entry point of ``make bench``'s local cloud section: a few orders of the
reference system end to end (its load from localcloud_scenario.py), in a child process as
bench/localcloud.py runs it, the result in the shape it reads, and no process left behind (orphans
are caught: this process is their subreaper)."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from localcloud_scenario import bench
from tests.e2e.conftest import ENV, REPO, WASP, alive

ORDERS = 3
PR_SET_CHILD_SUBREAPER = 36


def children() -> set[int]:
    """This process' direct children (from /proc), zombies included."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == os.getpid():
                    found.add(int(entry.name))
    return found


def subreaper(on: bool) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        pytest.skip(f"prctl(PR_SET_CHILD_SUBREAPER) failed: errno {ctypes.get_errno()}")


@pytest.mark.time_limit(170)
def test_bench_pushes_orders_end_to_end_and_leaves_no_process_behind() -> None:
    before = children()
    subreaper(True)
    try:
        done = subprocess.run(
            [
                *WASP,
                "local",
                "bench",
                "--orders",
                str(ORDERS),
                "--warmup",
                "1",
                "--timeout",
                "60",
            ],
            cwd=REPO,
            env=ENV,
            capture_output=True,
            text=True,
            timeout=160,
            check=False,
        )
        deadline = time.monotonic() + 5
        while (left := {pid for pid in children() - before if alive(pid)}) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in children() - before:  # reap the orphans (and end any left alive)
            if pid in left:
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    finally:
        subreaper(False)
    assert not left, f"the bench left processes behind: {sorted(left)}"
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["orders"] == ORDERS
    assert result["seconds"] > 0
    assert list(result["stages"]) == list(bench.stages)
    for stage, latencies in result["stages"].items():
        assert len(latencies) == ORDERS, stage
        assert all(latency > 0 for latency in latencies), (stage, latencies)
    for projected, confirmed in zip(result["stages"]["projection"], result["stages"]["saga"], strict=True):
        assert confirmed >= projected  # Confirmed is read from the projected order
