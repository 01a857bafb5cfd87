"""Resource policies the components attach to queues and topics: TLS only, and each service allowed in only
on behalf of one source (``aws:SourceArn``, the confused-deputy guard)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class ServiceSender:
    """A service allowed to send to a queue or publish to a topic, only on behalf of one source
    (``aws:SourceArn``; ``*`` wildcards match within each part of the ARN, as ``ArnEquals`` does)."""

    service: str
    source_arn: pulumi.Input[str]


def tls_only_document(
    resource_arn: pulumi.Input[str],
    *,
    deny_action: str,
    allow_action: str,
    allow_sid: str,
    senders: Sequence[ServiceSender] = (),
) -> pulumi.Output[str]:
    """A policy that denies every request without TLS (``aws:SecureTransport`` false: the pack's
    ``sqs-tls-only`` / ``sns-tls-only``) and allows ``allow_action`` to each sender from its source."""
    statements: list[dict] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": deny_action,
            "Resource": resource_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    for index, sender in enumerate(senders):
        statements.append(
            {
                "Sid": f"{allow_sid}{index}",
                "Effect": "Allow",
                "Principal": {"Service": sender.service},
                "Action": allow_action,
                "Resource": resource_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": sender.source_arn}},
            }
        )
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})


def topic_policy_document(topic_arn: pulumi.Input[str], publishers: Sequence[ServiceSender] = ()) -> pulumi.Output[str]:
    """The TLS-only policy of a topic, admitting ``publishers`` (``sns:Publish``)."""
    return tls_only_document(
        topic_arn, deny_action="sns:Publish", allow_action="sns:Publish", allow_sid="AllowPublish", senders=publishers
    )
