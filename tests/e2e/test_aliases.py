"""A function with a live alias in the local cloud: the deploy creates its version and alias and lists what it
cannot create with the reason (provisioned concurrency, its scaling, CodeDeploy); a weighted alias routes that
share of invocations to the other version."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.components.shared.lambda_deployment import TYPE
from pulumi_wasp.localcloud.cloud import LocalCloud
from pulumi_wasp.localcloud.deploy.context import DeployContext
from pulumi_wasp.localcloud.deploy.lambda_ import deployment
from pulumi_wasp.localcloud.deploy.outcome import NOT_EMULATED
from pulumi_wasp.localcloud.deploy.registry import Registry

ALIASED = Path(__file__).resolve().parent / "programs" / "aliased"
INVOCATIONS = 300
NEW_VERSION_SHARE = 0.3


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    with LocalCloud(ALIASED, state=tmp_path_factory.mktemp("aliased")) as started:
        yield started


def outputs(cloud: LocalCloud) -> dict:
    assert cloud.deployment is not None
    return cloud.deployment.outputs


def lambda_client(cloud: LocalCloud):
    assert cloud.emulator is not None
    return cloud.emulator.client("lambda")


def test_the_deploy_succeeds_listing_provisioned_concurrency_and_codedeploy_as_not_created(cloud) -> None:
    outcome = cloud.deployment.outcome
    assert outcome.succeeded
    assert {entry.type for entry in outcome.not_emulated} == {
        "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig",
        "aws:codedeploy/application:Application",
        "aws:codedeploy/deploymentGroup:DeploymentGroup",
    }
    assert all(entry.reason == NOT_EMULATED[entry.type] for entry in outcome.not_emulated)


def test_the_provisioned_concurrencys_scaling_is_registered_with_its_schedule(cloud) -> None:
    scaling = cloud.emulator.client("application-autoscaling")
    resource_id = f"function:{outputs(cloud)['function_name']}:live"
    targets = scaling.describe_scalable_targets(ServiceNamespace="lambda", ResourceIds=[resource_id])
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in targets["ScalableTargets"]] == [(1, 3)]
    actions = scaling.describe_scheduled_actions(ServiceNamespace="lambda", ResourceId=resource_id)
    assert [a["Schedule"] for a in actions["ScheduledActions"]] == ["cron(0 8 ? * MON-FRI *)"]


def test_the_alias_serves_the_published_version_and_needs_no_deployment(cloud) -> None:
    alias = lambda_client(cloud).get_alias(FunctionName=outputs(cloud)["function_name"], Name="live")
    assert (alias["AliasArn"], alias["FunctionVersion"]) == (outputs(cloud)["alias_arn"], "1")
    assert cloud.deployment.outcome.adjusted == []


def test_invoking_the_alias_runs_the_function_and_reports_its_version(cloud) -> None:
    response = lambda_client(cloud).invoke(FunctionName=outputs(cloud)["alias_arn"], Payload=b'{"action": "echo"}')
    assert (response["StatusCode"], response["ExecutedVersion"], "FunctionError" in response) == (200, "1", False)


@pytest.mark.time_limit(120)
def test_a_weighted_alias_routes_its_share_of_invocations_to_the_new_version(cloud) -> None:
    client, name = lambda_client(cloud), outputs(cloud)["function_name"]
    client.update_function_configuration(FunctionName=name, Description="version 2")
    assert client.publish_version(FunctionName=name)["Version"] == "2"
    client.update_alias(
        FunctionName=name, Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": NEW_VERSION_SHARE}}
    )
    served = Counter(
        client.invoke(FunctionName=outputs(cloud)["alias_arn"], Payload=b"{}")["ExecutedVersion"]
        for _ in range(INVOCATIONS)
    )
    mean = INVOCATIONS * NEW_VERSION_SHARE
    sigma = math.sqrt(INVOCATIONS * NEW_VERSION_SHARE * (1 - NEW_VERSION_SHARE))
    assert set(served) == {"1", "2"}
    assert abs(served["2"] - mean) <= 5 * sigma, served


def test_a_deployment_to_a_newer_version_moves_the_alias_at_once_and_says_so(cloud) -> None:
    client, name = lambda_client(cloud), outputs(cloud)["function_name"]
    client.create_alias(FunctionName=name, Name="staged", FunctionVersion="1")
    newest = client.publish_version(FunctionName=name)["Version"]
    context = DeployContext(cloud.emulator, Registry(), ALIASED)
    inputs = {"function_name": name, "alias_name": "staged", "target_version": newest}
    _, result = deployment(context, MockResourceArgs(TYPE, "worker-deployment", inputs, custom=True))
    assert client.get_alias(FunctionName=name, Name="staged")["FunctionVersion"] == newest
    assert (result["status"], result["current_version"]) == ("Succeeded", newest)
    assert [entry.name for entry in context.registry.adjusted] == ["worker-deployment"]
    assert "moved from 1 to" in context.registry.adjusted[0].reason
