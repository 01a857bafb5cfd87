"""KMS: customer-managed keys (their policies are stored, not enforced, by the emulator)."""

from __future__ import annotations

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import Creator, DeployContext, Outputs, compact, tags, value


def key(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    kms = ctx.client("kms")
    request = compact(
        Description=value(args, "description"),
        Policy=value(args, "policy"),
        KeyUsage=value(args, "keyUsage"),
        KeySpec=value(args, "customerMasterKeySpec"),
    )
    metadata = kms.create_key(**request, Tags=[{"TagKey": k, "TagValue": v} for k, v in tags(args).items()])[
        "KeyMetadata"
    ]
    if value(args, "enableKeyRotation"):
        kms.enable_key_rotation(KeyId=metadata["KeyId"])
    return metadata["KeyId"], {"arn": metadata["Arn"], "keyId": metadata["KeyId"]}


def alias(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = value(args, "name")
    ctx.client("kms").create_alias(AliasName=name, TargetKeyId=value(args, "targetKeyId"))
    return name, {"arn": ctx.arn("kms", name)}


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"kms": "list_keys"}
RESOURCES: dict[str, Creator] = {
    "aws:kms/key:Key": key,
    "aws:kms/alias:Alias": alias,
}
