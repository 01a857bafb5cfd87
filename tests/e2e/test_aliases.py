"""A function with a live alias in the local cloud: the deploy creates its version and alias and lists what it
cannot create with the reason (provisioned concurrency, its scaling, CodeDeploy); a weighted alias routes that
share of invocations to the other version."""

from __future__ import annotations

import json
import math
import re
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.adapters import moto as moto_adapter
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


def routed_twice(cloud: LocalCloud, function_name: str, trigger: Callable[[], object]) -> list[tuple[str, str, str]]:
    """What the next invocation ``trigger()`` causes ran as, with the function's alias ``live`` on version 1 and no
    weights (all of its traffic on version 1), then with all of its traffic shifted to version 2."""
    client = lambda_client(cloud)
    two_versions(client, function_name)
    client.update_alias(
        FunctionName=function_name, Name="live", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {}}
    )
    first = next_polled(cloud, function_name, trigger)
    client.update_alias(FunctionName=function_name, Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 1.0}})
    return [first, next_polled(cloud, function_name, trigger)]


def both_versions(alias_arn: str) -> list[tuple[str, str, str]]:
    """Version 1, then version 2, each run for the alias (context, environment and invoked ARN agree)."""
    return [("1", "1", alias_arn), ("2", "2", alias_arn)]


def worker(cloud: LocalCloud) -> tuple[str, str]:
    return outputs(cloud)["function_name"], outputs(cloud)["alias_arn"]


def allow(cloud: LocalCloud, principal: str, source_arn: str) -> None:
    """The worker's alias lets ``principal`` invoke it for ``source_arn`` (the local cloud's IAM checks deliveries)."""
    lambda_client(cloud).add_permission(
        FunctionName=worker(cloud)[0],
        Qualifier="live",
        StatementId=f"{principal.split('.')[0]}-{uuid.uuid4().hex[:8]}",
        Action="lambda:InvokeFunction",
        Principal=principal,
        SourceArn=source_arn,
    )


@pytest.mark.time_limit(120)
def test_a_synchronous_invoke_of_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    name, alias_arn = worker(cloud)

    def invoke() -> object:
        return lambda_client(cloud).invoke(FunctionName=alias_arn, Payload=b"{}")

    assert routed_twice(cloud, name, invoke) == both_versions(alias_arn)


def test_a_synchronous_invoke_of_the_alias_reads_its_routing_once(cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    name, alias_arn = worker(cloud)
    reads: list[tuple[str, str]] = []
    read = moto_adapter.version_routing

    def counted(account: str, region: str, function_name: str, qualifier: str) -> tuple[str, dict[str, float]]:
        reads.append((function_name, qualifier))
        return read(account, region, function_name, qualifier)

    monkeypatch.setattr(moto_adapter, "version_routing", counted)
    response = lambda_client(cloud).invoke(FunctionName=alias_arn, Payload=b"{}")
    assert (response["StatusCode"], reads) == (200, [(name, "live")])


@pytest.mark.time_limit(120)
def test_an_event_invoke_of_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    name, alias_arn = worker(cloud)

    def invoke() -> object:
        return lambda_client(cloud).invoke(FunctionName=f"{name}:live", InvocationType="Event", Payload=b"{}")

    assert routed_twice(cloud, name, invoke) == both_versions(alias_arn)


@pytest.mark.time_limit(120)
def test_a_queue_mapping_on_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    name, alias_arn = worker(cloud)
    sqs = cloud.emulator.client("sqs")

    def send() -> object:
        return sqs.send_message(QueueUrl=outputs(cloud)["queue_url"], MessageBody="{}")

    assert routed_twice(cloud, name, send) == both_versions(alias_arn)


@pytest.mark.time_limit(120)
def test_a_kinesis_mapping_on_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    kinesis = cloud.emulator.client("kinesis")

    def put() -> object:
        return kinesis.put_record(StreamName=outputs(cloud)["stream_name"], Data=b"{}", PartitionKey="k")

    routed = routed_twice(cloud, outputs(cloud)["stream_function_name"], put)
    assert routed == both_versions(outputs(cloud)["stream_alias_arn"])


@pytest.mark.time_limit(120)
def test_a_dynamodb_stream_mapping_on_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    dynamodb = cloud.emulator.client("dynamodb")

    def append() -> object:
        item = {"aggregateId": {"S": uuid.uuid4().hex}, "version": {"N": "1"}}
        return dynamodb.put_item(TableName=outputs(cloud)["ledger_table_name"], Item=item)

    routed = routed_twice(cloud, outputs(cloud)["projection_function_name"], append)
    assert routed == both_versions(outputs(cloud)["projection_alias_arn"])


@pytest.mark.time_limit(120)
def test_an_api_route_on_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    name, alias_arn = worker(cloud)

    def post() -> object:
        request = urllib.request.Request(f"{outputs(cloud)['api_url']}/probe", data=b"{}", method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read()
        except urllib.error.HTTPError as answered:  # the probe's reply is no proxy response: the gateway says so
            return answered.read()

    assert routed_twice(cloud, name, post) == both_versions(alias_arn)


@pytest.mark.time_limit(120)
def test_a_schedule_on_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    [schedule] = cloud.runtime.schedules.schedules

    def fire() -> object:
        cloud.runtime.schedules.fire(schedule)
        return None

    routed = routed_twice(cloud, outputs(cloud)["tick_function_name"], fire)
    assert routed == both_versions(outputs(cloud)["tick_alias_arn"])


@pytest.mark.time_limit(120)
def test_an_sns_subscription_of_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    name, alias_arn = worker(cloud)
    sns = cloud.emulator.client("sns")
    topic_arn = sns.create_topic(Name="probe-notices")["TopicArn"]
    allow(cloud, "sns.amazonaws.com", topic_arn)
    sns.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=alias_arn)

    def publish() -> object:
        return sns.publish(TopicArn=topic_arn, Message="{}")

    assert routed_twice(cloud, name, publish) == both_versions(alias_arn)


@pytest.mark.time_limit(120)
def test_an_s3_notification_to_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    name, alias_arn = worker(cloud)
    s3 = cloud.emulator.client("s3")
    s3.create_bucket(Bucket="probe-uploads")
    allow(cloud, "s3.amazonaws.com", "arn:aws:s3:::probe-uploads")
    notification = {
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": alias_arn, "Events": ["s3:ObjectCreated:*"]}]
    }
    s3.put_bucket_notification_configuration(Bucket="probe-uploads", NotificationConfiguration=notification)

    def upload() -> object:
        return s3.put_object(Bucket="probe-uploads", Key=f"{uuid.uuid4().hex}.json", Body=b"{}")

    assert routed_twice(cloud, name, upload) == both_versions(alias_arn)


@pytest.mark.time_limit(120)
def test_an_eventbridge_target_on_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    name, alias_arn = worker(cloud)
    events = cloud.emulator.client("events")
    rule_arn = events.put_rule(Name="probe-rule", EventPattern=json.dumps({"source": ["probe.tests"]}))["RuleArn"]
    allow(cloud, "events.amazonaws.com", rule_arn)
    events.put_targets(Rule="probe-rule", Targets=[{"Id": "probe", "Arn": alias_arn}])

    def put() -> object:
        return events.put_events(Entries=[{"Source": "probe.tests", "DetailType": "Probed", "Detail": "{}"}])

    assert routed_twice(cloud, name, put) == both_versions(alias_arn)


@pytest.mark.time_limit(120)
def test_a_step_functions_task_on_the_alias_runs_the_version_the_alias_routes_to(cloud) -> None:
    name, alias_arn = worker(cloud)
    iam = cloud.emulator.client("iam")
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    role_arn = iam.create_role(RoleName="probe-machine", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    invoke = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": alias_arn}],
    }
    iam.put_role_policy(RoleName="probe-machine", PolicyName="invoke", PolicyDocument=json.dumps(invoke))
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    definition = {
        "StartAt": "Run",
        "States": {"Run": {**task, "Parameters": {"FunctionName": alias_arn, "Payload": {}}}},
    }
    sfn = cloud.emulator.client("stepfunctions")
    machine_arn = sfn.create_state_machine(name="probe-machine", definition=json.dumps(definition), roleArn=role_arn)[
        "stateMachineArn"
    ]

    def start() -> object:
        return sfn.start_execution(stateMachineArn=machine_arn, name=uuid.uuid4().hex, input="{}")

    assert routed_twice(cloud, name, start) == both_versions(alias_arn)


@pytest.mark.time_limit(120)
def test_invoking_an_alias_the_function_does_not_have_is_resource_not_found(cloud) -> None:
    name, alias_arn = worker(cloud)
    with pytest.raises(ClientError) as raised:
        lambda_client(cloud).invoke(FunctionName=f"{name}:gone", Payload=b"{}")
    error = raised.value.response
    assert (error["Error"]["Code"], error["Error"]["Message"]) == (
        "ResourceNotFoundException",
        f"Function not found: {alias_arn.rsplit(':', 1)[0]}:gone",
    )


def test_invoking_with_a_qualifier_that_differs_from_the_names_is_refused(cloud) -> None:
    with pytest.raises(ClientError) as raised:
        lambda_client(cloud).invoke(FunctionName=worker(cloud)[1], Qualifier="1", Payload=b"{}")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_invoking_a_malformed_name_is_a_validation_error(cloud) -> None:
    with pytest.raises(ClientError) as raised:
        lambda_client(cloud).invoke(FunctionName=f"{worker(cloud)[0]}:live:extra", Payload=b"{}")
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "at 'functionName' failed to satisfy constraint" in raised.value.response["Error"]["Message"]


def test_a_dry_run_is_checked_as_an_invocation_is(cloud) -> None:
    name, alias_arn = worker(cloud)
    assert lambda_client(cloud).invoke(FunctionName=alias_arn, InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(ClientError) as raised:
        lambda_client(cloud).invoke(FunctionName=f"{name}:gone", InvocationType="DryRun")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
