"""Customer-managed KMS keys for services that publish to encrypted resources.

EventBridge and CloudWatch alarms cannot publish to an SNS topic encrypted with the
AWS-managed ``alias/aws/sns`` key (its policy cannot grant them), so encrypted topics that
those services feed get a key of their own that names them; so do queues that ask for one
(SNS, EventBridge and S3 deliver to them).

A key the user passes is granted to the roles the components create by its ARN (IAM policies
name keys by ARN only); its key policy is the user's, and must delegate to IAM (the account's
``:root`` principal) and allow the services that deliver on their own behalf. A component given only
the ARN cannot edit that policy: it logs which statements the policy needs (:func:`required_key_policy`)
and lists them in an attribute (``required_key_policy``), built here (:func:`delivery_statements`,
:func:`log_group_statement`, :func:`log_delivery_statement`) exactly as a key the components create carries them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_aws import kms

from pulumi_wasp.components.shared.account import aws_region, deploying_account
from pulumi_wasp.components.shared.resource_policies import ServiceSender

#: One statement of a key policy (values may be Outputs: serialise with ``pulumi.Output.json_dumps``).
KeyPolicyStatement = dict[str, Any]
#: What a service delivering on its own behalf (SNS, EventBridge or S3 to a queue or topic, CloudWatch alarms to a
#: topic) needs of the key of the resource it writes into: a data key, and Decrypt of the one the resource reuses.
DELIVERY_ACTIONS = ("kms:GenerateDataKey*", "kms:Decrypt")
#: What CloudWatch Logs needs of a log group's key (AWS's documented key policy for log group encryption).
LOGS_ACTIONS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*")

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


@dataclass(frozen=True)
class KeyPolicyGrant:
    """Statements the policy of the customer-managed key ``key_arn`` must carry for what a component wired: the
    component was given only the key's ARN, so it cannot add them itself (its ``required_key_policy``)."""

    key_arn: pulumi.Input[str]
    statements: Sequence[KeyPolicyStatement]


def required_key_policy(
    owner: str, key_arg: str, key_arn: pulumi.Input[str], statements: Sequence[KeyPolicyStatement]
) -> KeyPolicyGrant:
    """The grant ``owner`` lists in its ``required_key_policy`` for the key given as ``key_arg``, logged as the
    caller's to add."""
    principals = sorted({str(statement["Principal"]["Service"]) for statement in statements})
    pulumi.log.info(
        f"{owner}: the policy of {key_arg} is not the component's to edit: add the statements of required_key_policy "
        "to it "
        f"(they let {', '.join(principals)} use the key for this component's resources only), or those writes fail"
    )
    return KeyPolicyGrant(key_arn, list(statements))


def log_group_key_policy(
    owner: str, key_arg: str, key_arn: pulumi.Input[str], *log_group_arns: pulumi.Input[str]
) -> KeyPolicyGrant:
    """What the key given as ``key_arg`` needs for the log groups ``owner`` created with it: CloudWatch Logs'
    statement (:func:`log_group_statement`, one for them all: a key policy's statement ids are its own),
    logged and listed in ``owner``'s ``required_key_policy``."""
    return required_key_policy(owner, key_arg, key_arn, [log_group_statement(log_group_arns, aws_region())])


def log_delivery_key_policy(owner: str, key_arg: str, key_arn: pulumi.Input[str]) -> KeyPolicyGrant:
    """What the key given as ``key_arg`` needs so the logs of ``owner``'s state machine under it are delivered:
    :func:`log_delivery_statement`, logged and listed in ``owner``'s ``required_key_policy``."""
    return required_key_policy(owner, key_arg, key_arn, [log_delivery_statement()])


def delivery_key_policy(
    owner: str, key_arg: str, key_arn: pulumi.Input[str], senders: Sequence[ServiceSender], account: pulumi.Input[str]
) -> KeyPolicyGrant:
    """What the key given as ``key_arg`` needs so each sender's service can deliver to ``owner``'s resource
    (:func:`delivery_statements`), logged and listed in ``owner``'s ``required_key_policy``."""
    return required_key_policy(owner, key_arg, key_arn, delivery_statements(senders, account))


def delivery_statements(senders: Sequence[ServiceSender], account: pulumi.Input[str]) -> list[KeyPolicyStatement]:
    """Key policy statements letting each sender's service use the key, only on behalf of its sources
    (``aws:SourceArn``, the same confused-deputy guard as the queue or topic policy) in ``account``."""
    sources: dict[str, list[pulumi.Input[str]]] = {}
    for sender in senders:
        sources.setdefault(sender.service, []).append(sender.source_arn)
    return [
        {
            "Sid": _sid(service) + "Delivers",
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": list(DELIVERY_ACTIONS),
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": arns}},
        }
        for service, arns in sorted(sources.items())
    ]


def log_group_statement(log_group_arns: Sequence[pulumi.Input[str]], region: str) -> KeyPolicyStatement:
    """The key policy statement CloudWatch Logs (``logs.<region>.amazonaws.com``) needs to encrypt the log groups
    ``log_group_arns`` (without ``:*``) with the key: confined to them by ``kms:EncryptionContext:aws:logs:arn``.
    Without it, creating a log group with the key fails."""
    return {
        "Sid": "CloudWatchLogsEncrypts",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": list(LOGS_ACTIONS),
        "Resource": "*",
        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": list(log_group_arns)}},
    }


def log_delivery_statement() -> KeyPolicyStatement:
    """The key policy statement CloudWatch Logs' vended log delivery (``delivery.logs.amazonaws.com``) needs to
    deliver the logs of a state machine encrypted with the key: kms:Decrypt, as AWS documents it (no condition:
    AWS names none the service sets; "Data at rest encryption in Step Functions", step 3,
    https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html)."""
    return {
        "Sid": "LogDeliveryDecrypts",
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }


def _sid(service: str) -> str:
    """``events.amazonaws.com`` → ``Events`` (a statement id is alphanumeric)."""
    return "".join(part.capitalize() for part in service.split(".")[0].split("-"))


def service_key(
    name: str,
    senders: Sequence[ServiceSender],
    *,
    description: str,
    parent: pulumi.Resource,
    tags: dict[str, str],
    account_id: pulumi.Input[str] | None = None,
) -> kms.Key:
    """A rotating key the account administers and only ``senders``' services may use to encrypt, each on behalf of
    its sources (:func:`delivery_statements`). ``account_id``: the deploying account when the caller already
    has it (default None: asked of STS, the components' one invoke)."""
    account_id = account_id if account_id is not None else deploying_account(parent)
    statements: list[KeyPolicyStatement] = [
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account_id, ":root")},
            "Action": "kms:*",
            "Resource": "*",
        },
        *delivery_statements(senders, account_id),
    ]
    return kms.Key(
        f"{name}-key",
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements}),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
