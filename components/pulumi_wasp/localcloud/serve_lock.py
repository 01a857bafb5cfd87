"""One local cloud per state directory: ``serve`` and ``run`` hold ``<state-dir>/serve.lock`` while they run.

The lock is an ``flock`` on that file (the kernel releases it when its process ends, however it ends), and
the file says who holds it: pid, start time, command, program and stack. A second command on the same
directory is refused with those details; a lock file left by a process that has ended is taken over with a
note. Only the holder writes endpoints.json, and it removes the file only while it is its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOCK_FILE = "serve.lock"


class StateDirInUseError(Exception):
    """Another local cloud holds the state directory (the message names it)."""


def process_start(pid: int) -> str | None:
    """When ``pid`` started (clock ticks after boot, from /proc): with the pid it names one process, so a pid
    reused by another program is not mistaken for the one recorded. None when no such process exists."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]


def is_running(pid: int, started: str | None) -> bool:
    """True while the process ``pid`` that started at ``started`` (see :func:`process_start`) runs."""
    now = process_start(pid)
    return now is not None and (started is None or now == started)


@dataclass(frozen=True)
class Holder:
    """The process that holds a state directory."""

    pid: int
    process_start: str | None
    started: str
    command: str
    program: str
    stack: str

    @classmethod
    def this_process(cls, command: str, program: Path, stack: str) -> Holder:
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return cls(os.getpid(), process_start(os.getpid()), started, command, str(program), stack)

    def describe(self) -> str:
        return (
            f"wasp local {self.command} (pid {self.pid}, started {self.started}, "
            f"program {self.program}, stack {self.stack})"
        )

    @property
    def running(self) -> bool:
        return is_running(self.pid, self.process_start)


def _read(fd: int) -> Holder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 1 << 16)
    try:
        return Holder(**json.loads(raw))
    except (ValueError, TypeError):  # empty (just created) or not ours: nothing to report
        return None


def _locked(path: Path) -> tuple[int, Holder | None]:
    """An open descriptor of ``path`` holding its flock, and the holder recorded in it before."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            if holder is None:
                raise StateDirInUseError(f"{path.parent} is in use by another local cloud ({path} is locked)") from None
            alive = "" if holder.running else f" (pid {holder.pid} has ended; a process it started holds the lock)"
            raise StateDirInUseError(
                f"{path.parent} is in use: {holder.describe()}{alive} runs there; stop it first "
                "or give this one another --state-dir"
            ) from None
        # The holder before us may have removed the file between our open and our flock: lock the file
        # that is at the path now, or two processes would each hold a lock of their own.
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd, _read(fd)
        os.close(fd)


@contextlib.contextmanager
def hold(state_dir: Path, holder: Holder, note: Callable[[str], None]) -> Iterator[Holder]:
    """Hold ``state_dir`` for ``holder`` while the block runs (see the module's docstring); ``note`` is told
    when a lock left by an ended process is taken over."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / LOCK_FILE
    fd, previous = _locked(path)
    try:
        if previous is not None:
            note(f"note: took over {path}: {previous.describe()} ended without removing it")
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(asdict(holder), indent=2).encode())
        yield holder
    finally:
        path.unlink(missing_ok=True)  # while still locked: nobody else can hold it yet
        os.close(fd)


def write_endpoints(path: Path, endpoints: dict[str, Any]) -> None:
    """endpoints.json, replaced atomically: readers never see a half-written file."""
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(endpoints, indent=2, default=str))
    partial.replace(path)


def remove_own_endpoints(path: Path) -> None:
    """Remove ``path`` if this process wrote it (its pid): never another process's endpoints."""
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass
