"""The pytest plugin: fixtures configured by ini options and the ``wasp`` marker, loaded without pulumi.

Each test runs pytest in a subprocess on a project of its own, with only this plugin loaded (as the ``pytest11``
entry point loads it once the ``testing`` extra is installed).
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
import tomllib
from pathlib import Path

import pytest

from tests.unit.testing.conftest import SHOP, run_pytest

REPO = Path(__file__).resolve().parents[3]


def run(project: Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(textwrap.dedent(text))
    return run_pytest(project)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory holding a copy of the shop program under ``shop/``."""
    shutil.copytree(SHOP, tmp_path / "shop")
    return tmp_path


def test_the_distribution_declares_the_plugin_with_the_testing_extra():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"pulumi_wasp": "pulumi_wasp.testing.plugin"}
    assert any(dep.startswith("pytest") for dep in project["optional-dependencies"]["testing"])


def test_loading_the_plugin_imports_no_pulumi(tmp_path):
    result = run(
        tmp_path,
        {
            "pytest.ini": "[pytest]\nwasp_program = .\n",
            "test_light.py": """
                import sys

                def test_pulumi_is_not_imported():
                    assert [m for m in sys.modules if m.split(".")[0] in ("pulumi", "pulumi_aws", "pulumi_policy")] == []
            """,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_the_fixtures_follow_the_ini_options_and_the_marker(project):
    result = run(
        project,
        {
            "pytest.ini": "[pytest]\nwasp_program = shop\n",
            "tests/test_shop.py": """
                import pytest
                from pulumi_wasp.components import Queue

                FUNCTION = "aws:lambda/function:Function"

                def test_wasp_stack_is_the_ini_program_for_the_dev_stack(wasp_stack):
                    assert (wasp_stack.project, wasp_stack.stack) == ("shop", "dev")

                @pytest.mark.wasp(stack="prod")
                def test_the_marker_chooses_the_stack(wasp_stack):
                    assert wasp_stack.stack == "prod"

                @pytest.mark.wasp("../shop", config={"workerMemory": 512})
                def test_the_marker_names_a_program_relative_to_the_test_file_and_its_config(wasp_stack):
                    assert wasp_stack.one(FUNCTION).input("memorySize") == 512

                def test_a_directory_is_synthesized_once_per_stack_and_config(wasp_synthesize):
                    assert wasp_synthesize() is wasp_synthesize(stack="dev", config={})
                    assert wasp_synthesize(stack="prod") is not wasp_synthesize()
                    assert wasp_synthesize(config={"workerMemory": 512}) is not wasp_synthesize()

                def test_the_factory_runs_a_callable(wasp_synthesize):
                    assert wasp_synthesize(lambda: Queue("jobs")).named("jobs-queue").type == "aws:sqs/queue:Queue"
            """,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed in" in result.stdout  # and no warning: pulumi_aws's import-time notices are filtered


def test_the_marker_and_the_factory_run_the_pack_in_the_engine_with_a_policy_config(project):
    result = run(
        project,
        {
            "pytest.ini": "[pytest]\nwasp_program = shop\n",
            "tests/test_remediated.py": """
                import pytest

                QUEUE = "aws:sqs/queue:Queue"
                TEAM = {"required-tags": {"enforcementLevel": "remediate", "tags": ["team"], "values": {"team": "orders"}}}

                @pytest.mark.wasp(policy_config=TEAM)
                def test_the_marker_creates_resources_with_the_remediated_inputs(wasp_stack):
                    assert wasp_stack.one(QUEUE, name="worker-queue").input("tags")["team"] == "orders"

                def test_a_policy_config_is_part_of_the_cache_key(wasp_synthesize):
                    assert wasp_synthesize(policy_config=TEAM) is wasp_synthesize(policy_config=TEAM)
                    assert wasp_synthesize(policy_config=TEAM) is not wasp_synthesize()
                    assert wasp_synthesize().policy_report is None
            """,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed in" in result.stdout


def test_misconfiguration_fails_the_test_with_what_to_set(project):
    result = run(
        project,
        {
            "pytest.ini": "[pytest]\nwasp_stack = prod\n",
            "test_misconfigured.py": """
                import pytest

                def test_no_program_anywhere(wasp_stack):
                    pass

                @pytest.mark.wasp(program="shop")
                def test_the_ini_stack_is_the_default(wasp_stack):
                    assert wasp_stack.stack == "prod"

                @pytest.mark.wasp(program="shop", stacks="prod")
                def test_an_unknown_marker_option(wasp_stack):
                    pass

                @pytest.mark.wasp("shop", program="shop")
                def test_the_program_twice(wasp_stack):
                    pass
            """,
        },
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 passed, 3 errors in" in result.stdout
    assert "no program given and no 'wasp_program' ini option" in output
    assert (
        "@pytest.mark.wasp has no option stacks (its options: program, stack, config, first_deploy, policy_config)"
        in output
    )
    assert "@pytest.mark.wasp got the program twice" in output
