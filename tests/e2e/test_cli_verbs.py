"""The CLI against a running serve: a second serve on the same state directory is refused, and exit codes
say what happened (a function error, an API error code, an execution that did not succeed: 1)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.e2e.conftest import ENV, REPO, Served, localcloud


def verb(served: Served, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        served.command(*args), cwd=REPO, env=ENV, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_a_second_serve_on_the_same_state_directory_says_which_runs_and_exits_1(tiny: Served) -> None:
    endpoints = (tiny.state_dir / "endpoints.json").read_text()
    second = localcloud(Path(tiny.program), tiny.state_dir, "serve", timeout=60)
    assert second.returncode == 1, second.stdout + second.stderr
    assert f"wasp local serve (pid {tiny.process.pid}, started " in second.stderr
    assert f"program {tiny.program}, stack dev)" in second.stderr
    assert "deploy" not in second.stdout  # refused before anything was deployed
    assert (tiny.state_dir / "endpoints.json").read_text() == endpoints


def test_invoking_a_function_that_raises_prints_its_error_and_exits_1(tiny: Served) -> None:
    done = verb(tiny, "invoke", "probe-function", '{"action": "fail", "message": "asked to"}')
    assert done.returncode == 1
    assert "localcloud-tiny-dev-probe: 200 Unhandled" in done.stdout and "asked to" in done.stdout
    assert done.stderr == "error: localcloud-tiny-dev-probe returned a function error (Unhandled)\n"


def test_an_api_error_code_exits_1_with_the_code_and_message(tiny: Served) -> None:
    region = tiny.endpoints["region"]
    done = verb(tiny, "history", f"arn:aws:states:{region}:123456789012:execution:none:missing")
    assert done.returncode == 1
    assert done.stderr.startswith("error: DescribeExecution: ExecutionDoesNotExist: ")
    assert "Traceback" not in done.stderr


def test_history_takes_an_execution_name_and_exits_as_its_status(served: Served) -> None:
    machine = next(iter(served.endpoints["state_machines"]))
    started = verb(served, "start", machine, "{}")
    arn, status = re.match(r"(\S+)\n  status (\w+)", started.stdout).groups()  # type: ignore[union-attr]
    assert started.returncode == (0 if status == "SUCCEEDED" else 1), started.stderr
    by_name = verb(served, "history", arn.rsplit(":", 1)[1])
    assert by_name.stdout.splitlines()[0] == arn
    assert by_name.returncode == started.returncode
