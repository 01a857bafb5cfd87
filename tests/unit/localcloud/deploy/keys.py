"""Customer-managed keys for the deploy tests: created in the emulator under a policy that delegates to IAM."""

from __future__ import annotations

import json

from pulumi_wasp.localcloud.emulator import Emulator

ACCOUNT, REGION = "123456789012", "eu-west-1"
#: The account administers and may use the key (a key policy that delegates to IAM, as kms.Key's default does).
ADMINISTERED = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def new_key(emulator: Emulator, *statements: dict[str, object]) -> str:
    """A key whose policy is :data:`ADMINISTERED` plus ``statements``; its ARN."""
    policy = json.dumps({"Version": "2012-10-17", "Statement": [ADMINISTERED, *statements]})
    return str(emulator.client("kms").create_key(Policy=policy)["KeyMetadata"]["Arn"])
