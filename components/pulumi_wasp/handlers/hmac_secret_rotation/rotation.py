"""Rotate a generated HMAC signing secret: Secrets Manager's four steps, each idempotent (it retries them).

Secrets Manager invokes the function with ``{"Step", "SecretId", "ClientRequestToken"}`` for each step in turn:

- ``createSecret``: store a new random value as the token's version, labelled AWSPENDING (kept if already there).
- ``setSecret``: nothing to set: an HMAC secret has no server-side credential; the sender reads the new value.
- ``testSecret``: the pending value is a well-formed key (enough entropy to sign with).
- ``finishSecret``: move AWSCURRENT to the token's version; the old value stays readable as AWSPREVIOUS, so a
  verifier that also accepts it keeps working until the sender has switched.

The first rotation (at deploy, when the secret has no value yet) creates the first value the same way. Only boto3
and the standard library: nothing to package beside this file.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
from typing import Any

import boto3
from botocore.exceptions import ClientError

#: 32 random bytes, URL-safe base64 (43 characters): the same form as a value the component generates.
SECRET_BYTES = int(os.environ.get("HMAC_SECRET_BYTES", "32"))
PENDING, CURRENT = "AWSPENDING", "AWSCURRENT"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")

logger = logging.getLogger()
logger.setLevel(os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"))


class RotationError(Exception):
    """The rotation cannot proceed as asked; Secrets Manager records the failure and retries."""


def handler(event: dict[str, Any], context: Any = None, client: Any = None) -> None:
    step, secret_id, token = event.get("Step"), event.get("SecretId"), event.get("ClientRequestToken")
    if step not in STEPS:
        raise RotationError(f"unknown rotation step {step!r}: expected one of {', '.join(STEPS)}")
    if not secret_id or not token:
        raise RotationError("the event needs SecretId and ClientRequestToken")
    client = client or boto3.client("secretsmanager")
    stages = client.describe_secret(SecretId=secret_id).get("VersionIdsToStages", {})
    labels = stages.get(token)
    # RotateSecret labels the token's (empty) version AWSPENDING before createSecret, which then gives it its value.
    if labels is None and step != "createSecret":
        raise RotationError(f"secret {secret_id}: version {token} is not one of its versions")
    if labels and CURRENT in labels:
        # A secret's first value is AWSCURRENT as soon as it is put; finishing only drops its AWSPENDING label.
        if step == "finishSecret" and PENDING in labels:
            client.update_secret_version_stage(SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=token)
        logger.info("secret %s: version %s is already AWSCURRENT", secret_id, token)
        return
    if labels is not None and PENDING not in labels:
        raise RotationError(f"secret {secret_id}: version {token} is not AWSPENDING")
    logger.info("secret %s: %s for version %s", secret_id, step, token)
    if step == "createSecret":
        create_secret(client, secret_id, token)
    elif step == "testSecret":
        test_secret(client, secret_id, token)
    elif step == "finishSecret":
        finish_secret(client, secret_id, token, stages)


def create_secret(client: Any, secret_id: str, token: str) -> None:
    try:
        client.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING)
        logger.info("secret %s: version %s already has its value", secret_id, token)
        return
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    value = secrets.token_urlsafe(SECRET_BYTES)
    client.put_secret_value(SecretId=secret_id, ClientRequestToken=token, SecretString=value, VersionStages=[PENDING])


def test_secret(client: Any, secret_id: str, token: str) -> None:
    value = client.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING).get("SecretString")
    if len(key_bytes(value or "")) < SECRET_BYTES:
        raise RotationError(f"secret {secret_id}: the pending value is not a key of {SECRET_BYTES} random bytes")


def finish_secret(client: Any, secret_id: str, token: str, stages: dict[str, list[str]]) -> None:
    current = next((version for version, labels in stages.items() if CURRENT in labels), None)
    move: dict[str, str] = {"MoveToVersionId": token}
    if current is not None:
        move["RemoveFromVersionId"] = current
    client.update_secret_version_stage(SecretId=secret_id, VersionStage=CURRENT, **move)
    # The token's version is AWSCURRENT now; its AWSPENDING label would make the next rotation look unfinished.
    client.update_secret_version_stage(SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=token)
    logger.info("secret %s: version %s is AWSCURRENT (was %s)", secret_id, token, current)


def key_bytes(value: str) -> bytes:
    """The raw key of a URL-safe base64 value; empty when it is not one."""
    try:
        return base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return b""
