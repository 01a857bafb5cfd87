"""A program's ``localcloud_scenario.py``: absent is no scenario; loaded by path; an error in it names the file
and line; without a ``scenario`` function it is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_wasp.localcloud.scenario import hook


def scenario_file(tmp_path: Path, text: str) -> Path:
    (tmp_path / hook.FILE).write_text(text)
    return tmp_path / hook.FILE


def test_a_program_without_the_file_has_no_scenario(tmp_path: Path) -> None:
    assert hook.load(tmp_path) is None


def test_the_file_is_loaded_with_its_scenario_function(tmp_path: Path) -> None:
    scenario_file(tmp_path, "def scenario(cloud):\n    cloud.append('ran')\n")
    module = hook.load(tmp_path)
    assert module is not None
    seen: list[str] = []
    module.scenario(seen)
    assert seen == ["ran"]


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, "import json\n\ndef scenario(cloud:\n")
    with pytest.raises(hook.ScenarioError, match=rf"^{path}:3: "):
        hook.load(tmp_path)


def test_an_error_while_loading_names_the_file_and_line(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, "import json\nTABLE = {}['orders']\n")
    with pytest.raises(hook.ScenarioError, match=rf"^{path}:2: KeyError: 'orders'$"):
        hook.load(tmp_path)


def test_a_file_without_a_scenario_function_is_refused(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, "scenario = 'not a function'\n")
    with pytest.raises(hook.ScenarioError, match=rf"^{path}: defines no function scenario\(cloud\)$"):
        hook.load(tmp_path)


def test_where_names_the_deepest_line_of_the_file_in_a_traceback(tmp_path: Path) -> None:
    scenario_file(tmp_path, "def helper():\n    raise ValueError('x')\n\ndef scenario(cloud):\n    helper()\n")
    module = hook.load(tmp_path)
    assert module is not None
    with pytest.raises(ValueError) as raised:
        module.scenario(None)
    assert hook.where(raised.value, tmp_path / hook.FILE) == f"{tmp_path / hook.FILE}:2"
