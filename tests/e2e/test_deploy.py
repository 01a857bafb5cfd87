"""The deploy: every resource of the reference system is created in the emulator but the
allow-listed types (listed with their reasons), the program's outputs are the emulator's real ids,
ARNs and URLs; a program the emulator cannot fully create fails ``run`` and ``serve`` before
anything runs, naming what was not created and why."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pulumi_wasp.localcloud.client import Cloud
from pulumi_wasp.localcloud.deploy import deploy
from pulumi_wasp.localcloud.deploy.outcome import NOT_EMULATED
from pulumi_wasp.localcloud.emulator import Emulator
from tests.e2e.conftest import localcloud

REJECTED = Path(__file__).resolve().parent / "programs" / "rejected"
#: A failed deploy stops in a few seconds: a command still running after this did not stop.
FAILED_DEPLOY_SECONDS = 60


def test_only_the_schema_registry_is_not_created_and_it_is_listed_with_its_documented_reason(cloud: Cloud) -> None:
    listed = cloud.endpoints["not_created"]
    assert {entry["type"] for entry in listed} == {"aws:schemas/registry:Registry", "aws:schemas/schema:Schema"}
    assert all(entry["reason"] == NOT_EMULATED[entry["type"]] for entry in listed)


def test_what_the_emulator_cannot_hold_as_declared_is_listed_with_the_change(cloud: Cloud) -> None:
    changed = {entry["type"] for entry in cloud.endpoints["created_with_changes"]}
    assert changed == {
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketLogging:BucketLogging",
        "aws:secretsmanager/secretRotation:SecretRotation",
    }


def test_bucket_policies_leave_out_only_the_tls_only_deny(cloud: Cloud) -> None:
    policies = [e for e in cloud.endpoints["created_with_changes"] if e["type"] == "aws:s3/bucketPolicy:BucketPolicy"]
    assert all("left out: DenyInsecureTransport" in entry["reason"] for entry in policies)


def test_the_webhook_secret_was_rotated_when_the_cloud_started_and_has_one_current_value(cloud: Cloud) -> None:
    secret_id = cloud.outputs["webhook_secret_name"]
    stages = cloud.client("secretsmanager").describe_secret(SecretId=secret_id)["VersionIdsToStages"]
    assert [labels for labels in stages.values() if "AWSCURRENT" in labels] == [["AWSCURRENT"]]
    value = cloud.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    assert len(value) == 43  # 32 random bytes, URL-safe base64: the rotation function's key


def test_stack_outputs_are_the_emulators_own_urls_and_arns(cloud: Cloud) -> None:
    outputs = cloud.outputs
    assert outputs["api_url"].startswith("http://127.0.0.1:") and outputs["api_url"].endswith("/api")
    sqs = cloud.client("sqs")
    for url in [*outputs["queue_urls"].values(), *outputs["dlq_urls"].values()]:
        assert url.startswith(cloud.endpoints["emulator_url"])
        assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    machine = cloud.client("stepfunctions").describe_state_machine(stateMachineArn=outputs["state_machine_arn"])
    assert "ReserveInventory" in machine["definition"]
    functions = {f["FunctionName"] for f in cloud.client("lambda").list_functions()["Functions"]}
    assert set(cloud.endpoints["functions"].values()) <= functions
    assert cloud.client("events").describe_event_bus(Name=outputs["bus_name"])["Name"] == outputs["bus_name"]


def test_event_source_mappings_are_polled_by_the_runtime_not_by_the_emulator(cloud: Cloud) -> None:
    # moto would invoke inside SendMessage/PutItem, without batching, retries or failure handling.
    assert cloud.client("lambda").list_event_source_mappings()["EventSourceMappings"] == []
    polled = {mapping["source"].split(":")[2] for mapping in cloud.status()["mappings"]}
    assert polled == {"sqs", "dynamodb", "kinesis"}


@pytest.fixture(scope="module")
def rejected_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """``run`` of tests/e2e/programs/rejected: a bucket S3 refuses, two settings of it, a queue
    and a schema registry."""
    return localcloud(REJECTED, tmp_path_factory.mktemp("rejected"), "run", timeout=FAILED_DEPLOY_SECONDS)


def test_a_refused_resource_makes_the_deploy_line_fail_and_run_exit_1(
    rejected_run: subprocess.CompletedProcess[str],
) -> None:
    assert rejected_run.returncode == 1, rejected_run.stdout + rejected_run.stderr
    [deploy_line] = [
        line.strip() for line in rejected_run.stdout.splitlines() if line.strip()[2:].startswith("deploy ")
    ]
    assert deploy_line.startswith("✗ deploy")
    assert "1 AWS resource created, 1 not emulated, 1 failed, 2 not created because of them" in deploy_line


def test_a_failed_deploy_names_the_refused_resource_its_type_and_the_error(
    rejected_run: subprocess.CompletedProcess[str],
) -> None:
    assert "aws:s3/bucket:Bucket too-long: the emulator refused it: ClientError" in rejected_run.stdout
    assert "InvalidBucketName" in rejected_run.stdout


def test_resources_depending_on_the_refused_one_are_reported_as_not_created_because_of_it(
    rejected_run: subprocess.CompletedProcess[str],
) -> None:
    assert (
        "2 not created because of it: too-long-public-access-block (aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock), "
        "too-long-versioning (aws:s3/bucketVersioning:BucketVersioning)"
    ) in rejected_run.stdout
    assert "NoSuchBucket" not in rejected_run.stdout


def test_an_allow_listed_type_is_listed_with_its_reason_and_is_not_a_failure(
    rejected_run: subprocess.CompletedProcess[str],
) -> None:
    registry = "aws:schemas/registry:Registry"
    assert f"1 × {registry}: {NOT_EMULATED[registry]} [schemas]" in rejected_run.stdout
    assert f"{registry} schemas:" not in rejected_run.stdout


def test_no_flow_runs_after_a_failed_deploy(rejected_run: subprocess.CompletedProcess[str]) -> None:
    lines = [line.strip() for line in rejected_run.stdout.splitlines()]
    assert "Scenario" not in lines and not any(line.startswith("✓ runtime") for line in lines)
    assert rejected_run.stdout.splitlines()[-1].startswith("Result: FAILED")


def test_serve_exits_1_on_a_failed_deploy_without_publishing_endpoints(tmp_path: Path) -> None:
    served = localcloud(REJECTED, tmp_path, "serve", timeout=FAILED_DEPLOY_SECONDS)
    assert served.returncode == 1, served.stdout + served.stderr
    assert "aws:s3/bucket:Bucket too-long" in served.stdout
    assert not (tmp_path / "endpoints.json").exists()


PROVISIONED = Path(__file__).resolve().parent / "programs" / "provisioned"


def test_a_provisioned_table_is_deployed_with_its_capacity_key_and_scaling() -> None:
    with Emulator("us-east-1") as emulator:
        deployment = deploy(PROVISIONED, "dev", emulator)
        assert deployment.succeeded, deployment.registry.refused
        outputs = deployment.synthesis.stack_outputs
        table = emulator.client("dynamodb").describe_table(TableName=outputs["table_name"])["Table"]
        throughput = table["ProvisionedThroughput"]
        assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (5, 2)
        (index,) = table["GlobalSecondaryIndexes"]
        assert (
            index["ProvisionedThroughput"]["ReadCapacityUnits"],
            index["ProvisionedThroughput"]["WriteCapacityUnits"],
        ) == (5, 2)
        assert table["SSEDescription"]["KMSMasterKeyArn"] == outputs["key_arn"]
        scaling = emulator.client("application-autoscaling")
        targets = scaling.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]
        assert {(t["ResourceId"], t["ScalableDimension"], t["MinCapacity"], t["MaxCapacity"]) for t in targets} == {
            (f"table/{outputs['table_name']}", "dynamodb:table:ReadCapacityUnits", 5, 100),
            (f"table/{outputs['table_name']}", "dynamodb:table:WriteCapacityUnits", 2, 40),
            (f"table/{outputs['table_name']}/index/by-day", "dynamodb:index:ReadCapacityUnits", 5, 100),
            (f"table/{outputs['table_name']}/index/by-day", "dynamodb:index:WriteCapacityUnits", 2, 40),
        }
        policies = scaling.describe_scaling_policies(ServiceNamespace="dynamodb")["ScalingPolicies"]
        assert sorted(p["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] for p in policies) == [
            50,
            50,
            70,
            70,
        ]
