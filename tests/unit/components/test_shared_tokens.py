"""Component type tokens: ``wasp:<module>:<Type>``, each aliased to its 0.1.0 ``serverless:`` token, so a
stack deployed with 0.1.0 keeps every resource (tested against the reference stack's 0.1.0 URNs)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pulumi
import pytest

from pulumi_wasp.components.shared.tokens import component_type

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
#: 0.1.0 URNs the reference stack drops on purpose, each with why an update removing it is safe.
RETIRED = {
    "urn:pulumi:dev::order-platform::serverless:webhook:WebhookReceiver$aws:secretsmanager/secretVersion:"
    "SecretVersion::payment-webhooks-secret-value": "the webhook secret rotates: its rotation function gives every "
    "value; deleting the version resource leaves its value AWSCURRENT (a current version is never deleted) until "
    "the first rotation replaces it",
    **{
        f"urn:pulumi:{stack}::order-platform::serverless:events:EventRouter$aws:iam/{kind}::orders-order-placed-{name}": (
            "the order-placed rule invokes the saga starter (a Lambda target: a resource policy, no role), which "
            "names each execution after its event; the rule's role to start the state machine went with it"
        )
        for stack in ("dev", "prod")
        for kind, name in (("role:Role", "target0-role"), ("rolePolicy:RolePolicy", "target0-policy"))
    },
}


def test_the_token_takes_the_package_prefix_and_keeps_the_module():
    token, _ = component_type("queue", "QueueProcessor", None)
    assert token == "wasp:queue:QueueProcessor"


def test_the_options_gain_an_alias_to_the_0_1_0_token():
    _, opts = component_type("queue", "QueueProcessor", None)
    assert [(a.type_, a.name, a.parent) for a in opts.aliases] == [("serverless:queue:QueueProcessor", ..., ...)]


def test_the_users_own_aliases_and_options_are_kept_in_front():
    own = pulumi.Alias(name="former")
    given = pulumi.ResourceOptions(aliases=[own], protect=True, ignore_changes=["tags"])
    _, opts = component_type("table", "Table", given)
    assert opts.aliases[0] is own
    assert opts.aliases[1].type_ == "serverless:table:Table"
    assert (opts.protect, opts.ignore_changes) == (True, ["tags"])
    assert given.aliases == [own]


def claims(stack):
    """Each URN a resource of the stack answers to, with the resources answering to it."""
    found = defaultdict(list)
    for resource in stack:
        for urn in {resource.urn, *resource.aliases}:
            found[urn].append(resource.urn)
    return found


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_every_0_1_0_urn_of_the_reference_stack_is_claimed_by_exactly_one_resource(stack_name, request):
    stack = request.getfixturevalue(f"{stack_name}_stack")
    former = [
        urn for urn in json.loads((SNAPSHOTS / f"urns-0.1.0-{stack_name}.json").read_text()) if urn not in RETIRED
    ]
    claimed = claims(stack)
    assert [urn for urn in former if not claimed[urn]] == []
    assert {urn: claimed[urn] for urn in former if len(claimed[urn]) > 1} == {}


def test_a_retired_0_1_0_urn_is_claimed_by_no_resource(dev_stack):
    claimed = claims(dev_stack)
    assert [urn for urn in RETIRED if claimed[urn]] == []


def test_every_component_of_the_reference_stack_has_a_wasp_token(dev_stack):
    components = [r for r in dev_stack if not r.custom]
    assert len({r.type for r in components}) >= 12
    assert [r.type for r in components if not r.type.startswith("wasp:")] == []


def test_every_component_of_the_reference_stack_answers_to_its_serverless_token(dev_stack):
    for component in (r for r in dev_stack if not r.custom):
        legacy = component.type.replace("wasp:", "serverless:", 1)
        assert any(alias.split("::")[2].split("$")[-1] == legacy for alias in component.aliases), component.urn
