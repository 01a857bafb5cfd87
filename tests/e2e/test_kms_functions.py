"""Customer-managed keys of functions in the local cloud, end to end: Lambda decrypts a function's environment
variables for each invocation with the execution role, as its policies and the key policy allow
(tests/e2e/programs/environment_keyed). Log groups: test_kms_log_groups.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pulumi_wasp.localcloud.cloud import LocalCloud

PROGRAMS = Path(__file__).resolve().parent / "programs"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    with LocalCloud(PROGRAMS / "environment_keyed", state=tmp_path_factory.mktemp("environment-keyed")) as started:
        yield started


def invoke(cloud: LocalCloud, output: str) -> Any:
    assert cloud.deployment is not None and cloud.emulator is not None
    return cloud.emulator.client("lambda").invoke(FunctionName=cloud.deployment.outputs[output], Payload=b"{}")


def test_a_function_whose_environment_key_lambda_may_use_runs_with_its_variables_in_clear(cloud: LocalCloud) -> None:
    response = invoke(cloud, "granted")
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"secret": "s3cr3t"}


def test_a_function_whose_key_policy_does_not_allow_its_role_fails_each_invocation_with_kms_access_denied(
    cloud: LocalCloud,
) -> None:
    assert cloud.deployment is not None
    name = cloud.deployment.outputs["denied"]
    for _ in range(2):
        with pytest.raises(ClientError) as refused:
            invoke(cloud, "denied")
        error = refused.value.response
        assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
            "KMSAccessDeniedException",
            502,
        )
        assert error["Error"]["Message"].startswith(
            "Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the "
            "function's KMS key settings. KMS Exception: AccessDeniedExceptionKMS Message: User: "
        )
        assert (
            f"/{name} is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:" in error["Error"]["Message"]
        )
        assert error["Error"]["Message"].endswith("because no resource-based policy allows the kms:Decrypt action")
    # The handler never ran: no environment was started, nothing was logged.
    assert not (cloud.state_dir / "logs" / f"{name}.log").exists()
