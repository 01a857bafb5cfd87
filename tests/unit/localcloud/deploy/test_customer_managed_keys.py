"""A state machine's key reaches the emulator and the machine is created as given: the local cloud's IAM
evaluates its key (tests/unit/localcloud/iam, tests/e2e/test_kms_state_machines.py). A function's environment
key is evaluated too: test_lambda_environment_key.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import DeployContext
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


def deploy_state_machine(emulator: Emulator, name: str, **inputs: object) -> Registry:
    registry = Registry()
    args = {"name": name, "definition": PASS, "roleArn": ROLE, **inputs}
    machine = MockResourceArgs("aws:sfn/stateMachine:StateMachine", name, args)
    state_machine(DeployContext(emulator, registry, Path.cwd()), machine)
    return registry


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
