"""Customer-managed KMS keys for services that publish to encrypted resources.

EventBridge and CloudWatch alarms cannot publish to an SNS topic encrypted with the
AWS-managed ``alias/aws/sns`` key (its policy cannot grant them), so encrypted topics that
those services feed get a key of their own that names them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_aws import kms

from pulumi_wasp.components.shared.account import deploying_account


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
