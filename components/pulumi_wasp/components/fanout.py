"""FanOut: an SNS topic delivering to N queues, each filtered, redriven and optionally processed."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pulumi
from pulumi_aws import kms, sns, sqs

from pulumi_wasp.components.queue import ExistingQueue, Queue, QueueArgs, adopt_dead_letter_queue
from pulumi_wasp.components.queue_processor import QueueProcessor, QueueProcessorArgs
from pulumi_wasp.components.shared import children, iam, names, patterns
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.deprecation import renamed_attribute
from pulumi_wasp.components.shared.kms import (
    AWS_MANAGED_ALIAS,
    KeyPolicyGrant,
    customer_key_arn,
    delivery_key_policy,
    service_key,
)
from pulumi_wasp.components.shared.queues import ServiceSender, dead_letter_queue, queue_policy
from pulumi_wasp.components.shared.resource_policies import topic_policy_document
from pulumi_wasp.components.shared.tokens import component_type

_KEY_OVERRIDE = "FanOutArgs.topic_overrides['kms_master_key_id']"


@dataclass(kw_only=True)
class Subscriber:
    """One subscribing queue: processed by a function (``processor``) or left for a consumer
    elsewhere (``queue``)."""

    name: str
    #: A QueueProcessor on a queue the fan-out creates, or on its ``existing_queue`` (an ``aws.sqs.Queue`` or its ARN
    #: and URL), whose queue policy the fan-out then sets as for ``queue`` below.
    processor: QueueProcessorArgs | None = None
    #: A queue to create, or an existing one (an ``aws.sqs.Queue`` or its ARN and URL): the fan-out then sets its
    #: queue policy (TLS only, this topic may send), which replaces any policy the queue had.
    queue: QueueArgs | ExistingQueue | None = None
    #: SNS filter policy; every message is delivered when None.
    filter_policy: Mapping[str, Any] | None = None
    #: Filter on message attributes (SNS's default) or on the JSON body.
    filter_policy_scope: Literal["MessageAttributes", "MessageBody"] = "MessageAttributes"
    #: Deliver the message itself, not SNS's JSON envelope: consumers parse one format.
    raw_message_delivery: bool = True
    #: Keyword arguments of ``aws.sns.TopicSubscription`` merged over the subscription's defaults; dropping the
    #: redrive policy warns naming sns-subscription-redrive.
    overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.sqs.Queue`` merged over the subscription's delivery DLQ's defaults (``tags``
    #: merge, other keys replace; dropping its encryption warns naming sqs-encryption). SNS moves undeliverable
    #: messages there as itself: a customer-managed ``kms_master_key_id`` must let it (listed in
    #: ``FanOut.required_key_policy``; https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html).
    delivery_dlq_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: A queue the fan-out does not create for this subscription's undeliverable messages (an ``aws.sqs.Queue``, or
    #: ARN and URL; see :class:`ExistingQueue`): its policy is set to admit the topic (replacing any it had), its
    #: ``kms_key_arn`` policy's needs are listed in ``FanOut.required_key_policy``, and its depth is alarmed on.
    existing_delivery_dlq: ExistingQueue | None = None

    @property
    def existing_queue(self) -> tuple[ExistingQueue | None, str]:
        """The existing queue subscribed (``queue``, or the processor's ``existing_queue``) and its arg's name."""
        if isinstance(self.queue, ExistingQueue):
            return self.queue, "queue"
        if self.processor is not None and self.processor.existing_queue is not None:
            return self.processor.existing_queue, "processor.existing_queue"
        return None, ""

    def validate(self) -> None:
        if self.existing_delivery_dlq is not None:
            self.existing_delivery_dlq.validate(f"Subscriber {self.name!r}: existing_delivery_dlq")
            if self.delivery_dlq_overrides:
                raise ValueError(
                    f"Subscriber {self.name!r}: delivery_dlq_overrides apply to a DLQ the fan-out creates, not to "
                    "existing_delivery_dlq"
                )
            if isinstance(self.existing_delivery_dlq.queue, Queue):
                raise ValueError(
                    f"Subscriber {self.name!r}: existing_delivery_dlq is a Queue component, which owns its queue "
                    "policy; give its aws.sqs.Queue or ARN and URL"
                )
        if (self.processor is None) == (self.queue is None):
            raise ValueError(f"Subscriber {self.name!r}: set exactly one of processor= or queue=")
        existing, arg = self.existing_queue
        if existing is not None:
            existing.validate(f"Subscriber {self.name!r}: {arg}")
            if isinstance(existing.queue, Queue):
                raise ValueError(
                    f"Subscriber {self.name!r}: {arg} is a Queue component, which owns its queue policy; give its "
                    "aws.sqs.Queue or ARN and URL, or let the fan-out create it (queue=QueueArgs(...))"
                )
        if self.processor is not None:
            queue: QueueArgs | ExistingQueue | None = (
                self.processor.existing_queue or self.processor.queue or QueueArgs()
            )
        else:
            queue = self.queue
        fifo = queue.is_fifo if isinstance(queue, ExistingQueue) else queue is not None and queue.fifo
        if fifo:
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
    #: Services that publish to the topic, each only from its source ARN (e.g. an EventBridge rule). With
    #: ``existing_topic`` the fan-out sets the topic's policy for them, replacing any policy it had.
    publishers: Sequence[ServiceSender] = ()
    #: Encrypt the topic with a key of its own that the publishers may use (the AWS-managed
    #: key cannot be granted to EventBridge or CloudWatch). Set False for an unencrypted topic.
    #: Only for a topic the fan-out creates: an existing topic's encryption is its own.
    encrypt: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None
    #: A topic the fan-out does not create: an ``aws.sns.Topic`` or its ARN (nothing is looked up, so nothing of it
    #: is checked, its encryption included). The fan-out still adds the subscriptions, their DLQs and queue policies.
    existing_topic: sns.Topic | pulumi.Input[str] | None = None
    #: Keyword arguments of ``aws.sns.Topic`` merged over the topic's defaults; dropping the key warns naming
    #: sns-encryption. A ``kms_master_key_id`` (a customer-managed key's ARN) replaces the topic's own key: none is
    #: created, ``publisher_statements`` grants it, and ``required_key_policy`` lists what the publishers' services
    #: need of its policy.
    topic_overrides: Mapping[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if self.existing_topic is not None and (self.topic_overrides or not self.encrypt):
            raise ValueError(
                "FanOutArgs: topic_overrides and encrypt apply to a topic the fan-out creates, not to existing_topic"
            )
        key = self.topic_overrides.get("kms_master_key_id")
        # A service publishing as itself needs a customer-managed key whose policy names it: an AWS-managed key's
        # policy cannot (https://repost.aws/knowledge-center/sns-not-getting-eventbridge-notification).
        if self.publishers and isinstance(key, str) and key.startswith(AWS_MANAGED_ALIAS):
            raise ValueError(
                f"{_KEY_OVERRIDE}: {key!r} is an AWS-managed key, whose policy cannot admit a service: the publishers "
                f"({', '.join(sorted({p.service for p in self.publishers}))}) could not encrypt to the topic; leave "
                "the topic its own key or give a customer-managed key's ARN"
            )
        customer_key_arn(key, _KEY_OVERRIDE)
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

    #: The topic the fan-out created (None with ``existing_topic``).
    topic: sns.Topic | None
    #: The topic's key (``encrypt``; None with ``existing_topic`` or a key ``topic_overrides`` gives): its policy lets the ``publishers``' services use
    #: it; roles that publish need :meth:`publisher_statements`.
    key: kms.Key | None
    #: The customer-managed key the topic is encrypted with: its own ``key``'s, or the one
    #: ``topic_overrides['kms_master_key_id']`` gives (then no key is created); None without one (``encrypt=False``,
    #: an AWS-managed key, ``existing_topic``).
    kms_key_arn: pulumi.Input[str] | None
    #: The queues the fan-out created, per subscriber (an existing subscriber queue is in ``queue_arns`` only).
    queues: dict[str, Queue]
    queue_arns: dict[str, pulumi.Input[str]]
    processors: dict[str, QueueProcessor]
    #: Per subscriber: where messages SNS could not deliver to its queue park (alarmed), when the fan-out created it
    #: (an ``existing_delivery_dlq`` is not in it).
    delivery_dlqs: dict[str, sqs.Queue]
    #: Per subscriber given an ``existing_delivery_dlq``: that queue's name (alarmed on, charted by the Dashboard).
    existing_delivery_dlq_names: dict[str, pulumi.Output[str]]
    #: For each subscriber queue under a customer-managed key given by ARN: the statements its key policy needs so
    #: SNS may deliver from this topic only; for a topic key given by ``topic_overrides``, what the ``publishers``'
    #: services need of it, each for its source only (the fan-out cannot edit a key it was given; it logs each).
    required_key_policy: list[KeyPolicyGrant]
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
        self.topic, self.key, self.kms_key_arn = None, None, None
        given_key = "kms_master_key_id" in args.topic_overrides
        if args.existing_topic is None:
            key_arn = None
            # A key the overrides give replaces the topic's own: creating one too would leave it unused.
            if args.encrypt and not given_key:
                self.key = service_key(
                    name, args.publishers, description=f"Encrypts the {name} topic", parent=self, tags=tags
                )
                key_arn = self.key.arn
            topic_defaults: dict[str, Any] = {"name": context.auto_name(f"{name}-topic", names.SNS_TOPIC), "tags": tags}
            if self.key is not None or not args.encrypt:
                # Left out when the overrides replace the key the topic would have had: dropping it still warns.
                topic_defaults["kms_master_key_id"] = key_arn
            self.topic = children.create(
                sns.Topic,
                f"{name}-topic",
                topic_defaults,
                args.topic_overrides,
                arg="FanOutArgs.topic_overrides",
                opts=child,
            )
            self.arn = self.topic.arn
            self.kms_key_arn = (
                customer_key_arn(args.topic_overrides["kms_master_key_id"], _KEY_OVERRIDE) if given_key else key_arn
            )
        elif isinstance(args.existing_topic, sns.Topic):
            self.arn = args.existing_topic.arn
        else:
            self.arn = pulumi.Output.from_input(args.existing_topic)
            children.not_checked(f"FanOut {name}", "the existing topic's encryption and its policy's other statements")
        # A topic's name is the last part of its ARN (arn:aws:sns:<region>:<account>:<name>).
        self.name = self.topic.name if self.topic is not None else self.arn.apply(lambda arn: arn.rsplit(":", 1)[-1])
        if args.publishers or self.topic is not None:
            # A topic's policy is one document: an existing topic's is only replaced to admit publishers.
            sns.TopicPolicy(
                f"{name}-topic-policy",
                arn=self.arn,
                policy=topic_policy_document(self.arn, args.publishers),
                opts=child,
            )

        self.queues, self.queue_arns, self.processors, self.delivery_dlqs = {}, {}, {}, {}
        self.existing_delivery_dlq_names = {}
        self.required_key_policy = []
        if given_key and self.kms_key_arn is not None and args.publishers:
            # The publishers' services encrypt as themselves: a key given by ARN is the caller's to open to them.
            self.required_key_policy.append(
                delivery_key_policy(
                    f"FanOut {name}", _KEY_OVERRIDE, self.kms_key_arn, args.publishers, iam.account_of(self.arn)
                )
            )
        from_topic = ServiceSender("sns.amazonaws.com", self.arn)
        for sub in args.subscribers:
            sub_name = f"{name}-{sub.name}"
            queue_arn: pulumi.Input[str]
            existing, _ = sub.existing_queue
            if existing is not None:
                existing.check_standard(f"FanOut {name}", f"subscriber {sub.name!r}'s queue", "a standard SNS topic")
                queue_arn = existing.queue_arn
                if existing.key_arn is not None:
                    self.required_key_policy.append(
                        delivery_key_policy(
                            f"FanOut {name}: subscriber {sub.name!r}",
                            "ExistingQueue.kms_key_arn",
                            existing.key_arn,
                            [from_topic],
                            iam.account_of(self.arn),
                        )
                    )
                queue_policy(
                    f"{sub_name}-queue", None, [from_topic], parent=self, arn=queue_arn, url=existing.queue_url
                )
            if sub.processor is not None:
                processor_args = replace(sub.processor, tags={**args.tags, **sub.processor.tags})
                if existing is None:
                    queue_args = sub.processor.queue or QueueArgs()
                    processor_args = replace(
                        processor_args, queue=replace(queue_args, senders=[*queue_args.senders, from_topic])
                    )
                processor = QueueProcessor(sub_name, processor_args, child)
                self.processors[sub.name] = processor
                if processor.queue is not None:
                    self.queues[sub.name] = processor.queue
                queue_arn = processor.queue_arn
            elif existing is None:
                assert isinstance(sub.queue, QueueArgs)  # validated above
                queue_args = replace(
                    sub.queue, senders=[*sub.queue.senders, from_topic], tags={**args.tags, **sub.queue.tags}
                )
                queue = Queue(sub_name, queue_args, child)
                self.queues[sub.name] = queue
                queue_arn = queue.arn
            self.queue_arns[sub.name] = queue_arn
            # Messages SNS cannot deliver (queue deleted, policy broken) park here, not vanish.
            delivery_arn, delivery_key, key_arg = self._delivery_dlq(sub, sub_name, from_topic, context, tags)
            if delivery_key is not None:
                self.required_key_policy.append(
                    delivery_key_policy(
                        f"FanOut {name}: subscriber {sub.name!r}",
                        key_arg,
                        delivery_key,
                        [from_topic],
                        iam.account_of(self.arn),
                    )
                )
            subscription_defaults = {
                "topic": self.arn,
                "protocol": "sqs",
                "endpoint": queue_arn,
                "raw_message_delivery": sub.raw_message_delivery,
                "filter_policy": json.dumps(sub.filter_policy) if sub.filter_policy else None,
                "filter_policy_scope": sub.filter_policy_scope if sub.filter_policy else None,
                "redrive_policy": delivery_arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn})),
            }
            children.create(
                sns.TopicSubscription,
                f"{sub_name}-subscription",
                subscription_defaults,
                sub.overrides,
                arg=f"Subscriber {sub.name!r}: overrides",
                opts=child,
            )
        # Subscriber queues created under a key given by ARN list what SNS needs of it themselves.
        self.required_key_policy += [grant for queue in self.queues.values() for grant in queue.required_key_policy]
        self.register_outputs(
            {"arn": self.arn, "name": self.name, "queue_urls": {k: q.url for k, q in self.queues.items()}}
        )

    def _delivery_dlq(
        self, sub: Subscriber, sub_name: str, from_topic: ServiceSender, context: StackContext, tags: dict[str, str]
    ) -> tuple[pulumi.Output[str], pulumi.Input[str] | None, str]:
        """Where SNS parks what it cannot deliver to ``sub``'s queue (created, or its ``existing_delivery_dlq``): its
        ARN, its customer-managed key and the arg naming that key. SNS moves messages there as itself."""
        if sub.existing_delivery_dlq is not None:
            adopted = adopt_dead_letter_queue(
                f"{sub_name}-delivery",
                sub.existing_delivery_dlq,
                owner=f"FanOut {self._name}",
                arg=f"Subscriber {sub.name!r}: existing_delivery_dlq",
                unchecked="encryption (declare its key with kms_key_arn)",
                context=context,
                parent=self,
                tags=tags,
                senders=[from_topic],
            )
            self.existing_delivery_dlq_names[sub.name] = adopted.name
            return adopted.arn, adopted.key_arn, f"Subscriber {sub.name!r}: existing_delivery_dlq.kms_key_arn"
        delivery = dead_letter_queue(
            f"{sub_name}-delivery",
            context=context,
            parent=self,
            tags=tags,
            senders=[from_topic],
            overrides=sub.delivery_dlq_overrides,
            overrides_arg=f"Subscriber {sub.name!r}: delivery_dlq_overrides",
        )
        self.delivery_dlqs[sub.name] = delivery.queue
        return (
            delivery.queue.arn,
            delivery.key_arn,
            f"Subscriber {sub.name!r}: delivery_dlq_overrides['kms_master_key_id']",
        )

    def publisher_statements(self) -> list[iam.Statement]:
        """What a role needs to publish to the topic: sns:Publish, and the topic's key through SNS."""
        statements = [iam.sns_publish(self.arn)]
        if self.kms_key_arn is not None:
            statements.append(iam.kms_encrypt(self.kms_key_arn, "sns"))
        return statements
