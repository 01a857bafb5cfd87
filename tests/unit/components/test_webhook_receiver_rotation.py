"""WebhookReceiver's secret rotation: the toolkit's rotation function on a schedule, or an exemption with a reason."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import (
    QueueProcessorArgs,
    SecretRotationArgs,
    StackContext,
    VpcArgs,
    WebhookReceiverArgs,
    use_stack_context,
)
from pulumi_wasp.components.shared.exemptions import EXEMPT_TAG_PREFIX
from pulumi_wasp.components.shared.rotation import HANDLER
from pulumi_wasp.policies import common
from tests.unit.components.synth_helpers import function_args, webhook_receiver
from tests.unit.conftest import one, policy, synth, within

FUNCTION = "aws:lambda/function:Function"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SECRET = "aws:secretsmanager/secret:Secret"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/webhooks"
ALARMS = "arn:aws:sns:eu-west-1:123456789012:alarms"
REASON = "issued by the provider: rotated with them by hand"
ROTATION_EXEMPTION_TAG = f"{EXEMPT_TAG_PREFIX}secret-rotation"


def program() -> None:
    use_stack_context(StackContext(alarm_topic_arn=ALARMS))
    webhook_receiver("payments", rotation=SecretRotationArgs())
    webhook_receiver(
        "partners", rotation=SecretRotationArgs(every_days=7, rotate_immediately=False), secret_kms_key_arn=KEY
    )
    webhook_receiver("crm", rotation_exemption=REASON)
    webhook_receiver("legacy")


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def rotation_function(stack, name="payments"):
    return stack.named(f"{name}-rotation-function", FUNCTION)


def test_the_secret_rotates_every_30_days_by_the_rotation_function_first_at_deploy(stack):
    schedule = one(stack, "payments", ROTATION).inputs
    assert schedule["secretId"] == one(stack, "payments", SECRET).outputs["arn"]
    assert schedule["rotationLambdaArn"] == rotation_function(stack).outputs["arn"]
    assert schedule["rotationRules"] == {"automaticallyAfterDays": 30}
    assert schedule["rotateImmediately"] is True


def test_the_interval_and_the_first_rotation_follow_the_args(stack):
    schedule = one(stack, "partners", ROTATION).inputs
    assert schedule["rotationRules"] == {"automaticallyAfterDays": 7} and schedule["rotateImmediately"] is False


def test_the_rotation_function_is_the_toolkits_packaged_handler(stack):
    inputs = rotation_function(stack).inputs
    assert inputs["handler"] == HANDLER
    [folder] = inputs["code"]["assets"].values()
    assert folder["path"].endswith("pulumi_wasp/handlers/hmac_secret_rotation")


def test_only_secrets_manager_may_invoke_the_rotation_function_and_only_for_this_secret(stack):
    permission = stack.named("payments-rotation-permission").inputs
    assert permission["principal"] == "secretsmanager.amazonaws.com"
    assert permission["sourceArn"] == one(stack, "payments", SECRET).outputs["arn"]
    assert permission["function"] == rotation_function(stack).outputs["name"]


def test_rotation_is_configured_once_secrets_manager_may_invoke_the_function(stack):
    permission = stack.named("payments-rotation-permission")
    assert permission.urn in one(stack, "payments", ROTATION).dependencies


def test_the_rotation_function_may_read_and_relabel_only_its_secret(stack):
    statements = policy(stack.named("payments-rotation-policy"))["Statement"]
    [statement] = [s for s in statements if any(a.startswith("secretsmanager:") for a in s["Action"])]
    assert sorted(statement["Action"]) == [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
    ]
    assert statement["Resource"] == [one(stack, "payments", SECRET).outputs["arn"]]


def test_with_a_kms_key_the_rotation_function_may_encrypt_and_decrypt_with_that_key_through_secrets_manager_only(stack):
    statements = policy(stack.named("partners-rotation-policy"))["Statement"]
    [kms] = [s for s in statements if any(a.startswith("kms:") for a in s["Action"])]
    assert sorted(kms["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"] and kms["Resource"] == [KEY]
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}


def test_the_rotation_function_alarms_on_errors_to_the_alarm_topic(stack):
    alarms = [a.inputs for a in within(stack, "payments-rotation", "aws:cloudwatch/metricAlarm:MetricAlarm")]
    errors = next(a for a in alarms if a["metricName"] == "Errors")
    assert errors["alarmActions"] == [ALARMS]


def test_a_rotated_secret_gets_no_value_from_pulumi(stack):
    assert within(stack, "payments", "aws:secretsmanager/secretVersion:SecretVersion") == []


def test_an_exemption_tags_the_secret_with_the_reason_for_the_policy_pack(stack):
    assert common.EXEMPT_TAG_PREFIX == EXEMPT_TAG_PREFIX
    assert one(stack, "crm", SECRET).inputs["tags"][ROTATION_EXEMPTION_TAG] == REASON
    assert within(stack, "crm", ROTATION) == []


def test_without_rotation_or_exemption_the_secret_neither_rotates_nor_is_exempt(stack):
    assert within(stack, "legacy", ROTATION) == []
    assert ROTATION_EXEMPTION_TAG not in one(stack, "legacy", SECRET).inputs["tags"]


def args(**overrides) -> WebhookReceiverArgs:
    return WebhookReceiverArgs(
        path="/webhooks/x",
        verifier=function_args(),
        processor=QueueProcessorArgs(function=function_args()),
        **overrides,
    )


def test_rotation_with_a_generated_secret_is_an_error():
    with pytest.raises(ValueError, match="rotation generates the secret's values itself"):
        args(rotation=SecretRotationArgs(), generate_secret=True).validate()


def test_rotation_with_an_exemption_is_an_error():
    with pytest.raises(ValueError, match="set rotation or rotation_exemption, not both"):
        args(rotation=SecretRotationArgs(), rotation_exemption=REASON).validate()


def test_an_interval_secrets_manager_refuses_is_an_error_naming_the_field():
    with pytest.raises(ValueError, match=r"WebhookReceiverArgs\.rotation\.every_days must be 1\.\.1000"):
        args(rotation=SecretRotationArgs(every_days=0)).validate()


@pytest.mark.parametrize("reason", ["because", "x" * 257, "rotated by hand; see <wiki>"])
def test_an_exemption_that_is_no_reason_or_no_tag_value_is_an_error(reason):
    with pytest.raises(ValueError, match=r"WebhookReceiverArgs\.rotation_exemption must be a reason of 10\.\.256"):
        args(rotation_exemption=reason).validate()


def test_the_rotation_function_takes_a_vpc_with_its_network_interface_permissions_and_overrides():
    vpc = VpcArgs(subnet_ids=["subnet-0a"], security_group_ids=["sg-01"])
    rotation = SecretRotationArgs(vpc=vpc, function_overrides={"memory_size": 512})
    stack = synth(lambda: webhook_receiver("vpc", rotation=rotation))
    function = one(stack, "vpc-rotation", FUNCTION)
    assert (function.inputs["vpcConfig"]["subnetIds"], function.inputs["memorySize"]) == (["subnet-0a"], 512)
    actions = {
        a for s in policy(one(stack, "vpc-rotation", "aws:iam/rolePolicy:RolePolicy"))["Statement"] for a in s["Action"]
    }
    assert "ec2:CreateNetworkInterface" in actions


def test_an_unknown_rotation_function_override_fails_naming_the_arg():
    with pytest.raises(ValueError, match=r"WebhookReceiverArgs.rotation.function_overrides: 'memory' is not a keyword"):
        SecretRotationArgs(function_overrides={"memory": 512}).validate("WebhookReceiverArgs.rotation")
