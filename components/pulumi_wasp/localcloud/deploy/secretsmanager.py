"""Secrets Manager: secrets, their values and their rotations (run by the local cloud, see :func:`rotation`)."""

from __future__ import annotations

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import (
    Creator,
    DeployContext,
    Outputs,
    compact,
    physical_name,
    tag_list,
    value,
)
from pulumi_wasp.localcloud.deploy.registry import Rotation, Skipped


def secret(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    request = compact(Description=value(args, "description"), KmsKeyId=value(args, "kmsKeyId"))
    arn = ctx.client("secretsmanager").create_secret(Name=name, Tags=tag_list(args), **request)["ARN"]
    ctx.registry.record("secrets", args.name, arn)
    return arn, {"name": name, "arn": arn}


def secret_version(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    secret_id = value(args, "secretId")
    request = compact(SecretString=value(args, "secretString"), VersionStages=value(args, "versionStages"))
    response = ctx.client("secretsmanager").put_secret_value(SecretId=secret_id, **request)
    return f"{response['ARN']}|{response['VersionId']}", {"arn": response["ARN"], "versionId": response["VersionId"]}


def rotation(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    """Recorded for the local cloud to run: moto's RotateSecret invokes the function inside the request, before the
    runtime that runs functions exists, and cannot rotate a secret that has no value yet (what a first rotation at
    deploy does). The cloud runs the four steps through the runtime once it is up; the schedule is not run."""
    rules = value(args, "rotationRules") or {}
    every_days = int(rules.get("automaticallyAfterDays") or 0)
    immediately = value(args, "rotateImmediately")
    spec = Rotation(
        secret_arn=value(args, "secretId"),
        function_arn=value(args, "rotationLambdaArn"),
        every_days=every_days,
        immediately=True if immediately is None else bool(immediately),
    )
    ctx.registry.record("rotations", args.name, spec)
    when = "once when the local cloud starts" if spec.immediately else "not before the schedule"
    reason = (
        f"rotation recorded, not in the emulator: the local cloud runs the rotation function's four steps {when}; "
        f"the every-{every_days}-days schedule is not run locally"
    )
    ctx.registry.adjust(Skipped(args.typ, args.name, reason))
    return spec.secret_arn, {"rotationEnabled": True}


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"secretsmanager": "list_secrets"}
RESOURCES: dict[str, Creator] = {
    "aws:secretsmanager/secret:Secret": secret,
    "aws:secretsmanager/secretVersion:SecretVersion": secret_version,
    "aws:secretsmanager/secretRotation:SecretRotation": rotation,
}
