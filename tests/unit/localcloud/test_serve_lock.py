"""One local cloud per state directory: a second holder is refused with who holds it, a lock left by an
ended process is taken over with a note, and endpoints.json is removed only by the process that wrote it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_wasp.localcloud import serve_lock
from pulumi_wasp.localcloud.serve_lock import Holder, StateDirInUseError

HOLD = """
import sys, time
from pathlib import Path
from pulumi_wasp.localcloud import serve_lock
holder = serve_lock.Holder.this_process("serve", Path("/the/program"), "prod")
with serve_lock.hold(Path(sys.argv[1]), holder, print):
    print("held", flush=True)
    time.sleep(60)
"""


def ended_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_second_holder_is_told_which_process_holds_the_directory(tmp_path: Path) -> None:
    first = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout is not None and first.stdout.readline() == "held\n"
        with (
            pytest.raises(StateDirInUseError) as refused,
            serve_lock.hold(tmp_path, Holder.this_process("serve", tmp_path, "dev"), print),
        ):
            pytest.fail("held a directory another process holds")
        message = str(refused.value)
        assert f"pid {first.pid}" in message and "program /the/program" in message and "stack prod" in message
        assert "wasp local serve" in message and "started " in message
    finally:
        first.kill()
        first.wait()


def test_a_lock_left_by_an_ended_process_is_taken_over_with_a_note(tmp_path: Path) -> None:
    gone = Holder(ended_pid(), None, "2026-01-01 00:00:00 UTC", "serve", "/old", "dev")
    (tmp_path / serve_lock.LOCK_FILE).write_text(json.dumps(gone.__dict__))
    notes: list[str] = []
    with serve_lock.hold(tmp_path, Holder.this_process("run", tmp_path, "dev"), notes.append) as holder:
        recorded = json.loads((tmp_path / serve_lock.LOCK_FILE).read_text())
        assert recorded["pid"] == holder.pid == os.getpid()
    assert len(notes) == 1 and f"pid {gone.pid}" in notes[0] and "ended" in notes[0]
    assert not (tmp_path / serve_lock.LOCK_FILE).exists()


def test_the_directory_is_free_again_once_released(tmp_path: Path) -> None:
    me = Holder.this_process("serve", tmp_path, "dev")
    with serve_lock.hold(tmp_path, me, print):
        pass
    notes: list[str] = []
    with serve_lock.hold(tmp_path, me, notes.append):
        pass
    assert notes == []


def test_a_pid_reused_by_another_process_is_not_taken_for_the_recorded_one() -> None:
    assert serve_lock.is_running(os.getpid(), serve_lock.process_start(os.getpid()))
    assert not serve_lock.is_running(os.getpid(), "1")  # same pid, another start time


def test_endpoints_written_by_another_process_are_left_in_place(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.json"
    serve_lock.write_endpoints(path, {"pid": os.getpid() + 1})
    serve_lock.remove_own_endpoints(path)
    assert path.exists()
    serve_lock.write_endpoints(path, {"pid": os.getpid()})
    serve_lock.remove_own_endpoints(path)
    assert not path.exists()
