"""FanOut: an SNS topic delivering to N queues, each filtered, redriven and optionally processed."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pulumi
from pulumi_aws import sns, sqs

from pulumi_wasp.components.queue import Queue, QueueArgs
from pulumi_wasp.components.queue_processor import QueueProcessor, QueueProcessorArgs
from pulumi_wasp.components.shared import names, patterns
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.deprecation import renamed_attribute
from pulumi_wasp.components.shared.kms import service_key
from pulumi_wasp.components.shared.queues import ServiceSender, dead_letter_queue
from pulumi_wasp.components.shared.tokens import component_type


@dataclass(kw_only=True)
class Subscriber:
    """One subscribing queue: processed by a function (``processor``) or left for a consumer
    elsewhere (``queue``)."""

    name: str
    processor: QueueProcessorArgs | None = None
    queue: QueueArgs | None = None
    #: SNS filter policy; every message is delivered when None.
    filter_policy: Mapping[str, Any] | None = None
    #: Filter on message attributes (SNS's default) or on the JSON body.
    filter_policy_scope: Literal["MessageAttributes", "MessageBody"] = "MessageAttributes"
    #: Deliver the message itself, not SNS's JSON envelope: consumers parse one format.
    raw_message_delivery: bool = True

    def validate(self) -> None:
        if (self.processor is None) == (self.queue is None):
            raise ValueError(f"Subscriber {self.name!r}: set exactly one of processor= or queue=")
        queue = self.processor.queue if self.processor is not None else self.queue
        if queue is not None and queue.fifo:
            raise ValueError(f"Subscriber {self.name!r}: a standard SNS topic cannot deliver to a FIFO queue")
        if self.filter_policy is not None and not isinstance(self.filter_policy, Mapping):
            raise ValueError(
                f"Subscriber {self.name!r}: filter_policy must be a dict (it is JSON-encoded for you), got {type(self.filter_policy).__name__}"
            )
        if self.filter_policy is not None and not self.filter_policy:
            raise ValueError(f"Subscriber {self.name!r}: filter_policy is empty; use None to receive everything")
        if self.filter_policy is not None:
            patterns.check_filter_policy(
                self.filter_policy, self.filter_policy_scope, f"Subscriber {self.name!r}: filter_policy"
            )


@dataclass(kw_only=True)
class FanOutArgs:
    """Arguments of :class:`FanOut`."""

    subscribers: Sequence[Subscriber]
    #: Services that publish to the topic, each only from its source ARN (e.g. an EventBridge rule).
    publishers: Sequence[ServiceSender] = ()
    #: Encrypt the topic with a key of its own that the publishers may use (the AWS-managed
    #: key cannot be granted to EventBridge or CloudWatch). Set False for an unencrypted topic.
    encrypt: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None

    def validate(self) -> None:
        if not self.subscribers:
            raise ValueError("FanOutArgs.subscribers is empty: a fan-out needs at least one subscriber")
        names = [s.name for s in self.subscribers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"FanOutArgs.subscribers: duplicate names {duplicates}")
        for subscriber in self.subscribers:
            subscriber.validate()


class FanOut(pulumi.ComponentResource):
    """SNS → N SQS queues with filter policies, subscription DLQs and queue policies that
    admit only this topic.

    Outputs: ``arn`` and ``name`` are the topic's, the principal: what publishers send to (SNS has no URL
    for a topic); ``queue_urls`` maps each subscriber to its queue's URL. ``topic_arn``, the 0.1.0 name, is a
    deprecated alias of ``arn``.

    Example::

        events = FanOut("order-events", FanOutArgs(subscribers=[
            Subscriber(name="shipping", processor=QueueProcessorArgs(function=...),
                       filter_policy={"detail-type": ["OrderConfirmed"]}, filter_policy_scope="MessageBody")]))
    """

    topic: sns.Topic
    queues: dict[str, Queue]
    processors: dict[str, QueueProcessor]
    #: Per subscriber: where messages SNS could not deliver to its queue park (alarmed).
    delivery_dlqs: dict[str, sqs.Queue]
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    topic_arn = renamed_attribute("topic_arn", "arn", "0.2.0")

    def __init__(self, name: str, args: FanOutArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("fanout", "FanOut", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        key_arn = None
        if args.encrypt:
            services = [p.service for p in args.publishers]
            key_arn = service_key(name, services, description=f"Encrypts the {name} topic", parent=self, tags=tags).arn
        self.topic = sns.Topic(
            f"{name}-topic",
            name=context.auto_name(f"{name}-topic", names.SNS_TOPIC),
            kms_master_key_id=key_arn,
            tags=tags,
            opts=child,
        )
        if args.publishers:
            sns.TopicPolicy(
                f"{name}-topic-policy", arn=self.topic.arn, policy=self._topic_policy(args.publishers), opts=child
            )

        self.queues, self.processors, self.delivery_dlqs = {}, {}, {}
        from_topic = ServiceSender("sns.amazonaws.com", self.topic.arn)
        for sub in args.subscribers:
            sub_name = f"{name}-{sub.name}"
            if sub.processor is not None:
                queue_args = replace(sub.processor.queue, senders=[*sub.processor.queue.senders, from_topic])
                processor_args = replace(sub.processor, queue=queue_args, tags={**args.tags, **sub.processor.tags})
                processor = QueueProcessor(sub_name, processor_args, child)
                self.processors[sub.name] = processor
                queue = processor.queue
            else:
                assert sub.queue is not None  # validated above
                queue_args = replace(
                    sub.queue, senders=[*sub.queue.senders, from_topic], tags={**args.tags, **sub.queue.tags}
                )
                queue = Queue(sub_name, queue_args, child)
            self.queues[sub.name] = queue
            # Messages SNS cannot deliver (queue deleted, policy broken) park here, not vanish.
            delivery_dlq = dead_letter_queue(
                f"{sub_name}-delivery", context=context, parent=self, tags=tags, senders=[from_topic]
            ).queue
            self.delivery_dlqs[sub.name] = delivery_dlq
            sns.TopicSubscription(
                f"{sub_name}-subscription",
                topic=self.topic.arn,
                protocol="sqs",
                endpoint=queue.arn,
                raw_message_delivery=sub.raw_message_delivery,
                filter_policy=json.dumps(sub.filter_policy) if sub.filter_policy else None,
                filter_policy_scope=sub.filter_policy_scope if sub.filter_policy else None,
                redrive_policy=delivery_dlq.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn})),
                opts=child,
            )
        self.arn, self.name = self.topic.arn, self.topic.name
        self.register_outputs(
            {"arn": self.arn, "name": self.name, "queue_urls": {k: q.url for k, q in self.queues.items()}}
        )

    def _topic_policy(self, publishers: Sequence[ServiceSender]) -> pulumi.Output[str]:
        statements = [
            {
                "Sid": f"AllowPublish{index}",
                "Effect": "Allow",
                "Principal": {"Service": publisher.service},
                "Action": "sns:Publish",
                "Resource": self.topic.arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": publisher.source_arn}},
            }
            for index, publisher in enumerate(publishers)
        ]
        return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})
