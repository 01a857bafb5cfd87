"""The components' IAM against AWS's Service Authorization Reference: every statement they write, in the
reference system (dev and prod) and in every component test program, grants what it says."""

from __future__ import annotations

import importlib

import pytest

from pulumi_wasp.policies.aws_types import ROLE
from pulumi_wasp.policies.iam import POLICY_HOLDERS
from pulumi_wasp.preview import run_policies
from pulumi_wasp.synthesis import Synthesis
from tests.unit.components.synth_helpers import PROGRAMS, synth_program
from tests.unit.conftest import synth

RULE = "iam-statements-valid"
#: Test programs of component directories (bad_args builds one misconfigured component per case: none by default).
PROGRAM_DIRS = sorted(p.name for p in PROGRAMS.iterdir() if (p / "Pulumi.yaml").is_file() and p.name != "bad_args")
#: Component test modules whose module-level ``program`` builds their component inline (test_table's writes no
#: policy document).
INLINE_PROGRAMS = [
    "test_event_router",
    "test_fanout",
    "test_function",
    "test_queue",
    "test_queue_processor",
    "test_rest_api",
]


def assert_every_statement_valid(stack: Synthesis) -> None:
    report = run_policies(stack, None)
    subjects = [r for r in stack if r.custom and (r.type == ROLE or r.type in POLICY_HOLDERS)]
    assert subjects, "the program writes no policy document to check"
    assert [d.message for d in report.diagnostics if d.policy == RULE] == []
    assert [n.name for n in report.not_evaluated if n.policy == RULE] == []


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_the_reference_system_s_statements_all_grant_what_they_say(
    stack_name: str, request: pytest.FixtureRequest
) -> None:
    assert_every_statement_valid(request.getfixturevalue(f"{stack_name}_stack"))


@pytest.mark.parametrize("program", PROGRAM_DIRS)
def test_each_component_program_s_statements_all_grant_what_they_say(program: str) -> None:
    assert_every_statement_valid(synth_program(program))


@pytest.mark.parametrize("module", INLINE_PROGRAMS)
def test_each_inline_component_program_s_statements_all_grant_what_they_say(module: str) -> None:
    assert_every_statement_valid(synth(importlib.import_module(f"tests.unit.components.{module}").program))
