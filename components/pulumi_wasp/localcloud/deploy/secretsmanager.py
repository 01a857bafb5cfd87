"""Secrets Manager: secrets and their values."""

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


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"secretsmanager": "list_secrets"}
RESOURCES: dict[str, Creator] = {
    "aws:secretsmanager/secret:Secret": secret,
    "aws:secretsmanager/secretVersion:SecretVersion": secret_version,
}
