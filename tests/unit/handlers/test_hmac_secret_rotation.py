"""The HMAC secret rotation function: Secrets Manager's four steps against moto's Secrets Manager."""

from __future__ import annotations

import uuid

import boto3
import pytest
from moto import mock_aws

from pulumi_wasp.handlers.hmac_secret_rotation.rotation import STEPS, RotationError, handler, key_bytes

SECRET = "payments-webhook-secret"


@pytest.fixture
def client():
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-west-1")
        client.create_secret(Name=SECRET)
        yield client


def rotate(client, token: str | None = None) -> str:
    token = token or str(uuid.uuid4())
    for step in STEPS:
        handler({"Step": step, "SecretId": SECRET, "ClientRequestToken": token}, client=client)
    return token


def value(client, stage: str = "AWSCURRENT") -> str:
    return client.get_secret_value(SecretId=SECRET, VersionStage=stage)["SecretString"]


def test_the_first_rotation_gives_a_secret_without_a_value_its_first_value(client):
    token = rotate(client)
    current = client.get_secret_value(SecretId=SECRET)
    assert current["VersionId"] == token and len(key_bytes(current["SecretString"])) == 32


def test_the_first_rotation_leaves_its_version_current_and_not_pending(client):
    token = rotate(client)
    assert client.describe_secret(SecretId=SECRET)["VersionIdsToStages"] == {token: ["AWSCURRENT"]}


def test_a_rotation_makes_a_new_random_value_current_and_keeps_the_old_one_as_previous(client):
    rotate(client)
    first = value(client)
    rotate(client)
    assert value(client) != first
    assert value(client, "AWSPREVIOUS") == first


def test_after_a_rotation_no_version_is_left_pending(client):
    rotate(client)
    rotate(client)
    stages = client.describe_secret(SecretId=SECRET)["VersionIdsToStages"]
    assert not [version for version, labels in stages.items() if "AWSPENDING" in labels]


def test_create_secret_is_idempotent_for_one_token(client):
    rotate(client)
    token = str(uuid.uuid4())
    event = {"Step": "createSecret", "SecretId": SECRET, "ClientRequestToken": token}
    handler(event, client=client)
    pending = value(client, "AWSPENDING")
    handler(event, client=client)
    assert value(client, "AWSPENDING") == pending


def test_a_step_for_a_version_that_is_already_current_changes_nothing(client):
    token = rotate(client)
    current = value(client)
    handler({"Step": "finishSecret", "SecretId": SECRET, "ClientRequestToken": token}, client=client)
    assert value(client) == current


def test_a_pending_value_too_short_to_sign_with_fails_the_test_step(client):
    rotate(client)
    token = str(uuid.uuid4())
    client.put_secret_value(
        SecretId=SECRET, ClientRequestToken=token, SecretString="short", VersionStages=["AWSPENDING"]
    )
    with pytest.raises(RotationError, match="not a key of 32 random bytes"):
        handler({"Step": "testSecret", "SecretId": SECRET, "ClientRequestToken": token}, client=client)


def test_a_step_for_an_unknown_version_fails(client):
    with pytest.raises(RotationError, match="is not one of its versions"):
        handler({"Step": "finishSecret", "SecretId": SECRET, "ClientRequestToken": str(uuid.uuid4())}, client=client)


def test_an_unknown_step_fails_naming_the_steps(client):
    with pytest.raises(RotationError, match="unknown rotation step 'dropSecret'"):
        handler({"Step": "dropSecret", "SecretId": SECRET, "ClientRequestToken": "t"}, client=client)
