"""A log group under a customer-managed key is created only when the key policy lets CloudWatch Logs use the key for
that group, failing with CloudWatch Logs' AccessDeniedException otherwise (moto itself never checks)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.cloudwatch import log_group
from pulumi_wasp.localcloud.deploy.context import DeployContext
from pulumi_wasp.localcloud.deploy.registry import Registry
from pulumi_wasp.localcloud.emulator import Emulator
from tests.unit.localcloud.deploy.keys import ACCOUNT, REGION, new_key


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    started = Emulator(REGION).start()
    yield started
    started.stop()


def logs_may_use_for(group: str) -> dict[str, object]:
    """AWS's documented statement for a log group's key."""
    return {
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
        "Condition": {
            "ArnEquals": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"}
        },
    }


def create(emulator: Emulator, name: str, **inputs: object) -> None:
    args = MockResourceArgs("aws:cloudwatch/logGroup:LogGroup", name, {"name": name, **inputs})
    log_group(DeployContext(emulator, Registry(), Path.cwd()), args)


def test_a_log_group_whose_key_policy_lets_cloudwatch_logs_use_the_key_for_it_is_created_with_the_key(
    emulator: Emulator,
) -> None:
    key = new_key(emulator, logs_may_use_for("/aws/lambda/allowed"))
    create(emulator, "/aws/lambda/allowed", kmsKeyId=key)
    [group] = emulator.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/allowed")["logGroups"]
    assert group["kmsKeyId"] == key


def test_a_log_group_whose_key_policy_does_not_let_cloudwatch_logs_use_the_key_is_refused_naming_group_and_key(
    emulator: Emulator,
) -> None:
    key = new_key(emulator)
    with pytest.raises(ClientError) as refused:
        create(emulator, "/aws/lambda/refused", kmsKeyId=key)
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/refused"
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert refused.value.response["Error"]["Message"] == (
        f"The specified KMS key does not exist or is not allowed to be used with Arn '{arn}' (User: "
        f"logs.{REGION}.amazonaws.com is not authorized to perform: kms:GenerateDataKey on resource: {key} because "
        "no resource-based policy allows the kms:GenerateDataKey action)"
    )
    assert emulator.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/refused")["logGroups"] == []


def test_a_key_policy_for_another_log_group_does_not_let_cloudwatch_logs_use_the_key(emulator: Emulator) -> None:
    key = new_key(emulator, logs_may_use_for("/aws/lambda/other"))
    with pytest.raises(ClientError, match="AccessDeniedException"):
        create(emulator, "/aws/lambda/mine", kmsKeyId=key)


def test_a_log_group_key_the_emulator_does_not_hold_is_refused(emulator: Emulator) -> None:
    missing = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
    with pytest.raises(ClientError, match=f"the key {missing} is not in the emulator"):
        create(emulator, "/aws/lambda/unknown-key", kmsKeyId=missing)


def test_a_disabled_log_group_key_is_refused_though_its_policy_lets_cloudwatch_logs_use_it(emulator: Emulator) -> None:
    key = new_key(emulator, logs_may_use_for("/aws/lambda/disabled-key"))
    emulator.client("kms").disable_key(KeyId=key.rsplit("/", 1)[1])  # moto takes only the id
    with pytest.raises(ClientError, match=f"the key {key} is Disabled"):
        create(emulator, "/aws/lambda/disabled-key", kmsKeyId=key)


def test_a_log_group_without_a_key_is_created_without_a_key_decision(emulator: Emulator) -> None:
    assert emulator.iam is not None
    decisions = emulator.iam.decisions
    create(emulator, "/aws/lambda/plain")
    assert emulator.iam.decisions == decisions
