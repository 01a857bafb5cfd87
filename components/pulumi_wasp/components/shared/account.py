"""The deploying account: the one invoke the components make (``sts:GetCallerIdentity``).

Everything else a component needs about where it runs is derived without an invoke: the
region from the stack config, the account of a resource from its ARN (:func:`iam.account_of`).
Only a KMS key policy needs the account before any resource of it exists.
"""

from __future__ import annotations

import os

import pulumi
import pulumi_aws as aws

from pulumi_wasp.components import defaults

CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"


def aws_region() -> str:
    """The region being deployed to: the stack config's ``aws:region``, else the environment's."""
    region = pulumi.Config("aws").get("region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise ValueError("no AWS region: set the stack config 'aws:region' (pulumi config set aws:region us-east-1)")
    return region


def deploying_account(parent: pulumi.Resource) -> pulumi.Output[str]:
    """The id of the account being deployed to.

    STS always answers one. Test mocks whose ``call`` returns ``{}`` do not: the account is then
    :data:`~pulumi_wasp.components.defaults.UNANSWERED_ACCOUNT_ID`, with a warning naming the invoke.
    """
    identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    return identity.account_id.apply(lambda account_id: _answered(account_id, parent))


def _answered(account_id: str | None, parent: pulumi.Resource) -> str:
    if account_id:
        return account_id
    pulumi.log.warn(
        f"{CALLER_IDENTITY} answered no accountId (mocks whose call returns {{}}?): "
        f"using the placeholder account {defaults.UNANSWERED_ACCOUNT_ID}",
        resource=parent,
    )
    return defaults.UNANSWERED_ACCOUNT_ID
