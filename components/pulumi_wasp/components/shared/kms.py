"""Customer-managed KMS keys for services that publish to encrypted resources.

EventBridge and CloudWatch alarms cannot publish to an SNS topic encrypted with the
AWS-managed ``alias/aws/sns`` key (its policy cannot grant them), so encrypted topics that
those services feed get a key of their own that names them; so do queues that ask for one
(SNS, EventBridge and S3 deliver to them).

A key the user passes is granted to the roles the components create by its ARN (IAM policies
name keys by ARN only); its key policy is the user's, and must delegate to IAM (the account's
``:root`` principal) and allow the services that deliver on their own behalf.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_aws import kms

from pulumi_wasp.components.shared.account import deploying_account

#: AWS-managed keys (``alias/aws/sqs``, ``alias/aws/kinesis``...): their key policies let every principal of
#: the account use them through their service, so there is nothing to grant.
AWS_MANAGED_ALIAS = "alias/aws/"


def customer_key_arn(key: pulumi.Input[str] | None, arg: str) -> pulumi.Input[str] | None:
    """The ARN of the customer-managed key ``key`` (given as ``arg``) to grant producers and consumers; None for
    no key or an AWS-managed one. A key id or a custom alias is an error: IAM grants a key by its ARN."""
    if key is None or (isinstance(key, str) and key.startswith(AWS_MANAGED_ALIAS)):
        return None
    if isinstance(key, str) and (not key.startswith("arn:aws") or ":alias/" in key):
        raise ValueError(
            f"{arg}: give the key's ARN (arn:aws:kms:<region>:<account>:key/<id>), got {key!r}: the components grant "
            "the key to the producers and consumers they wire, and IAM names a key by its key ARN (not an alias)"
        )
    return key


def service_key(
    name: str,
    services: Sequence[str],
    *,
    description: str,
    parent: pulumi.Resource,
    tags: dict[str, str],
) -> kms.Key:
    """A rotating key the account administers and only ``services`` may use to encrypt."""
    account_id = deploying_account(parent)
    statements: list[dict] = [
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account_id, ":root")},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if services:
        statements.append(
            {
                "Sid": "ServicesEncrypt",
                "Effect": "Allow",
                "Principal": {"Service": sorted(set(services))},
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        )
    return kms.Key(
        f"{name}-key",
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements}),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
