"""The reference system's graph (types, names, parents, inputs) stays exactly as committed.

An intended change regenerates the snapshot (``python -m tests.unit.snapshots.update``, see there) and lists
every difference in the commit that makes it.
"""

from __future__ import annotations

import json

import pulumi
import pytest
from pulumi_aws import secretsmanager

from tests.unit.conftest import synth
from tests.unit.snapshots import update


def differences(expected: dict, actual: dict) -> dict[str, list[str]]:
    """URNs missing, added, and those whose parent or inputs differ."""
    return {
        "missing": sorted(expected.keys() - actual.keys()),
        "added": sorted(actual.keys() - expected.keys()),
        "changed": sorted(urn for urn in expected.keys() & actual.keys() if expected[urn] != actual[urn]),
    }


@pytest.mark.parametrize("stack_name", update.STACKS)
def test_the_reference_graph_matches_its_golden_snapshot(stack_name, request):
    expected = json.loads(update.path(stack_name).read_text())
    actual = json.loads(update.render(update.graph(request.getfixturevalue(f"{stack_name}_stack"))))
    assert differences(expected, actual) == {"missing": [], "added": [], "changed": []}


def test_secret_values_are_normalised_so_the_snapshot_is_deterministic():
    # The reference system holds no secret value since its webhook secret rotates; any program may.
    def program() -> None:
        secretsmanager.SecretVersion("value", secret_id="s", secret_string=pulumi.Output.secret("generated-9f2c"))

    stack = synth(program)
    version = stack.named("value")
    assert version.inputs["secretString"] != update.SECRET
    assert update.graph(stack)[version.urn]["inputs"]["secretString"] == update.SECRET
