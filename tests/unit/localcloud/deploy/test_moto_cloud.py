"""MotoCloud's sorting of what it cannot create: an allow-listed type is left out with its
documented reason, a type without an adapter is a refusal (which fails the deploy). Neither
reaches the emulator, so none is started here."""

from __future__ import annotations

from pathlib import Path

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy import MotoCloud
from pulumi_wasp.localcloud.deploy.context import DeployContext
from pulumi_wasp.localcloud.deploy.outcome import NOT_EMULATED
from pulumi_wasp.localcloud.deploy.registry import Registry
from pulumi_wasp.localcloud.emulator import Emulator

REGISTRY = "aws:schemas/registry:Registry"


def cloud() -> MotoCloud:
    return MotoCloud(DeployContext(Emulator("eu-west-1"), Registry(), Path.cwd()))


def test_an_allow_listed_type_is_left_out_with_its_reason_and_answered_with_fake_outputs() -> None:
    moto = cloud()
    resource_id, outputs = moto.new_resource(MockResourceArgs(REGISTRY, "schemas", {"name": "orders"}, custom=True))
    registry = moto.context.registry
    assert [(s.type, s.name, s.reason) for s in registry.skipped] == [(REGISTRY, "schemas", NOT_EMULATED[REGISTRY])]
    assert registry.refused == []
    assert resource_id and outputs["name"] == "orders"


def test_a_type_without_an_adapter_is_refused() -> None:
    moto = cloud()
    moto.new_resource(MockResourceArgs("aws:appsync/graphQLApi:GraphQLApi", "graph", {}, custom=True))
    registry = moto.context.registry
    assert [(s.type, s.reason) for s in registry.refused] == [
        ("aws:appsync/graphQLApi:GraphQLApi", "the local cloud has no adapter for this type")
    ]
    assert registry.skipped == []
