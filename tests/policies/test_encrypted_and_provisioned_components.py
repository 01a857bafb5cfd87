"""The pack over a program that uses customer-managed keys and provisioned, auto-scaled tables through the
components: what the components create for them breaks no rule (iam-statements-valid holds their KMS statements
to AWS's reference, kms-key-rotation their keys, dynamodb-scalable-capacity their scaling)."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import StackContext, use_stack_context
from pulumi_wasp.preview import PolicyReport
from tests.unit.components import test_customer_managed_key_paths, test_customer_managed_keys, test_table

from .conftest import TAGS, analyze, synth

RULES = ("iam-statements-valid", "kms-key-rotation", "dynamodb-scalable-capacity", "lambda-no-wildcard-iam")


def program() -> None:
    """The component tests' programs: every customer-managed key path, and a provisioned table with indexes."""
    use_stack_context(StackContext(tags=TAGS))
    test_customer_managed_keys.program()
    test_customer_managed_key_paths.program()
    test_table.provisioned_program()


@pytest.fixture(scope="module")
def report() -> PolicyReport:
    return analyze(synth(program))


@pytest.mark.parametrize("rule", RULES)
def test_the_components_keys_grants_and_scaling_pass(report: PolicyReport, rule: str) -> None:
    assert [d.message for d in report.diagnostics if d.policy == rule] == []


def test_no_mandatory_rule_fails(report: PolicyReport) -> None:
    assert [d.message for d in report.mandatory] == []
