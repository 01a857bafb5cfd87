"""A function's environment key: the deploy grants it to the execution role as Lambda does, and each invocation
decrypts as the role's policies and the key policy allow (the emulator's IAM), answering Lambda's KMS errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest
from botocore.exceptions import ClientError
from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import DeployContext
from pulumi_wasp.localcloud.deploy.lambda_ import function
from pulumi_wasp.localcloud.deploy.registry import Registry
from pulumi_wasp.localcloud.emulator import ENVIRONMENT_KEY_ERRORS, Emulator
from tests.unit.localcloud.deploy.keys import ACCOUNT, REGION, new_key

ROLE = f"arn:aws:iam::{ACCOUNT}:role/keyed-app"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    started = Emulator(REGION).start()
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    started.client("iam").create_role(RoleName="keyed-app", AssumeRolePolicyDocument=json.dumps(trust))
    yield started
    started.stop()


def deploy_function(emulator: Emulator, tmp_path: Path, name: str, **inputs: object) -> Registry:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    registry = Registry()
    args = {"name": name, "runtime": "python3.11", "handler": "app.handler", "role": ROLE, **inputs}
    args["code"] = pulumi.FileArchive(".")
    function(DeployContext(emulator, registry, tmp_path), MockResourceArgs("aws:lambda/function:Function", name, args))
    return registry


def arn_of(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def test_a_function_with_an_environment_key_is_created_with_it_and_not_listed_as_adjusted(
    emulator: Emulator, tmp_path: Path
) -> None:
    key = new_key(emulator)
    registry = deploy_function(emulator, tmp_path, "keyed-fn", kmsKeyArn=key)
    assert emulator.client("lambda").get_function_configuration(FunctionName="keyed-fn")["KMSKeyArn"] == key
    assert registry.adjusted == []
    assert registry.functions["keyed-fn"].kms_key_arn == key


def test_the_deploy_grants_the_environment_key_to_the_execution_role_for_the_functions_decryption(
    emulator: Emulator, tmp_path: Path
) -> None:
    key = new_key(emulator)
    deploy_function(emulator, tmp_path, "granted-fn", kmsKeyArn=key)
    [grant] = emulator.client("kms").list_grants(KeyId=key)["Grants"]
    assert (grant["GranteePrincipal"], grant["Operations"], grant["Constraints"]) == (
        ROLE,
        ["Decrypt"],
        {"EncryptionContextEquals": {"aws:lambda:FunctionArn": arn_of("granted-fn")}},
    )


def test_a_function_whose_environment_key_kms_cannot_grant_is_refused_with_lambdas_error(
    emulator: Emulator, tmp_path: Path
) -> None:
    missing = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
    with pytest.raises(ClientError) as refused:
        deploy_function(emulator, tmp_path, "ungranted-fn", kmsKeyArn=missing)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert refused.value.response["Error"]["Message"].startswith(
        "Lambda was unable to configure access to your environment variables because the KMS key is invalid for "
        "CreateGrant. Please check your KMS key settings. KMS Exception: NotFoundException"
    )


def test_lambda_decrypts_with_the_execution_roles_permission_not_on_its_grant_alone(
    emulator: Emulator, tmp_path: Path
) -> None:
    key = new_key(emulator)
    deploy_function(emulator, tmp_path, "decrypting-fn", kmsKeyArn=key)
    error_type, message = emulator.environment_key_error(arn_of("decrypting-fn"), key) or ("", "")
    assert error_type == "KMSAccessDeniedException"
    assert message.endswith("because no identity-based policy allows the kms:Decrypt action")
    through_lambda = {"StringEquals": {"kms:ViaService": f"lambda.{REGION}.amazonaws.com"}}
    allowed = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key, "Condition": through_lambda}
    emulator.client("iam").put_role_policy(
        RoleName="keyed-app",
        PolicyName="decrypt",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allowed]}),
    )
    assert emulator.environment_key_error(arn_of("decrypting-fn"), key) is None


def test_a_key_policy_denying_the_role_fails_the_invocation_with_kms_access_denied(
    emulator: Emulator, tmp_path: Path
) -> None:
    key = new_key(emulator, {"Effect": "Deny", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"})
    deploy_function(emulator, tmp_path, "denied-fn", kmsKeyArn=key)
    error_type, message = emulator.environment_key_error(arn_of("denied-fn"), key) or ("", "")
    assert error_type == "KMSAccessDeniedException"
    assert message == (
        ENVIRONMENT_KEY_ERRORS["denied"][1] + f"User: arn:aws:sts::{ACCOUNT}:assumed-role/keyed-app/denied-fn is not "
        f"authorized to perform: kms:Decrypt on resource: {key} with an explicit deny in a resource-based policy"
    )


def test_a_disabled_environment_key_fails_the_invocation_with_kms_disabled(emulator: Emulator, tmp_path: Path) -> None:
    key = new_key(emulator)
    deploy_function(emulator, tmp_path, "disabled-fn", kmsKeyArn=key)
    emulator.client("kms").disable_key(KeyId=key.rsplit("/", 1)[1])  # moto takes only the id
    assert emulator.environment_key_error(arn_of("disabled-fn"), key) == ENVIRONMENT_KEY_ERRORS["disabled"]


def test_an_environment_key_pending_deletion_fails_the_invocation_with_kms_invalid_state(
    emulator: Emulator, tmp_path: Path
) -> None:
    key = new_key(emulator)
    deploy_function(emulator, tmp_path, "deleted-fn", kmsKeyArn=key)
    emulator.client("kms").schedule_key_deletion(KeyId=key.rsplit("/", 1)[1], PendingWindowInDays=7)
    assert emulator.environment_key_error(arn_of("deleted-fn"), key) == ENVIRONMENT_KEY_ERRORS["invalid state"]


def test_an_environment_key_the_emulator_does_not_hold_fails_the_invocation_with_kms_not_found(
    emulator: Emulator,
) -> None:
    missing = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000001"
    assert emulator.environment_key_error(arn_of("keyed-fn"), missing) == ENVIRONMENT_KEY_ERRORS["missing"]
