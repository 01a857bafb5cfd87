"""EventRouter: a custom EventBridge bus with archive, schema registry, rules and safe targets."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_aws import cloudwatch, lambda_, schemas, sqs

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import InvokeTarget, ServerlessFunction, invoke_permission
from pulumi_wasp.components.queue import ExistingQueue, Queue, adopt_dead_letter_queue
from pulumi_wasp.components.shared import children, iam, names, patterns
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.deprecation import renamed_attribute
from pulumi_wasp.components.shared.kms import KeyPolicyGrant, customer_key_arn, delivery_key_policy
from pulumi_wasp.components.shared.queues import ServiceSender, dead_letter_queue, queue_name_of
from pulumi_wasp.components.shared.tokens import component_type


@dataclass(frozen=True)
class LambdaTarget:
    """Invoke a function; a Permission scoped to the rule's ARN is created. Given a ServerlessFunction, the rule
    invokes its :attr:`~ServerlessFunction.target` (its alias when it has one); given an ARN, that ARN."""

    function_arn: pulumi.Input[str] | ServerlessFunction | lambda_.Function


@dataclass(frozen=True)
class QueueTarget:
    """Send to an SQS queue. The queue's own policy must admit ``events.amazonaws.com`` from
    :meth:`EventRouter.rule_arn` (e.g. ``QueueArgs(senders=[...])``): a queue has one policy. A queue under a
    customer-managed key also needs that key's policy to let ``events.amazonaws.com`` use it:
    ``QueueArgs(senders=[...], customer_managed_key=True)`` creates a key that does."""

    queue_arn: pulumi.Input[str]
    #: FIFO queues need a message group.
    message_group_id: str | None = None
    #: The ARN of the customer-managed key the queue is encrypted with (None: SQS-managed, or a key whose policy
    #: already admits the rule). The router cannot edit that key's policy: it logs and lists the statement
    #: ``events.amazonaws.com`` needs for this rule in :attr:`EventRouter.required_key_policy`.
    kms_key_arn: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class TopicTarget:
    """Publish to an SNS topic whose policy admits the rule (``FanOutArgs(publishers=[...])``)."""

    topic_arn: pulumi.Input[str]
    #: As :attr:`QueueTarget.kms_key_arn`, for the topic's key (FanOut's own key admits its ``publishers``).
    kms_key_arn: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class StateMachineTarget:
    """Start a Step Functions execution through a role that may start only this machine. A machine under a
    customer-managed key needs no grant of it here: StartExecution asks no KMS permission of its caller (the
    machine's own role encrypts the execution's data; see :class:`~pulumi_wasp.components.saga.SagaArgs`)."""

    state_machine_arn: pulumi.Input[str]


Target = LambdaTarget | QueueTarget | TopicTarget | StateMachineTarget


@dataclass(kw_only=True)
class EventRule:
    """A rule on the router's bus. ``event_pattern`` must not be empty: EventBridge would
    reject it, and a catch-all rule on a shared bus is almost always a mistake."""

    name: str
    event_pattern: Mapping[str, Any]
    targets: Sequence[Target]
    description: str = ""
    #: defaults.EVENT_TARGET_MAX_RETRIES (3) and ..._MAX_EVENT_AGE_SECONDS (1 h), then the DLQ.
    max_retries: int = defaults.EVENT_TARGET_MAX_RETRIES
    max_event_age_seconds: int = defaults.EVENT_TARGET_MAX_EVENT_AGE_SECONDS
    #: A JSONPath into the event to deliver instead of the whole event (e.g. "$.detail").
    input_path: str | None = None
    #: Keyword arguments of ``aws.cloudwatch.EventRule`` merged over the rule's defaults.
    overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.cloudwatch.EventTarget`` merged over each target's defaults; dropping the DLQ or
    #: the retry policy warns naming eventbridge-target-dlq / eventbridge-target-retry.
    target_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.sqs.Queue`` merged over the rule's DLQ's defaults (``tags`` merge, other keys
    #: replace); dropping its encryption warns naming sqs-encryption. EventBridge writes there as itself: a
    #: customer-managed ``kms_master_key_id`` must let it, which the router lists in ``required_key_policy``.
    dlq_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: A standard queue the router does not create for what the rule's targets could not take (an ``aws.sqs.Queue``,
    #: or ARN and URL; see :class:`ExistingQueue`): its policy is set to admit EventBridge from this rule only
    #: (replacing any it had), its ``kms_key_arn`` policy's needs are listed in ``required_key_policy``, and its
    #: depth is alarmed on. EventBridge DLQs are standard queues
    #: (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html): a FIFO one fails.
    existing_dlq: ExistingQueue | None = None

    def validate(self) -> None:
        if self.existing_dlq is not None:
            self.existing_dlq.validate_failure_destination(f"EventRule {self.name!r}: existing_dlq", "EventBridge")
            if self.dlq_overrides:
                raise ValueError(
                    f"EventRule {self.name!r}: dlq_overrides apply to a DLQ the router creates, not to existing_dlq"
                )
            if isinstance(self.existing_dlq.queue, Queue):
                raise ValueError(
                    f"EventRule {self.name!r}: existing_dlq is a Queue component, which owns its queue policy; give "
                    "its aws.sqs.Queue or ARN and URL"
                )
        if not isinstance(self.event_pattern, Mapping):
            raise ValueError(
                f"EventRule {self.name!r}: event_pattern must be a dict (it is JSON-encoded for you), got {type(self.event_pattern).__name__}"
            )
        if not self.event_pattern:
            raise ValueError(
                f"EventRule {self.name!r}: event_pattern is empty; match at least one field (e.g. detail-type)"
            )
        patterns.check_event_pattern(self.event_pattern, f"EventRule {self.name!r}: event_pattern")
        if not self.targets:
            raise ValueError(f"EventRule {self.name!r}: targets is empty; a rule without targets drops every event")
        if len(self.targets) > 5:
            raise ValueError(
                f"EventRule {self.name!r}: at most 5 targets per rule (EventBridge's limit), got {len(self.targets)}"
            )
        if not 0 <= self.max_retries <= 185:
            raise ValueError(f"EventRule {self.name!r}: max_retries must be 0..185, got {self.max_retries}")
        if not 60 <= self.max_event_age_seconds <= 86400:
            raise ValueError(
                f"EventRule {self.name!r}: max_event_age_seconds must be 60..86400, got {self.max_event_age_seconds}"
            )


@dataclass(kw_only=True)
class EventSchema:
    """An OpenAPI 3 schema of an event the bus carries, published in the schema registry."""

    name: str
    content: Mapping[str, Any]
    description: str = ""

    def __post_init__(self) -> None:
        names.check_given(self.name, names.SCHEMA, f"EventSchema({self.name!r}).name")


@dataclass(kw_only=True)
class EventRouterArgs:
    """Arguments of :class:`EventRouter`."""

    rules: Sequence[EventRule] = ()
    schemas: Sequence[EventSchema] = ()
    #: defaults.EVENT_ARCHIVE_RETENTION_DAYS (30): replay after an incident; 0 disables the archive.
    archive_retention_days: int = defaults.EVENT_ARCHIVE_RETENTION_DAYS
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None
    #: A bus the router does not create: an ``aws.cloudwatch.EventBus`` or its ARN (its name is the ARN's last
    #: part; nothing is looked up, so nothing of the bus is checked). Rules, targets, their DLQs, the archive and
    #: the schemas are still the router's.
    existing_bus: cloudwatch.EventBus | pulumi.Input[str] | None = None
    #: Keyword arguments of ``aws.cloudwatch.EventBus`` merged over the bus's defaults (only for a bus the router
    #: creates).
    bus_overrides: Mapping[str, Any] = field(default_factory=dict)


class EventRouter(pulumi.ComponentResource):
    """A custom bus whose every rule target has a DLQ and a retry policy.

    Rules can be passed in the args or added later with :meth:`add_rule`, once the resources
    that admit the rule (a topic policy, a queue policy) exist; :meth:`rule_arn` gives a rule's
    ARN before the rule is created.

    Outputs: ``arn`` and ``name`` are the bus's (EventBridge has no URL for a bus); ``bus_arn`` and
    ``bus_name``, their 0.1.0 names, are deprecated aliases.
    """

    #: The bus the router created (None with ``existing_bus``: see ``arn`` and ``name``).
    bus: cloudwatch.EventBus | None
    rules: dict[str, cloudwatch.EventRule]
    #: Per rule: where events its targets could not take after the retries park (alarmed), when the router created
    #: it (a rule's ``existing_dlq`` is not in it: see ``dlq_arns`` and ``dlq_urls``).
    dlqs: dict[str, sqs.Queue]
    #: Per rule: its DLQ's ARN and URL, created or ``existing_dlq``.
    dlq_arns: dict[str, pulumi.Output[str]]
    dlq_urls: dict[str, pulumi.Output[str]]
    #: For each queue or topic target under a customer-managed key given by ARN, and each rule DLQ under one
    #: (``dlq_overrides['kms_master_key_id']``, ``existing_dlq.kms_key_arn``): the statement its key policy needs
    #: so EventBridge may deliver from that rule only (logged: the router cannot edit a key it was given).
    required_key_policy: list[KeyPolicyGrant]
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    bus_arn = renamed_attribute("bus_arn", "arn", "0.2.0")
    bus_name = renamed_attribute("bus_name", "name", "0.2.0")

    def __init__(
        self, name: str, args: EventRouterArgs | None = None, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        token, opts = component_type("events", "EventRouter", opts)
        super().__init__(token, name, None, opts)
        args = args or EventRouterArgs()
        self._name = name
        self._context = args.context or current_stack_context()
        self._tags = self._context.tags_for(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        self.bus = None
        if args.existing_bus is not None and args.bus_overrides:
            raise ValueError("EventRouterArgs.bus_overrides apply to a bus the router creates, not to existing_bus")
        if args.existing_bus is None:
            bus_defaults = {"name": self._context.physical_name(name, names.EVENT_BUS), "tags": self._tags}
            self.bus = children.create(
                cloudwatch.EventBus,
                f"{name}-bus",
                bus_defaults,
                args.bus_overrides,
                arg="EventRouterArgs.bus_overrides",
                opts=child,
            )
            self.name, self.arn = self.bus.name, self.bus.arn
        else:
            existing = args.existing_bus
            self.arn = existing.arn if isinstance(existing, cloudwatch.EventBus) else pulumi.Output.from_input(existing)
            self.name = (
                existing.name
                if isinstance(existing, cloudwatch.EventBus)
                else self.arn.apply(lambda arn: arn.split(":event-bus/", 1)[-1])
            )
            if not isinstance(existing, cloudwatch.EventBus):
                children.not_checked(f"EventRouter {name}", "the existing bus's policy and encryption")
        if args.archive_retention_days:
            cloudwatch.EventArchive(
                f"{name}-archive",
                name=self._context.physical_name(name, names.EVENT_ARCHIVE),
                event_source_arn=self.arn,
                retention_days=args.archive_retention_days,
                opts=child,
            )
        if args.schemas:
            registry = schemas.Registry(
                f"{name}-schemas",
                name=self._context.physical_name(name, names.SCHEMA_REGISTRY),
                description=f"Events on the {name} bus",
                tags=self._tags,
                opts=child,
            )
            for schema in args.schemas:
                schemas.Schema(
                    f"{name}-schema-{schema.name}",
                    name=schema.name,
                    registry_name=registry.name,
                    type="OpenApi3",
                    content=json.dumps(schema.content),
                    description=schema.description or None,
                    tags=self._tags,
                    opts=child,
                )
        self.rules, self.dlqs, self.dlq_arns, self.dlq_urls, self.required_key_policy = {}, {}, {}, {}, []
        for rule in args.rules:
            self.add_rule(rule)
        self.register_outputs({"arn": self.arn, "name": self.name})

    def rule_name(self, rule: str) -> str:
        return self._context.physical_name(f"{self._name}-{rule}", names.EVENT_RULE)

    def rule_arn(self, rule: str) -> pulumi.Output[str]:
        """The ARN ``rule`` will have: rules on a custom bus are ``rule/<bus>/<rule>``."""
        return pulumi.Output.concat(
            self.arn.apply(lambda arn: arn.split(":event-bus/")[0]),
            ":rule/",
            self.name,
            "/",
            self.rule_name(rule),
        )

    def add_rule(self, rule: EventRule) -> cloudwatch.EventRule:
        rule.validate()
        if rule.name in self.rules:
            raise ValueError(f"EventRouter {self._name!r}: duplicate rule name {rule.name!r}")
        base = f"{self._name}-{rule.name}"
        child = pulumi.ResourceOptions(parent=self)
        dlq_arn = self._rule_dlq(base, rule)
        rule_defaults = {
            "name": self.rule_name(rule.name),
            "event_bus_name": self.name,
            "event_pattern": json.dumps(rule.event_pattern),
            "description": rule.description or None,
            "tags": self._tags,
        }
        event_rule = children.create(
            cloudwatch.EventRule,
            f"{base}-rule",
            rule_defaults,
            rule.overrides,
            arg=f"EventRule {rule.name!r}: overrides",
            opts=child,
        )
        for index, target in enumerate(rule.targets):
            self._target(f"{base}-target{index}", rule, event_rule, target, dlq_arn)
        self.rules[rule.name] = event_rule
        return event_rule

    def _rule_dlq(self, base: str, rule: EventRule) -> pulumi.Output[str]:
        """Where EventBridge parks what ``rule``'s targets could not take (created, or its ``existing_dlq``),
        admitting EventBridge from this rule only; a customer-managed key's needs listed. Its ARN."""
        from_rule = ServiceSender("events.amazonaws.com", self.rule_arn(rule.name))
        owner = f"EventRouter {self._name}"
        if rule.existing_dlq is not None:
            arg = f"EventRule {rule.name!r}: existing_dlq"
            adopted = adopt_dead_letter_queue(
                base,
                rule.existing_dlq,
                owner=owner,
                arg=arg,
                unchecked="encryption (declare its key with kms_key_arn)",
                context=self._context,
                parent=self,
                tags=self._tags,
                senders=[from_rule],
            )
            rule.existing_dlq.check_fifo(owner, arg, fifo=False, why="EventBridge DLQs are standard queues")
            arn, url, key_arn, key_arg = adopted.arn, adopted.url, adopted.key_arn, f"{arg}.kms_key_arn"
        else:
            arg = f"EventRule {rule.name!r}: dlq_overrides"
            created = dead_letter_queue(
                base,
                context=self._context,
                parent=self,
                tags=self._tags,
                senders=[from_rule],
                overrides=rule.dlq_overrides,
                overrides_arg=arg,
            )
            self.dlqs[rule.name] = created.queue
            arn, url, key_arn, key_arg = (
                created.queue.arn,
                created.queue.url,
                created.key_arn,
                f"{arg}['kms_master_key_id']",
            )
        if key_arn is not None:
            # EventBridge writes the DLQ as itself: only the key's policy can let it, for this rule only.
            self.required_key_policy.append(
                delivery_key_policy(
                    f"{owner}: rule {rule.name!r}", key_arg, key_arn, [from_rule], iam.account_of(self.arn)
                )
            )
        self.dlq_arns[rule.name], self.dlq_urls[rule.name] = arn, url
        return arn

    def dlq_name(self, rule: str) -> pulumi.Output[str]:
        """The name of ``rule``'s DLQ (created or existing)."""
        return queue_name_of(self.dlq_urls[rule])

    def _target(
        self, name: str, rule: EventRule, event_rule: cloudwatch.EventRule, target: Target, dlq_arn: pulumi.Output[str]
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        extra: dict[str, Any] = {}
        if isinstance(target, LambdaTarget):
            invoked = InvokeTarget.of(target.function_arn)
            arn: pulumi.Input[str] = invoked.arn
            invoke_permission(
                f"{name}-permission", invoked, "events.amazonaws.com", source_arn=event_rule.arn, parent=self
            )
        elif isinstance(target, QueueTarget | TopicTarget):
            arn = target.queue_arn if isinstance(target, QueueTarget) else target.topic_arn
            if isinstance(target, QueueTarget) and target.message_group_id:
                extra["sqs_target"] = {"message_group_id": target.message_group_id}
            key_arn = customer_key_arn(
                target.kms_key_arn, f"EventRule {rule.name!r}: {type(target).__name__}.kms_key_arn"
            )
            if key_arn is not None:
                # EventBridge encrypts as itself: only the key's policy can let it, for this rule only.
                from_rule = ServiceSender("events.amazonaws.com", event_rule.arn)
                self.required_key_policy.append(
                    delivery_key_policy(
                        f"EventRouter {self._name}: rule {rule.name!r}",
                        f"{type(target).__name__}.kms_key_arn",
                        key_arn,
                        [from_rule],
                        iam.account_of(self.arn),
                    )
                )
        else:
            arn = target.state_machine_arn
            role = iam.service_role(
                name,
                "events.amazonaws.com",
                [iam.states_start(arn)],
                parent=self,
                tags=self._tags,
                # The bus's account: EventBridge assumes the role only for this account's rules.
                source_account=iam.account_of(self.arn),
            )
            extra["role_arn"] = role.role.arn
            extra["opts"] = pulumi.ResourceOptions(parent=self, depends_on=[role.policy])
        opts = extra.pop("opts", child)
        target_defaults = {
            "rule": event_rule.name,
            "event_bus_name": self.name,
            "arn": arn,
            "input_path": rule.input_path,
            "dead_letter_config": {"arn": dlq_arn},
            "retry_policy": {
                "maximum_retry_attempts": rule.max_retries,
                "maximum_event_age_in_seconds": rule.max_event_age_seconds,
            },
            **extra,
        }
        children.create(
            cloudwatch.EventTarget,
            name,
            target_defaults,
            rule.target_overrides,
            arg=f"EventRule {rule.name!r}: target_overrides",
            opts=opts,
        )
