"""A function's environment key and a state machine's key reach the emulator. The deploy lists the function as
adjusted (nothing local uses its key, so no key policy or grant for it is checked: never silently); the state
machine's key is evaluated by the local cloud's IAM, so the machine is created as given."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest
from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import DeployContext
from pulumi_wasp.localcloud.deploy.lambda_ import ENVIRONMENT_KEY_NOT_EVALUATED, function
from pulumi_wasp.localcloud.deploy.registry import Registry
from pulumi_wasp.localcloud.deploy.sfn import state_machine
from pulumi_wasp.localcloud.emulator import Emulator

KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::123456789012:role/app"
PASS = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    started = Emulator("eu-west-1", iam=False).start()
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    started.client("iam").create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(trust))
    yield started
    started.stop()


def deploy_function(emulator: Emulator, tmp_path: Path, name: str, **inputs: object) -> Registry:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    registry = Registry()
    args = {"name": name, "runtime": "python3.11", "handler": "app.handler", "role": ROLE, **inputs}
    args["code"] = pulumi.FileArchive(".")
    function(DeployContext(emulator, registry, tmp_path), MockResourceArgs("aws:lambda/function:Function", name, args))
    return registry


def deploy_state_machine(emulator: Emulator, name: str, **inputs: object) -> Registry:
    registry = Registry()
    args = {"name": name, "definition": PASS, "roleArn": ROLE, **inputs}
    machine = MockResourceArgs("aws:sfn/stateMachine:StateMachine", name, args)
    state_machine(DeployContext(emulator, registry, Path.cwd()), machine)
    return registry


def test_a_function_with_an_environment_key_is_created_with_it_and_listed_as_adjusted(
    emulator: Emulator, tmp_path: Path
) -> None:
    registry = deploy_function(emulator, tmp_path, "keyed-fn", kmsKeyArn=KEY)
    configuration = emulator.client("lambda").get_function_configuration(FunctionName="keyed-fn")
    assert configuration["KMSKeyArn"] == KEY
    assert [(entry.name, entry.reason) for entry in registry.adjusted] == [("keyed-fn", ENVIRONMENT_KEY_NOT_EVALUATED)]


def test_a_function_without_a_key_is_not_listed_as_adjusted(emulator: Emulator, tmp_path: Path) -> None:
    assert deploy_function(emulator, tmp_path, "plain-fn").adjusted == []


def test_a_state_machine_under_a_customer_managed_key_is_created_with_it_and_not_listed_as_adjusted(
    emulator: Emulator,
) -> None:
    # The local cloud's IAM evaluates the key (tests/e2e/test_kms_state_machines.py): nothing is left out.
    encryption = {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": KEY, "kmsDataKeyReusePeriodSeconds": 300}
    registry = deploy_state_machine(emulator, "keyed-saga", encryptionConfiguration=encryption)
    client = emulator.client("stepfunctions")
    arn = next(m["stateMachineArn"] for m in client.list_state_machines()["stateMachines"] if m["name"] == "keyed-saga")
    assert client.describe_state_machine(stateMachineArn=arn)["encryptionConfiguration"] == encryption
    assert registry.adjusted == []


def test_a_state_machines_data_key_reuse_period_given_as_the_engines_float_is_created_in_whole_seconds(
    emulator: Emulator,
) -> None:
    encryption = {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": KEY, "kmsDataKeyReusePeriodSeconds": 300.0}
    deploy_state_machine(emulator, "reusing-saga", encryptionConfiguration=encryption)
    client = emulator.client("stepfunctions")
    arn = next(
        m["stateMachineArn"] for m in client.list_state_machines()["stateMachines"] if m["name"] == "reusing-saga"
    )
    described = client.describe_state_machine(stateMachineArn=arn)["encryptionConfiguration"]
    assert described["kmsDataKeyReusePeriodSeconds"] == 300


def test_a_state_machine_under_an_aws_owned_key_is_not_listed_as_adjusted(emulator: Emulator) -> None:
    encryption = {"type": "AWS_OWNED_KEY"}
    assert deploy_state_machine(emulator, "plain-saga", encryptionConfiguration=encryption).adjusted == []
