"""Rotation of a generated HMAC secret: the toolkit's rotation function, its invoke permission and the schedule.

The function (:mod:`pulumi_wasp.handlers.hmac_secret_rotation`) runs Secrets Manager's four steps and generates a
new random value each time; Secrets Manager alone may invoke it, for this secret alone, and its role may read and
relabel this secret's versions and nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_aws import lambda_, secretsmanager

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import ServerlessFunction, ServerlessFunctionArgs, VpcArgs
from pulumi_wasp.components.shared import children, iam
from pulumi_wasp.handlers import code_path

#: The rotation function's handler, in the folder packaged as its code (pulumi_wasp/handlers/hmac_secret_rotation).
HANDLER = "hmac_secret_rotation.rotation.handler"
#: Secrets Manager's bounds on AutomaticallyAfterDays.
_ROTATION_DAYS = (1, 1000)
#: A rotation step reads or writes one secret version: seconds, with room for Secrets Manager's retries.
_ROTATION_TIMEOUT_SECONDS = 30


@dataclass(frozen=True, kw_only=True)
class SecretRotationArgs:
    """How often a generated secret rotates."""

    #: defaults.SECRET_ROTATION_DAYS (30): a leaked value is useful for a month at most; the sender re-reads the
    #: secret within that time (the value before stays valid until the next rotation).
    every_days: int = defaults.SECRET_ROTATION_DAYS
    #: Rotate once at deploy (True by default): the secret gets its first value then, so it never sits empty.
    rotate_immediately: bool = True
    #: Attach the rotation function to a VPC (its role gets the network-interface permissions, see
    #: :class:`VpcArgs`); its subnets must reach Secrets Manager (NAT or a VPC endpoint). None: Lambda's network.
    vpc: VpcArgs | None = None
    #: Keyword arguments of ``aws.lambda_.Function`` merged over the rotation function's defaults (as
    #: ``ServerlessFunctionArgs.overrides``: ``tags`` and ``environment.variables`` merge, an unknown key fails).
    function_overrides: Mapping[str, Any] = field(default_factory=dict)

    def validate(self, owner: str) -> None:
        children.check_keys(lambda_.Function, self.function_overrides, arg=f"{owner}.function_overrides")
        if self.vpc is not None:
            self.vpc.validate()
        low, high = _ROTATION_DAYS
        if not low <= self.every_days <= high:
            raise ValueError(
                f"{owner}.every_days must be {low}..{high} (Secrets Manager's range), got {self.every_days}"
            )


def rotate(
    name: str,
    secret: secretsmanager.Secret,
    args: SecretRotationArgs,
    *,
    kms_key_arn: pulumi.Input[str] | None,
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> ServerlessFunction:
    """Deploy the rotation function of ``secret`` (``<name>-rotation``) and schedule its rotation."""
    child = pulumi.ResourceOptions(parent=parent)
    permissions = [iam.secret_rotate(secret.arn)]
    if kms_key_arn is not None:
        # New versions are encrypted and read back through Secrets Manager only.
        permissions.append(iam.kms_encrypt(kms_key_arn, "secretsmanager"))
    function = ServerlessFunction(
        f"{name}-rotation",
        ServerlessFunctionArgs(
            handler=HANDLER,
            code=[os.path.relpath(code_path("hmac_secret_rotation"))],
            description=f"Rotates the {name} secret (new random HMAC key)",
            timeout_seconds=_ROTATION_TIMEOUT_SECONDS,
            # Secrets Manager rotates one secret at a time: one environment is all it needs.
            reserved_concurrency=1,
            permissions=permissions,
            vpc=args.vpc,
            overrides=args.function_overrides,
            tags=tags,
        ),
        child,
    )
    permission = lambda_.Permission(
        f"{name}-rotation-permission",
        action="lambda:InvokeFunction",
        function=function.name,
        principal="secretsmanager.amazonaws.com",
        source_arn=secret.arn,
        opts=child,
    )
    secretsmanager.SecretRotation(
        f"{name}-rotation-schedule",
        secret_id=secret.arn,
        rotation_lambda_arn=function.arn,
        rotation_rules={"automatically_after_days": args.every_days},
        rotate_immediately=args.rotate_immediately,
        # Secrets Manager invokes the function as soon as rotation is configured.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[permission]),
    )
    return function
