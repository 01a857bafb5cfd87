"""What the hot-reload watcher counts as a change to a function's code."""

from __future__ import annotations

import os
from pathlib import Path

from pulumi_wasp.localcloud.runtime.reload import difference, snapshot


def code(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "handler.py").write_text("x = 1\n")
    return tmp_path


def test_an_edit_that_keeps_the_size_is_seen_by_its_modification_time(tmp_path: Path) -> None:
    root = code(tmp_path)
    before = snapshot(root)
    handler = root / "pkg" / "handler.py"
    handler.write_text("x = 2\n")
    os.utime(handler, ns=(before[handler][0] + 1_000_000, before[handler][0] + 1_000_000))
    assert difference(before, snapshot(root)) == (handler, "changed")


def test_added_and_removed_files_are_changes(tmp_path: Path) -> None:
    root = code(tmp_path)
    before = snapshot(root)
    (root / "pkg" / "new.py").write_text("")
    assert difference(before, snapshot(root)) == (root / "pkg" / "new.py", "added")
    assert difference(snapshot(root), before) == (root / "pkg" / "new.py", "removed")


def test_bytecode_caches_and_editor_files_are_not_code(tmp_path: Path) -> None:
    root = code(tmp_path)
    before = snapshot(root)
    (root / "pkg" / "__pycache__").mkdir()
    (root / "pkg" / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"")
    for name in (".handler.py.swp", "handler.py~", "#handler.py#"):
        (root / "pkg" / name).write_text("")
    assert difference(before, snapshot(root)) is None


def test_a_single_file_of_an_archive_is_watched_itself(tmp_path: Path) -> None:
    handler = code(tmp_path) / "pkg" / "handler.py"
    assert list(snapshot(handler)) == [handler]
    assert snapshot(tmp_path / "missing") == {}
