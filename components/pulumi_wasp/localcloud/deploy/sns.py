"""SNS: topics, topic policies and subscriptions (moto delivers to SQS itself, filter policies included)."""

from __future__ import annotations

import json

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import Creator, DeployContext, Outputs, physical_name, tag_list, value

_TOPIC_ATTRIBUTES = {
    "kmsMasterKeyId": "KmsMasterKeyId",
    "displayName": "DisplayName",
    "policy": "Policy",
    "fifoTopic": "FifoTopic",
}
_SUBSCRIPTION_ATTRIBUTES = {
    "rawMessageDelivery": "RawMessageDelivery",
    "filterPolicy": "FilterPolicy",
    "filterPolicyScope": "FilterPolicyScope",
    "redrivePolicy": "RedrivePolicy",
    "deliveryPolicy": "DeliveryPolicy",
}


def _attributes(args: MockResourceArgs, names: dict[str, str]) -> dict[str, str]:
    found = {attr: value(args, key) for key, attr in names.items() if value(args, key) is not None}
    return {attr: (str(raw).lower() if isinstance(raw, bool) else str(raw)) for attr, raw in found.items()}


def topic(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    if value(args, "fifoTopic") and not name.endswith(".fifo"):
        name += ".fifo"
    arn = ctx.client("sns").create_topic(
        Name=name, Attributes=_attributes(args, _TOPIC_ATTRIBUTES), Tags=tag_list(args)
    )["TopicArn"]
    ctx.registry.record("topics", args.name, arn)
    return arn, {"name": name, "arn": arn, "owner": ctx.account_id}


def topic_policy(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    arn = value(args, "arn")
    ctx.client("sns").set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=value(args, "policy"))
    return arn, {"owner": ctx.account_id}


def subscription(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    attributes = _attributes(args, _SUBSCRIPTION_ATTRIBUTES)
    if "RedrivePolicy" in attributes:
        ctx.registry.dead_letter(json.loads(attributes["RedrivePolicy"]).get("deadLetterTargetArn"))
    response = ctx.client("sns").subscribe(
        TopicArn=value(args, "topic"),
        Protocol=value(args, "protocol"),
        Endpoint=value(args, "endpoint"),
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )
    arn = response["SubscriptionArn"]
    return arn, {"arn": arn, "ownerId": ctx.account_id}


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"sns": "list_topics"}
RESOURCES: dict[str, Creator] = {
    "aws:sns/topic:Topic": topic,
    "aws:sns/topicPolicy:TopicPolicy": topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": subscription,
}
