"""Session fixtures: the reference program synthesized once per test run, per stack.

The synthesis engine (project code in ``synthesis/``) is the single place that points Pulumi's
runtime at mocks; every test reads the records it keeps.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_wasp.synthesis import FakeCloud, StackConfig, Synthesis, synthesize

REPO = Path(__file__).resolve().parent.parent


def synthesize_stack(stack: str) -> Synthesis:
    config = StackConfig.load(REPO, stack)
    return synthesize(config, FakeCloud.for_stack(config))


@pytest.fixture(scope="session")
def dev_stack() -> Synthesis:
    return synthesize_stack("dev")


@pytest.fixture(scope="session")
def prod_stack() -> Synthesis:
    return synthesize_stack("prod")
