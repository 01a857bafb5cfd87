"""The state directory across restarts: the previous runs' logs and function folders are kept."""

from __future__ import annotations

from pathlib import Path

from pulumi_wasp.localcloud.cloud import KEPT_RUNS, prepare_state_dir


def start_run(state: Path, run: int) -> None:
    prepare_state_dir(state)
    (state / "logs" / "fn.log").write_text(f"run {run}\n")
    (state / "functions" / "fn").mkdir(parents=True)
    (state / "functions" / "fn" / "run").write_text(str(run))


def test_a_restart_keeps_the_previous_runs_logs_and_function_folders_rotated(tmp_path: Path) -> None:
    for run in range(1, 4):
        start_run(tmp_path, run)
    assert (tmp_path / "logs" / "fn.log").read_text() == "run 3\n"
    assert (tmp_path / "logs.1" / "fn.log").read_text() == "run 2\n"
    assert (tmp_path / "logs.2" / "fn.log").read_text() == "run 1\n"
    assert (tmp_path / "functions.1" / "fn" / "run").read_text() == "2"


def test_only_the_last_kept_runs_remain(tmp_path: Path) -> None:
    for run in range(1, KEPT_RUNS + 4):
        start_run(tmp_path, run)
    kept = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("logs."))
    assert kept == [f"logs.{n}" for n in range(1, KEPT_RUNS + 1)]
    assert (tmp_path / f"logs.{KEPT_RUNS}" / "fn.log").read_text() == "run 3\n"


def test_a_first_start_makes_the_logs_folder_and_ignores_the_state_dir_in_git(tmp_path: Path) -> None:
    prepare_state_dir(tmp_path / "state")
    assert (tmp_path / "state" / "logs").is_dir() and not (tmp_path / "state" / "logs.1").exists()
    assert (tmp_path / "state" / ".gitignore").read_text() == "*\n"
