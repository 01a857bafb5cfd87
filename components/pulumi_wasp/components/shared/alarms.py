"""CloudWatch alarms wired to the stack's alarm topic, and the topic itself."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_aws import cloudwatch, sns

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import names
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.kms import service_key
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
        period=defaults.ALARM_PERIOD_SECONDS,
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


class AlarmTopic(pulumi.ComponentResource):
    """The stack's alarm topic: every alarm of every component notifies it.

    ``email`` subscribes an address (the recipient must confirm it). The topic is encrypted
    with a key of its own that CloudWatch may use: alarms cannot publish to a topic under the
    AWS-managed SNS key.
    """

    topic: sns.Topic

    def __init__(
        self,
        name: str,
        *,
        email: str | None = None,
        tags: dict[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        token, opts = component_type("observability", "AlarmTopic", opts)
        super().__init__(token, name, None, opts)
        if email is not None and "@" not in email:
            raise ValueError(f"AlarmTopic email must be an e-mail address, got {email!r}")
        child = pulumi.ResourceOptions(parent=self)
        key = service_key(
            name,
            ["cloudwatch.amazonaws.com"],
            description="Encrypts the stack's alarm topic",
            parent=self,
            tags=tags or {},
        )
        self.topic = sns.Topic(
            f"{name}-topic",
            name=current_stack_context().auto_name(f"{name}-topic", names.SNS_TOPIC),
            kms_master_key_id=key.arn,
            tags=tags,
            opts=child,
        )
        if email:
            sns.TopicSubscription(f"{name}-email", topic=self.topic.arn, protocol="email", endpoint=email, opts=child)
        self.arn = self.topic.arn
        self.register_outputs({"arn": self.topic.arn})

    def context(self, base: StackContext) -> StackContext:
        return base.with_alarm_topic(self.topic.arn)
