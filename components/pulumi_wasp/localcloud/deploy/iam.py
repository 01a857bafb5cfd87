"""IAM: roles (Lambda's CreateFunction needs its role to exist) and their policies; stored, not enforced."""

from __future__ import annotations

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import (
    Creator,
    DeployContext,
    Outputs,
    compact,
    integer,
    physical_name,
    tag_list,
    value,
)


def role(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    request = compact(
        Path=value(args, "path"),
        Description=value(args, "description"),
        MaxSessionDuration=integer(args, "maxSessionDuration"),
        PermissionsBoundary=value(args, "permissionsBoundary"),
    )
    created = ctx.client("iam").create_role(
        RoleName=name, AssumeRolePolicyDocument=value(args, "assumeRolePolicy"), Tags=tag_list(args), **request
    )["Role"]
    return name, {
        "name": name,
        "arn": created["Arn"],
        "uniqueId": created["RoleId"],
        "createDate": created["CreateDate"].isoformat(),
    }


def role_policy(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name, role_name = physical_name(args), value(args, "role")
    ctx.client("iam").put_role_policy(RoleName=role_name, PolicyName=name, PolicyDocument=value(args, "policy"))
    return f"{role_name}:{name}", {"name": name}


def role_policy_attachment(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    role_name, policy_arn = value(args, "role"), value(args, "policyArn")
    ctx.client("iam").attach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
    return f"{role_name}-{policy_arn.rsplit('/', 1)[-1]}", {}


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"iam": "list_roles"}
RESOURCES: dict[str, Creator] = {
    "aws:iam/role:Role": role,
    "aws:iam/rolePolicy:RolePolicy": role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": role_policy_attachment,
}
