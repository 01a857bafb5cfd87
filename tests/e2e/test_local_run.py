"""``wasp local run`` on a program of its own (tests/e2e/programs/tiny): without a scenario file it deploys,
says there is none and exits 0; with one it runs it (``--flow`` selecting among its flows); a failing
scenario exits 1, naming the file and line of an error in it; a broken file fails before any deploy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, TINY, localcloud

RUN_SECONDS = 150
#: A scenario with two flows against the tiny program: the probe function answers, its queue drains.
PASSING = """
from pulumi_wasp.localcloud.client import Cloud, FlowFailedError, wait_for
from pulumi_wasp.localcloud.scenario import Flow, run_flows


def greets(cloud: Cloud) -> str:
    answer = cloud.client("lambda").invoke(FunctionName=cloud.outputs["function_name"], Payload=b"{}")
    if answer["StatusCode"] != 200 or answer.get("FunctionError"):
        raise FlowFailedError(f"the probe answered {answer['StatusCode']} {answer.get('FunctionError')}")
    return "the probe answered 200"


def drains(cloud: Cloud) -> str:
    sqs = cloud.client("sqs")
    sqs.send_message(QueueUrl=cloud.outputs["queue_url"], MessageBody="{}")
    wait_for("the probe queue to drain", lambda: not cloud.peek(cloud.outputs["queue_url"]))
    return "a message was processed"


FLOWS = [Flow("probe greets", greets, needs=("function_name",)), Flow("queue drains", drains)]


def scenario(cloud: Cloud) -> None:
    cloud.report("tiny scenario started")
    run_flows(cloud, FLOWS)
"""
FAILING = """
from pulumi_wasp.localcloud.client import Cloud


def scenario(cloud: Cloud) -> None:
    cloud.report("about to fail")
    tables = cloud.endpoints["tables"]
    tables["no-such-table"]
"""


def readme_scenario() -> str:
    """The complete scenario of the README's "Run your program locally"."""
    readme = (REPO / "README.md").read_text()
    start = readme.index("```python\n# localcloud_scenario.py\n") + len("```python\n")
    return readme[start : readme.index("```", start)]


def copy_of_tiny(tmp_path: Path, scenario: str | None) -> Path:
    """The tiny program in a temporary directory, its handlers at the same relative path."""
    shutil.copytree(TINY, tmp_path / "programs" / "tiny")
    shutil.copytree(TINY.parent.parent / "functions", tmp_path / "functions")
    program = tmp_path / "programs" / "tiny"
    if scenario is not None:
        (program / "localcloud_scenario.py").write_text(scenario)
    return program


def local_run(program: Path, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return localcloud(program, state, "run", *args, timeout=RUN_SECONDS - 10)


def passing_run(program: Path, state: Path, *args: str) -> str:
    """The output of a ``local run`` that must exit 0."""
    done = local_run(program, state, *args)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.mark.time_limit(RUN_SECONDS)
def test_without_a_scenario_it_deploys_says_so_and_exits_0(tmp_path: Path) -> None:
    out = passing_run(TINY, tmp_path / "state")
    assert f"No scenario: {TINY / 'localcloud_scenario.py'} does not exist" in out
    assert "✓ deploy" in out
    assert "Result: passed" in out


@pytest.mark.time_limit(RUN_SECONDS)
def test_it_runs_the_programs_scenario_and_only_the_flows_flow_selects(tmp_path: Path) -> None:
    out = passing_run(copy_of_tiny(tmp_path, PASSING), tmp_path / "state", "--flow", "GREETS")
    assert "tiny scenario started" in out
    assert "✓ probe greets" in out
    assert "queue drains" not in out
    assert "Result: passed · flows 1 ok" in out


@pytest.mark.time_limit(RUN_SECONDS)
def test_the_readme_scenario_runs_and_passes_on_a_program_with_a_queue_processor(tmp_path: Path) -> None:
    out = passing_run(copy_of_tiny(tmp_path, readme_scenario()), tmp_path / "state")
    assert "✓ function greets" in out and "✓ queue drains" in out
    assert "Invariant: every accepted message was processed or is in a DLQ" in out
    assert "Result: passed · flows 2 ok" in out


@pytest.mark.time_limit(RUN_SECONDS)
def test_a_failing_scenario_exits_1_naming_the_file_and_line_of_the_error(tmp_path: Path) -> None:
    program = copy_of_tiny(tmp_path, FAILING)
    done = local_run(program, tmp_path / "state")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "about to fail" in done.stdout
    assert "Result: FAILED" in done.stdout
    assert f"{program / 'localcloud_scenario.py'}:8: KeyError: 'no-such-table'" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.time_limit(RUN_SECONDS)
def test_a_scenario_file_that_does_not_load_fails_before_the_deploy_with_its_line(tmp_path: Path) -> None:
    program = copy_of_tiny(tmp_path, "def scenario(cloud):\n    return (\n")
    done = local_run(program, tmp_path / "state")
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {program / 'localcloud_scenario.py'}:2: ")
    assert "deploy" not in done.stdout


@pytest.mark.time_limit(RUN_SECONDS)
def test_a_flow_that_selects_nothing_is_an_error_listing_the_flows(tmp_path: Path) -> None:
    program = copy_of_tiny(tmp_path, PASSING)
    done = local_run(program, tmp_path / "state", "--flow", "no such flow")
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr[-3000:]
    assert "error: --flow 'no such flow' matches no flow; flows: 'probe greets', 'queue drains'" in done.stderr
