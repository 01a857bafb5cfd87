"""The verbs' contract before any call reaches a cloud: exact names (unknown ones listed, closest first),
JSON arguments checked first (exit 2, naming the argument and where), a dead serve reported as such (exit 1),
and ``logs -f`` waiting for a function's first line, Ctrl-C exiting 130 quietly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pulumi_wasp import cli
from pulumi_wasp.localcloud.serve_lock import process_start
from pulumi_wasp.localcloud.verbs import VerbError, resolve

REPO = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "components"), str(REPO)])}


def endpoints(state_dir: Path, pid: int, **extra: Any) -> None:
    """An endpoints.json as serve writes it, of a serve with ``pid``; nothing answers at its URLs."""
    written = {
        "pid": pid,
        "process_start": process_start(pid),
        "region": "eu-west-1",
        "emulator_url": "http://127.0.0.1:9",
        "control_url": "http://127.0.0.1:9",
        "credentials": {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
        "functions": {"probe-function": "tiny-dev-probe"},
        "queues": {},
        "dlqs": {},
        "topics": {},
        "buses": {"events": "tiny-dev-events"},
        "state_machines": {},
        "schedules": ["cleanup", "reconcile"],
        **extra,
    }
    (state_dir / "endpoints.json").write_text(json.dumps(written))


def local(state_dir: Path, *args: str) -> int:
    return cli.main(["local", "--state-dir", str(state_dir), *args])


def test_a_name_is_matched_exactly_not_by_a_prefix() -> None:
    known = {"cleanup": "cleanup", "clean-orders": "clean-orders"}
    with pytest.raises(VerbError, match="no schedule matches 'clean'; known: cleanup, clean-orders"):
        resolve("schedule", known, "clean")


def test_a_physical_name_url_or_its_last_part_is_accepted() -> None:
    queues = {"orders-queue": "http://127.0.0.1:1/123456789012/orders-queue-4f2a"}
    assert resolve("queue", queues, "orders-queue-4f2a") == queues["orders-queue"]
    assert resolve("queue", queues, queues["orders-queue"]) == queues["orders-queue"]


def test_unknown_names_are_listed_closest_first() -> None:
    known = {name: name for name in ("audit", "reconcile-payments", "reconcile", "archive")}
    with pytest.raises(VerbError) as unknown:
        resolve("schedule", known, "reconcil")
    assert str(unknown.value).endswith("known: reconcile, reconcile-payments, archive, audit")


def test_fire_of_a_prefix_fires_nothing_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    endpoints(tmp_path, os.getpid())
    assert local(tmp_path, "fire", "clean") == 2
    assert capsys.readouterr().err == "error: no schedule matches 'clean'; known: cleanup, reconcile\n"


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (["invoke", "probe-function", '{"a": 1,}'], "payload"),
        (["put-event", "events", "Thing", "{nope", "--source", "tests"], "detail"),
        (["start", "saga", "[1, 2"], "input"),
    ],
)
def test_malformed_json_names_the_argument_and_position_before_anything_is_looked_up(
    args: list[str], argument: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert local(tmp_path, *args) == 2  # no endpoints.json at all: the JSON is checked first
    err = capsys.readouterr().err
    assert err.startswith(f"error: {argument} is not valid JSON: ") and " at line 1 column " in err


def test_a_verb_against_a_dead_serve_says_the_cloud_is_not_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    process = subprocess.Popen(["true"])
    process.wait()
    endpoints(tmp_path, process.pid)
    assert local(tmp_path, "status") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the local cloud is not running") and f"(pid {process.pid}) has ended" in err
    assert "Traceback" not in err


def _sigint_as_in_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_logs_follow_waits_for_the_first_line_and_ctrl_c_exits_130_quietly(tmp_path: Path) -> None:
    endpoints(tmp_path, os.getpid())  # "serve" is this test: alive while the verb follows
    code = f"import sys\nfrom pulumi_wasp.cli import main\nsys.exit(main({['local', '--state-dir', str(tmp_path), 'logs', 'probe-function', '-f']!r}))"
    follower = subprocess.Popen(
        [sys.executable, "-c", code],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As in a terminal: a suite started in the background (`make test &`) passes SIGINT on ignored, and
        # Python then installs no Ctrl-C handler.
        preexec_fn=_sigint_as_in_a_terminal,
    )
    try:
        assert follower.stderr is not None and follower.stdout is not None
        assert "has not run yet: waiting for its first line" in follower.stderr.readline()
        time.sleep(0.5)
        assert follower.poll() is None  # still waiting, not exited
        (tmp_path / "logs").mkdir()
        (tmp_path / "logs" / "tiny-dev-probe.log").write_text("START RequestId: 1\n")
        assert follower.stdout.readline() == "START RequestId: 1\n"
        follower.send_signal(signal.SIGINT)
        assert follower.wait(timeout=10) == 130
        assert follower.stderr.read() == ""
    finally:
        follower.kill()
        follower.wait()
