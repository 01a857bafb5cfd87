"""WAF (v2): web ACLs, their associations with API stages and their logging, stored in the emulator as declared.

The emulator keeps a web ACL's rules but inspects no request: locally nothing is blocked by WAF, which the report
says for every web ACL (API Gateway's throttling and the handlers still apply).
"""

from __future__ import annotations

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import (
    Creator,
    DeployContext,
    Outputs,
    api_shape,
    compact,
    physical_name,
    tag_list,
    value,
)
from pulumi_wasp.localcloud.deploy.registry import Skipped

#: Pulumi input keys whose WAF API names are not the plain PascalCase of the key.
_WAF_NAMES = {"cloudwatchMetricsEnabled": "CloudWatchMetricsEnabled"}


def web_acl(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    request = compact(
        Description=value(args, "description"),
        Rules=api_shape(value(args, "rules"), _WAF_NAMES),
        Tags=tag_list(args) or None,
    )
    summary = ctx.client("wafv2").create_web_acl(
        Name=name,
        Scope=value(args, "scope"),
        DefaultAction=api_shape(value(args, "defaultAction"), _WAF_NAMES),
        VisibilityConfig=api_shape(value(args, "visibilityConfig"), _WAF_NAMES),
        **request,
    )["Summary"]
    reason = "web ACL stored with its rules; the emulator inspects no request, so nothing is blocked by WAF locally"
    ctx.registry.adjust(Skipped(args.typ, args.name, reason))
    return summary["Id"], {"arn": summary["ARN"], "name": name, "lockToken": summary["LockToken"]}


def web_acl_association(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    acl, resource = value(args, "webAclArn"), value(args, "resourceArn")
    ctx.client("wafv2").associate_web_acl(WebACLArn=acl, ResourceArn=resource)
    return f"{acl},{resource}", {}


def logging_configuration(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    configuration = compact(
        ResourceArn=value(args, "resourceArn"),
        LogDestinationConfigs=value(args, "logDestinationConfigs"),
        RedactedFields=api_shape(value(args, "redactedFields"), _WAF_NAMES),
    )
    ctx.client("wafv2").put_logging_configuration(LoggingConfiguration=configuration)
    return configuration["ResourceArn"], {}


#: No warm-up: every WAF read needs a Scope (and a stack has one web ACL per API at most).
WARM_UP: dict[str, str] = {}
RESOURCES: dict[str, Creator] = {
    "aws:wafv2/webAcl:WebAcl": web_acl,
    "aws:wafv2/webAclAssociation:WebAclAssociation": web_acl_association,
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": logging_configuration,
}
