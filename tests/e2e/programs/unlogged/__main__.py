"""A function whose environment variables and log group are under a customer-managed key whose policy only delegates
to IAM: CloudWatch Logs may not use it, so the log group is refused and the function is not created because of it."""

import pulumi
import pulumi_aws as aws

from pulumi_wasp.components import ServerlessFunction, ServerlessFunctionArgs

# kms.Key's default policy: the account's root only (CloudWatch Logs, a service principal, is not delegated to).
unlogged_key = aws.kms.Key("unlogged", enable_key_rotation=True)
unlogged = ServerlessFunction(
    "unlogged",
    ServerlessFunctionArgs(
        handler="keyed.handler.environment", code=["../../functions/keyed"], alarms=False, kms_key_arn=unlogged_key.arn
    ),
)

pulumi.export("key", unlogged_key.arn)
pulumi.export("log_group", unlogged.log_group.name)
