"""The reference system's graph (types, names, parents, inputs) stays exactly as committed.

An intended change regenerates the snapshot (``python -m tests.unit.snapshots.update``, see there) and lists
every difference in the commit that makes it.
"""

from __future__ import annotations

import json

import pytest

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


def test_secret_values_are_normalised_so_the_snapshot_is_deterministic(dev_stack):
    secret = dev_stack.named("payment-webhooks-secret-value").inputs["secretString"]
    assert secret != update.SECRET
    assert update.graph(dev_stack)[dev_stack.named("payment-webhooks-secret-value").urn]["inputs"]["secretString"] == (
        update.SECRET
    )
