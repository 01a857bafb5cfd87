"""Hot reload: the source folders every function runs from are watched, and a change to one of
them reloads each function that packages it (:meth:`Function.reload`: new environments import
the new code, invocations in flight finish on the old).

One thread polls every folder's files (their modification times and sizes) in wall time: no
dependency, no inotify limits, and on the reference system a scan of every function's folders
costs well under a millisecond of CPU (see ``bench/`` for the reload latency).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from pulumi_wasp.localcloud.runtime.functions import Function
from pulumi_wasp.localcloud.runtime.threads import join_until, logger

#: How often the folders are scanned (wall time: a reload is for the person editing, whatever --speed).
POLL_SECONDS = 0.25

#: Called once per function reloaded: (function, the file that changed, how: added, changed or removed).
ReloadReport = Callable[[Function, Path, str], None]

Snapshot = dict[Path, tuple[int, int]]


def _ignored(name: str) -> bool:
    """Bytecode caches and editors' swap, backup and lock files are not code."""
    return name == "__pycache__" or name.startswith((".", "#")) or name.endswith("~")


def snapshot(root: Path) -> Snapshot:
    """Every file under ``root`` (or ``root`` itself, a file) with its mtime and size."""
    files: Snapshot = {}
    pending = [str(root)]
    while pending:
        path = pending.pop()
        try:
            entries = list(os.scandir(path))
        except NotADirectoryError:
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                continue
            files[Path(path)] = (stat.st_mtime_ns, stat.st_size)
            continue
        except FileNotFoundError:  # a folder removed while scanning: the next scan sees it gone
            continue
        for entry in entries:
            if _ignored(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):  # no cycles through links
                    pending.append(entry.path)
                else:
                    stat = entry.stat()
                    files[Path(entry.path)] = (stat.st_mtime_ns, stat.st_size)
            except FileNotFoundError:
                continue
    return files


def difference(before: Snapshot, after: Snapshot) -> tuple[Path, str] | None:
    """The first file (in path order) added, changed or removed between two snapshots."""
    for path in sorted(before.keys() | after.keys()):
        if path not in before:
            return path, "added"
        if path not in after:
            return path, "removed"
        if before[path] != after[path]:
            return path, "changed"
    return None


class CodeWatcher:
    """Watches the folders of ``functions`` (each folder once, however many functions package it)."""

    def __init__(
        self, functions: Iterable[Function], on_reload: ReloadReport | None = None, poll_seconds: float = POLL_SECONDS
    ) -> None:
        self._users: dict[Path, list[Function]] = {}
        for function in functions:
            for folder in dict.fromkeys(function.spec.code.values()):
                self._users.setdefault(folder, []).append(function)
        self._on_reload = on_reload
        self._poll_seconds = poll_seconds
        self._snapshots = {folder: snapshot(folder) for folder in self._users}
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="localcloud-reload", daemon=True)

    @property
    def folders(self) -> list[Path]:
        return list(self._users)

    @property
    def files(self) -> int:
        """How many files the last pass saw."""
        return sum(len(files) for files in self._snapshots.values())

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, deadline: float) -> list[str]:
        return join_until([self.thread], deadline)

    def scan(self) -> list[tuple[Function, Path, str]]:
        """One pass: reload every function whose folders changed since the last pass."""
        reloaded: dict[str, tuple[Function, Path, str]] = {}
        for folder, functions in self._users.items():
            current = snapshot(folder)
            change = difference(self._snapshots[folder], current)
            self._snapshots[folder] = current
            if change is None:
                continue
            for function in functions:
                reloaded.setdefault(function.spec.name, (function, *change))
        for function, path, how in reloaded.values():
            function.reload(f"{path} {how}")
            if self._on_reload is not None:
                self._on_reload(function, path, how)
        return list(reloaded.values())

    def _run(self) -> None:
        while not self._stop.wait(self._poll_seconds):
            try:
                self.scan()
            except Exception:  # one failed pass (a folder unreadable for a moment) must not end reloading
                logger.exception("unexpected error while watching the functions' code")
