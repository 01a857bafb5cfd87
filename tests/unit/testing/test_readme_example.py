"""README.md's "Test your own program" runs as written: its titled code blocks are the files of a project,
extracted literally into a temporary directory, and its tests pass under pytest with the harness's plugin.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.testing.conftest import run_pytest

README = Path(__file__).resolve().parents[3] / "README.md"
SECTION = "## Test your own program"
# A code block the example consists of: ```<language> title="<path>"
TITLED_BLOCK = re.compile(r'^```[\w-]+ title="(?P<path>[^"]+)"\n(?P<text>.*?)^```$', re.S | re.M)


def section(text: str, heading: str) -> str:
    start = text.index(heading + "\n")
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


@pytest.fixture(scope="module")
def example() -> dict[str, str]:
    blocks = {m["path"]: m["text"] for m in TITLED_BLOCK.finditer(section(README.read_text(), SECTION))}
    assert {"Pulumi.yaml", "__main__.py", "pytest.ini"} <= set(blocks), sorted(blocks)
    return blocks


def test_the_example_tests_a_wiring_and_a_policy_finding_through_the_fixtures(example):
    tests = "".join(text for path, text in example.items() if path.startswith("tests/"))
    assert "(wasp_stack)" in tests and "(wasp_synthesize)" in tests
    assert ".output(" in tests and ".preview(" in tests and ".of(" in tests


def test_the_example_passes_under_pytest(example, tmp_path):
    for path, text in example.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    tests = sum(text.count("\ndef test_") for text in example.values())
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{tests} passed in" in result.stdout, result.stdout
