"""CloudWatch alarms wired to the stack's alarm topic, and the topic itself."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_aws import cloudwatch, sns

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import children, names
from pulumi_wasp.components.shared.account import aws_region, deploying_account
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.kms import service_key
from pulumi_wasp.components.shared.resource_policies import ServiceSender, topic_policy_document
from pulumi_wasp.components.shared.tokens import component_type


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: a metric, a statistic, a threshold and the comparison to it."""

    suffix: str
    metric_name: str
    namespace: str
    dimensions: dict[str, pulumi.Input[str]]
    threshold: float
    comparison: str = "GreaterThanOrEqualToThreshold"
    statistic: str = "Sum"
    description: str = ""
    #: defaults.ALARM_PERIOD_SECONDS (5 minutes) unless a faster signal is needed (a deployment's rollback alarm).
    period_seconds: int = defaults.ALARM_PERIOD_SECONDS


def metric_alarm(
    name: str,
    spec: AlarmSpec,
    *,
    context: StackContext,
    parent: pulumi.Resource,
    tags: dict[str, str],
) -> cloudwatch.MetricAlarm:
    actions = [context.alarm_topic_arn] if context.alarm_topic_arn is not None else []
    return cloudwatch.MetricAlarm(
        f"{name}-{spec.suffix}",
        name=context.auto_name(f"{name}-{spec.suffix}", names.ALARM),
        alarm_description=spec.description or f"{spec.metric_name} {spec.comparison} {spec.threshold}",
        namespace=spec.namespace,
        metric_name=spec.metric_name,
        dimensions=spec.dimensions,
        statistic=spec.statistic,
        period=spec.period_seconds,
        evaluation_periods=1,
        threshold=spec.threshold,
        comparison_operator=spec.comparison,
        # No data means nothing failed: an idle function or an empty DLQ is healthy.
        treat_missing_data="notBreaching",
        alarm_actions=actions,
        ok_actions=actions,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(kw_only=True)
class AlarmTopicArgs:
    """Arguments of :class:`AlarmTopic`."""

    #: An address to subscribe (the recipient must confirm it); no subscription when None.
    email: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    #: The stack context; the one set with ``use_stack_context`` when None.
    context: StackContext | None = None
    #: Keyword arguments of ``aws.sns.Topic`` merged over the topic's defaults (``tags`` merge, other keys
    #: replace); dropping the key warns naming sns-encryption (and CloudWatch cannot publish to the AWS-managed one).
    topic_overrides: Mapping[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if self.email is not None and "@" not in self.email:
            raise ValueError(f"AlarmTopicArgs.email must be an e-mail address, got {self.email!r}")


class AlarmTopic(pulumi.ComponentResource):
    """The stack's alarm topic: every alarm of every component notifies it.

    The topic is encrypted with a key of its own that CloudWatch may use: alarms cannot publish to a topic under
    the AWS-managed SNS key. Outputs: ``arn`` and ``name`` are the topic's (SNS has no URL for a topic).

    Example::

        alarms = AlarmTopic("alarms", AlarmTopicArgs(email="oncall@example.com"))
        use_stack_context(alarms.context(current_stack_context()))

    ``AlarmTopic(name, email=..., tags=...)``, the 0.1.0 keyword form, still works and is deprecated. A topic the
    stack does not create (an organisation's) is not an AlarmTopic: give its ARN to the stack context
    (``use_stack_context(current_stack_context().with_alarm_topic(arn))``); it must let CloudWatch publish.
    """

    topic: sns.Topic
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: AlarmTopicArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        email: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        if email is not None or tags is not None:
            if args is not None:
                raise ValueError("AlarmTopic: pass AlarmTopicArgs or the deprecated email=/tags= keywords, not both")
            warnings.warn(
                "AlarmTopic(name, email=..., tags=...) is deprecated since 0.2.0: "
                "use AlarmTopic(name, AlarmTopicArgs(email=..., tags=...))",
                DeprecationWarning,
                stacklevel=2,
            )
            args = AlarmTopicArgs(email=email, tags=tags or {})
        args = args or AlarmTopicArgs()
        token, opts = component_type("observability", "AlarmTopic", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        merged_tags = context.tags_for(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        # CloudWatch publishes for this account's alarms in this region only (the topic's policy says the same).
        account_id = deploying_account(self)
        alarms = pulumi.Output.concat("arn:aws:cloudwatch:", aws_region(), ":", account_id, ":alarm:*")
        key = service_key(
            name,
            [ServiceSender("cloudwatch.amazonaws.com", alarms)],
            description="Encrypts the stack's alarm topic",
            parent=self,
            tags=merged_tags,
            account_id=account_id,
        )
        topic_defaults = {
            "name": context.auto_name(f"{name}-topic", names.SNS_TOPIC),
            "kms_master_key_id": key.arn,
            "tags": merged_tags,
        }
        self.topic = children.create(
            sns.Topic,
            f"{name}-topic",
            topic_defaults,
            args.topic_overrides,
            arg="AlarmTopicArgs.topic_overrides",
            opts=child,
        )
        # TLS only; CloudWatch publishes for this account's alarms in this region only.
        sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=topic_policy_document(self.topic.arn, [ServiceSender("cloudwatch.amazonaws.com", alarms)]),
            opts=child,
        )
        if args.email:
            sns.TopicSubscription(
                f"{name}-email", topic=self.topic.arn, protocol="email", endpoint=args.email, opts=child
            )
        self.arn, self.name = self.topic.arn, self.topic.name
        self.register_outputs({"arn": self.arn, "name": self.name})

    def context(self, base: StackContext) -> StackContext:
        return base.with_alarm_topic(self.topic.arn)
