"""A function with a live alias in the local cloud: the deploy creates its version and alias and lists what it
cannot create with the reason (provisioned concurrency, its scaling, CodeDeploy); a weighted alias routes that
share of invocations to the other version."""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
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


def two_versions(client, name: str) -> None:
    """The function with versions 1 and 2 published (the weighted-alias test above publishes 2 when it runs first)."""
    published = [v["Version"] for v in client.list_versions_by_function(FunctionName=name)["Versions"]]
    if "2" not in published:
        client.update_function_configuration(FunctionName=name, Description="version 2")
        assert client.publish_version(FunctionName=name)["Version"] == "2"


def ran(response) -> dict:
    """What one invocation of the probe reports: the version its context and environment name, the ARN invoked."""
    result = json.loads(response["Payload"].read())
    return {
        "executed": response["ExecutedVersion"],
        "context": result["function_version"],
        "environment": result["function_version_environment"],
        "invoked": result["function_arn"],
    }


@pytest.mark.time_limit(120)
def test_each_invocation_of_a_weighted_alias_reports_the_version_that_ran_everywhere(cloud) -> None:
    client, name, alias_arn = lambda_client(cloud), outputs(cloud)["function_name"], outputs(cloud)["alias_arn"]
    two_versions(client, name)
    client.update_alias(
        FunctionName=name, Name="live", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}}
    )
    reports = [ran(client.invoke(FunctionName=alias_arn, Payload=b"{}")) for _ in range(40)]
    assert {r["executed"] for r in reports} == {"1", "2"}
    assert all(r["context"] == r["environment"] == r["executed"] and r["invoked"] == alias_arn for r in reports), (
        reports
    )


def test_invoking_a_version_or_the_unqualified_function_reports_it(cloud) -> None:
    client, name = lambda_client(cloud), outputs(cloud)["function_name"]
    two_versions(client, name)
    function_arn = client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    assert ran(client.invoke(FunctionName=f"{function_arn}:1", Payload=b"{}")) == {
        "executed": "1",
        "context": "1",
        "environment": "1",
        "invoked": f"{function_arn}:1",
    }
    assert ran(client.invoke(FunctionName=name, Payload=b"{}")) == {
        "executed": "$LATEST",
        "context": "$LATEST",
        "environment": "$LATEST",
        "invoked": function_arn,
    }


VERSION_LINE = re.compile(r"probe ran version (\S+) \(environment (\S+)\) for (\S+)")


def ran_lines(cloud: LocalCloud, function_name: str) -> list[tuple[str, str, str]]:
    """Each invocation's (context version, environment version, invoked ARN), from the function's log."""
    log = cloud.state_dir / "logs" / f"{function_name}.log"
    return VERSION_LINE.findall(log.read_text()) if log.exists() else []


def next_polled(cloud: LocalCloud, function_name: str, send: Callable[[], object]) -> tuple[str, str, str]:
    """What the next invocation a poller makes after ``send()`` ran as (bounded: 30 s)."""
    before = len(ran_lines(cloud, function_name))
    send()
    deadline = time.monotonic() + 30
    while len(found := ran_lines(cloud, function_name)) == before:
        assert time.monotonic() < deadline, f"no invocation of {function_name} within 30 s"
        time.sleep(0.1)
    return found[before]


@pytest.mark.time_limit(120)
def test_a_queue_mapping_on_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    client, name, alias_arn = lambda_client(cloud), outputs(cloud)["function_name"], outputs(cloud)["alias_arn"]
    two_versions(client, name)
    sqs = cloud.emulator.client("sqs")

    def send() -> object:
        return sqs.send_message(QueueUrl=outputs(cloud)["queue_url"], MessageBody="{}")

    client.update_alias(
        FunctionName=name, Name="live", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {}}
    )
    assert next_polled(cloud, name, send) == ("1", "1", alias_arn)
    # All of the alias's traffic shifted to version 2: the poller's next batch runs it.
    client.update_alias(FunctionName=name, Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 1.0}})
    assert next_polled(cloud, name, send) == ("2", "2", alias_arn)


@pytest.mark.time_limit(120)
def test_a_stream_mapping_on_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    client, name = lambda_client(cloud), outputs(cloud)["stream_function_name"]
    alias_arn = outputs(cloud)["stream_alias_arn"]
    two_versions(client, name)
    kinesis = cloud.emulator.client("kinesis")

    def put() -> object:
        return kinesis.put_record(StreamName=outputs(cloud)["stream_name"], Data=b"{}", PartitionKey="k")

    assert next_polled(cloud, name, put) == ("1", "1", alias_arn)
    client.update_alias(FunctionName=name, Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 1.0}})
    assert next_polled(cloud, name, put) == ("2", "2", alias_arn)
