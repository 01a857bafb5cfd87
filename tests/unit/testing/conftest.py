"""The harness's own tests run it on ``programs/shop``: a user's program in miniature."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_wasp.testing import SynthesizedStack, synthesize

SHOP = Path(__file__).resolve().parent / "programs" / "shop"
FUNCTION = "aws:lambda/function:Function"
QUEUE = "aws:sqs/queue:Queue"
TABLE = "aws:dynamodb/table:Table"


@pytest.fixture(scope="session")
def shop() -> SynthesizedStack:
    """The shop's dev stack (eu-west-1, point-in-time recovery off)."""
    return synthesize(SHOP)


def run_pytest(project: Path) -> subprocess.CompletedProcess[str]:
    """pytest in ``project``, in a subprocess, with only the harness's plugin, loaded by module as its
    ``pytest11`` entry point loads it once ``pulumi-wasp[testing]`` is installed."""
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    command = [sys.executable, "-m", "pytest", "-p", "pulumi_wasp.testing.plugin", "-p", "no:cacheprovider", "-q"]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=600)
