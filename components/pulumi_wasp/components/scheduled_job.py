"""ScheduledJob: a function run on a schedule by EventBridge Scheduler (or an EventBridge rule).

The schedule expression is validated at synthesis (:func:`validate_schedule`), so a typo fails
``pulumi preview`` with the reason instead of failing the deployment. The function may be an existing one
(:class:`~components.function.ExistingFunction`): the job still owns the schedule or rule, its target, the
invoke permission or role and the DLQ of runs that could not be delivered.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

import pulumi
from pulumi_aws import cloudwatch, scheduler, sqs

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import (
    AsyncInvokeArgs,
    ExistingFunction,
    InvokeTarget,
    ServerlessFunction,
    ServerlessFunctionArgs,
    check_async_failures,
    invoke_permission,
)
from pulumi_wasp.components.queue import ExistingQueue, Queue, adopt_dead_letter_queue
from pulumi_wasp.components.shared import children, iam, names
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.kms import KeyPolicyGrant, delivery_key_policy
from pulumi_wasp.components.shared.queues import (
    ServiceSender,
    dead_letter_queue,
    sender_statements,
)
from pulumi_wasp.components.shared.tokens import component_type

# -- schedule expressions -----------------------------------------------------------------------
_RATE = re.compile(r"^rate\((?P<value>\d+) (?P<unit>[a-z]+)\)$")
_RATE_UNITS = ("minute", "hour", "day")
_AT = re.compile(r"^at\((?P<when>[^)]*)\)$")
_CRON = re.compile(r"^cron\((?P<fields>[^)]*)\)$")
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
_DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}


@dataclass(frozen=True)
class _CronField:
    name: str
    low: int
    high: int
    names: Mapping[str, int] = field(default_factory=dict)

    def value(self, token: str) -> int:
        if token.upper() in self.names:
            return self.names[token.upper()]
        if not token.isdigit():
            raise ValueError(f"{self.name}: {token!r} is not a number{' or a name' if self.names else ''}")
        number = int(token)
        if not self.low <= number <= self.high:
            raise ValueError(f"{self.name}: {number} is outside {self.low}-{self.high}")
        return number

    def item(self, item: str) -> None:
        """One comma-separated item: ``*``, ``a``, ``a-b``, each optionally ``/step``."""
        base, _, step = item.partition("/")
        if step and (not step.isdigit() or not 1 <= int(step) <= self.high):
            raise ValueError(f"{self.name}: increment {step!r} must be 1-{self.high}")
        if base == "*":
            return
        low, dash, high = base.partition("-")
        first = self.value(low)
        # Day-of-week ranges may wrap around the week (FRI-MON); the others may not.
        if dash and self.value(high) < first and self.name != "day-of-week":
            raise ValueError(f"{self.name}: range {base!r} runs backwards")


_CRON_FIELDS = (
    _CronField("minutes", 0, 59),
    _CronField("hours", 0, 23),
    _CronField("day-of-month", 1, 31),
    _CronField("month", 1, 12, _MONTHS),
    _CronField("day-of-week", 1, 7, _DAYS),
    _CronField("year", 1970, 2199),
)
_DAY_OF_MONTH_SPECIAL = re.compile(r"^(L|LW|\d{1,2}W)$")
_DAY_OF_WEEK_SPECIAL = re.compile(r"^(L|(?P<day>\w{1,3})L|(?P<nth_day>\w{1,3})#(?P<nth>\d))$")


def _cron(fields: str) -> None:
    parts = fields.split()
    if len(parts) != 6:
        raise ValueError(f"cron takes 6 fields (minutes hours day-of-month month day-of-week year), got {len(parts)}")
    day_of_month, day_of_week = parts[2], parts[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ValueError("exactly one of day-of-month and day-of-week must be '?' (AWS cannot combine them)")
    for spec, text in zip(_CRON_FIELDS, parts, strict=True):
        if text == "?":
            if spec.name not in ("day-of-month", "day-of-week"):
                raise ValueError(f"{spec.name}: '?' is only allowed in day-of-month or day-of-week")
            continue
        for item in text.split(","):
            if not item:
                raise ValueError(f"{spec.name}: empty item in {text!r}")
            if spec.name == "day-of-month" and _DAY_OF_MONTH_SPECIAL.match(item):
                if item[0].isdigit():
                    spec.value(item[:-1])
                continue
            special = _DAY_OF_WEEK_SPECIAL.match(item) if spec.name == "day-of-week" else None
            if special:
                if special["day"]:
                    spec.value(special["day"])
                if special["nth_day"]:
                    spec.value(special["nth_day"])
                    if not 1 <= int(special["nth"]) <= 5:
                        raise ValueError(f"day-of-week: {item!r}: the week of the month must be 1-5")
                continue
            spec.item(item)


def _rate(value: str, unit: str) -> None:
    count = int(value)
    singular = unit.removesuffix("s")
    if singular not in _RATE_UNITS:
        raise ValueError(f"the unit must be minute(s), hour(s) or day(s), got {unit!r}")
    if count < 1:
        raise ValueError("the value must be a positive whole number")
    if count == 1 and unit != singular:
        raise ValueError(f"a value of 1 takes the singular unit: rate(1 {singular})")
    if count > 1 and unit == singular:
        raise ValueError(f"a value above 1 takes the plural unit: rate({count} {singular}s)")


def validate_schedule(expression: str, *, allow_at: bool = True) -> None:
    """Raise ValueError (with the reason) unless ``expression`` is a valid ``rate(...)``,
    ``cron(...)`` or, for EventBridge Scheduler, ``at(yyyy-mm-ddThh:mm:ss)``."""
    if match := _RATE.match(expression):
        _rate(match["value"], match["unit"])
    elif match := _CRON.match(expression):
        _cron(match["fields"])
    elif match := _AT.match(expression):
        if not allow_at:
            raise ValueError("at(...) one-time schedules need EventBridge Scheduler (kind='scheduler'), not a rule")
        try:
            datetime.strptime(match["when"], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise ValueError("at(...) takes a date and time as yyyy-mm-ddThh:mm:ss") from None
    else:
        raise ValueError("expected rate(<value> <unit>), cron(<6 fields>) or at(yyyy-mm-ddThh:mm:ss)")


def _known_time_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # Without a time zone database (a bare container), judge the shape only.
        return not zoneinfo.available_timezones() and re.fullmatch(r"[A-Za-z_]+(/[A-Za-z0-9_+-]+)*", name) is not None
    return True


# -- the component ------------------------------------------------------------------------------
@dataclass(kw_only=True)
class ScheduledJobArgs:
    """Arguments of :class:`ScheduledJob`: the function is a new one (``function``) xor an existing one
    (``existing_function``)."""

    #: ``rate(5 minutes)``, ``cron(0 2 * * ? *)`` or (Scheduler only) ``at(2030-01-01T00:00:00)``.
    schedule: str
    #: The job to create; an async target, so it gets an invoke config with a DLQ (AsyncInvokeArgs() unless set).
    function: ServerlessFunctionArgs | None = None
    #: A function the job does not create (see :class:`ExistingFunction`). Its role needs nothing from the job:
    #: Scheduler invokes it with the schedule's own role, a rule through a resource-based permission, so
    #: ``ExistingFunction.role`` is not used. The job adds a DLQ of its own for runs that could not be delivered;
    #: runs that fail in the function go where its own async invoke config sends them: unchecked for a bare ARN
    #: (a log line says so), a warning for a ServerlessFunction without ``async_invoke``, the policy pack's
    #: lambda-async-failure-destination for an ``aws.lambda_.Function``.
    existing_function: ExistingFunction | None = None
    #: "scheduler" (EventBridge Scheduler: time zones, one-time schedules) or "rule" (an
    #: EventBridge rule on the default bus, UTC only).
    kind: Literal["scheduler", "rule"] = "scheduler"
    #: defaults.SCHEDULE_TIMEZONE (UTC): the zone cron expressions are read in (Scheduler only).
    timezone: str = defaults.SCHEDULE_TIMEZONE
    #: Minutes Scheduler may delay a run to spread load; None: off (runs on time).
    flexible_window_minutes: int | None = None
    #: The event the function receives (JSON); Scheduler's/EventBridge's own when None.
    input: Mapping[str, Any] | None = None
    #: defaults.SCHEDULE_MAX_RETRIES (3) and ..._MAX_EVENT_AGE_SECONDS (1 h) of delivery retries, then the DLQ.
    max_retries: int = defaults.SCHEDULE_MAX_RETRIES
    max_event_age_seconds: int = defaults.SCHEDULE_MAX_EVENT_AGE_SECONDS
    enabled: bool = True
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None
    #: kind="scheduler": keyword arguments of ``aws.scheduler.Schedule`` merged over the schedule's defaults
    #: (``target`` replaces the whole target); a target without a retry policy and a DLQ warns naming
    #: scheduler-target-dlq.
    schedule_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: kind="rule": keyword arguments of ``aws.cloudwatch.EventRule`` merged over the rule's defaults.
    rule_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: kind="rule": keyword arguments of ``aws.cloudwatch.EventTarget`` merged over the target's defaults;
    #: dropping the DLQ or the retry policy warns naming eventbridge-target-dlq or eventbridge-target-retry.
    target_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.sqs.Queue`` merged over the DLQ the job creates (a rule's, or the schedule's of
    #: an existing function). With Scheduler and a new function the DLQ is the function's: set
    #: ``function.async_invoke=AsyncInvokeArgs(dlq_overrides=...)``. Under a customer-managed key
    #: (``kms_master_key_id``, its ARN) the schedule's role is granted the key through SQS; a rule's DLQ is written
    #: by EventBridge as itself, which only the key's policy can allow: the job cannot edit a key it was given, so
    #: it logs so and lists the statement in ``ScheduledJob.required_key_policy``.
    dlq_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: A queue the job does not create, instead of the DLQ it would (a rule's, or an existing function's
    #: schedule's): an ``aws.sqs.Queue``, or ARN and URL (see :class:`ExistingQueue`). The schedule's role is granted
    #: send on it (and its ``kms_key_arn``); for a rule, which EventBridge delivers as itself, the job sets the queue's
    #: policy to admit the rule (it replaces any policy the queue had) and lists what the key's policy needs in
    #: ``required_key_policy``. Its depth is still alarmed on; nothing else of it is checked (logged).
    existing_dlq: ExistingQueue | None = None

    def validate(self) -> None:
        if self.existing_dlq is not None:
            self.existing_dlq.validate("ScheduledJobArgs.existing_dlq")
            if self.dlq_overrides:
                raise ValueError("ScheduledJobArgs.dlq_overrides apply to a DLQ the job creates, not to existing_dlq")
            if isinstance(self.existing_dlq.queue, Queue):
                raise ValueError(
                    "ScheduledJobArgs.existing_dlq is a Queue component, which owns its queue policy; give its "
                    "aws.sqs.Queue or ARN and URL"
                )
            if self.kind == "scheduler" and self.function is not None:
                raise ValueError(
                    "ScheduledJobArgs.existing_dlq: with Scheduler and a new function the DLQ is the function's; "
                    "set function.async_invoke=AsyncInvokeArgs(existing_dlq=...)"
                )
        children.exactly_one(
            "ScheduledJobArgs",
            ("ScheduledJobArgs.existing_function", self.existing_function),
            ("ScheduledJobArgs.function", self.function),
        )
        if self.existing_function is not None:
            self.existing_function.validate("ScheduledJobArgs.existing_function")
        if self.kind not in ("scheduler", "rule"):
            raise ValueError(f"ScheduledJobArgs.kind must be 'scheduler' or 'rule', got {self.kind!r}")
        self._validate_overrides()
        try:
            validate_schedule(self.schedule, allow_at=self.kind == "scheduler")
        except ValueError as error:
            raise ValueError(f"ScheduledJobArgs.schedule {self.schedule!r}: {error}") from None
        if self.kind == "rule" and self.timezone != "UTC":
            raise ValueError(
                f"ScheduledJobArgs.timezone: EventBridge rules run in UTC; use kind='scheduler' for {self.timezone!r}",
            )
        if self.kind == "rule" and self.flexible_window_minutes is not None:
            raise ValueError("ScheduledJobArgs.flexible_window_minutes needs kind='scheduler'")
        if not _known_time_zone(self.timezone):
            raise ValueError(
                f"ScheduledJobArgs.timezone must be an IANA time zone (e.g. Europe/Berlin), got {self.timezone!r}",
            )
        if self.flexible_window_minutes is not None and not 1 <= self.flexible_window_minutes <= 1440:
            raise ValueError(
                f"ScheduledJobArgs.flexible_window_minutes must be 1..1440, got {self.flexible_window_minutes}",
            )
        if not 0 <= self.max_retries <= 185:
            raise ValueError(f"ScheduledJobArgs.max_retries must be 0..185, got {self.max_retries}")
        if not 60 <= self.max_event_age_seconds <= 86400:
            raise ValueError(
                f"ScheduledJobArgs.max_event_age_seconds must be 60..86400, got {self.max_event_age_seconds}",
            )

    def _validate_overrides(self) -> None:
        other = ("rule_overrides", "target_overrides") if self.kind == "scheduler" else ("schedule_overrides",)
        given = [f"ScheduledJobArgs.{arg}" for arg in other if getattr(self, arg)]
        if given:
            raise ValueError(f"{', '.join(given)}: kind={self.kind!r} creates no such resource")
        if self.kind == "scheduler" and self.function is not None and self.dlq_overrides:
            raise ValueError(
                "ScheduledJobArgs.dlq_overrides: with Scheduler and a new function the DLQ is the function's; "
                "set function.async_invoke=AsyncInvokeArgs(dlq_overrides=...)"
            )


class ScheduledJob(pulumi.ComponentResource):
    """A function on a schedule, with delivery retries on the schedule and an async invoke config
    (retries, max age) on the function; runs that could not be delivered and runs that failed land
    in one alarmed DLQ (a rule needs a DLQ of its own, admitting only the rule).

    Outputs: ``arn`` and ``name`` are the function's, the principal: it is what runs, logs and alarms,
    and it is the same resource type whichever ``kind`` triggers it (a Scheduler schedule or an EventBridge
    rule, reached as ``schedule`` / ``rule``); ``dlq_url`` besides. ``function_name``, the 0.1.0 output key,
    was a component output only.

    Example::

        cleanup = ScheduledJob("cleanup", ScheduledJobArgs(schedule="cron(0 2 * * ? *)",
            function=ServerlessFunctionArgs(handler="maintenance.cleanup.handler",
                                            code=["lambdas/maintenance", "lambdas/shared"])))

    With ``existing_function`` the job creates no function: the schedule (and its role) or the rule (its target
    and the invoke permission) and a DLQ of its own for undelivered runs, ``<name>-schedule-dlq`` or
    ``<name>-rule-dlq``; see :class:`ScheduledJobArgs` for what it checks.
    """

    #: The function the job created (None with ``existing_function``: see ``arn`` and ``name``).
    function: ServerlessFunction | None
    #: Where runs that exhausted their retries go: the function's own DLQ for Scheduler, the rule's for a rule
    #: (for an existing function, the schedule's own); None for a DLQ the job did not create (``existing_dlq``, or
    #: the function's ``AsyncInvokeArgs.existing_dlq``: see ``dlq_url``).
    dlq: sqs.Queue | None
    dlq_url: pulumi.Output[str]
    schedule: scheduler.Schedule | None
    rule: cloudwatch.EventRule | None
    #: kind="rule" with a DLQ under a customer-managed key (``dlq_overrides``): the statement its key policy needs
    #: so EventBridge may send undeliverable runs from this rule (logged: the job cannot edit that key), else empty.
    required_key_policy: list[KeyPolicyGrant]
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: ScheduledJobArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("schedule", "ScheduledJob", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        self.function = None
        if args.function is not None:
            function_args = replace(
                args.function,
                async_invoke=args.function.async_invoke or AsyncInvokeArgs(),
                tags={**args.tags, **args.function.tags},
            )
            self.function = ServerlessFunction(name, function_args, child)
            function_arn: pulumi.Input[str] = self.function.target.arn
            self.arn, self.name = self.function.arn, self.function.name
        else:
            existing = args.existing_function
            assert existing is not None  # validated
            _check_existing(name, existing)
            function_arn = existing.function_arn
            self.arn, self.name = pulumi.Output.from_input(function_arn), existing.function_name
        payload = json.dumps(args.input) if args.input is not None else None
        self.schedule, self.rule, self.required_key_policy = None, None, []
        if args.kind == "scheduler":
            if self.function is not None:
                # An async target always has one.
                assert self.function.dlq_arn is not None and self.function.dlq_url is not None
                self.dlq, dlq_key = self.function.dlq, self.function.dlq_kms_key_arn
                dlq_arn, self.dlq_url = self.function.dlq_arn, self.function.dlq_url
            else:
                self.dlq, dlq_arn, self.dlq_url, dlq_key = self._own_dlq(
                    f"{name}-schedule", args, context=context, tags=tags
                )
            # Scheduler invokes the function and sends to the DLQ with this role, nothing else (under a
            # customer-managed key, the key through SQS too: Scheduler encrypts as the role).
            statements = [iam.lambda_invoke([function_arn]), *sender_statements(dlq_arn, dlq_key)]
            role = iam.service_role(
                f"{name}-schedule",
                "scheduler.amazonaws.com",
                statements,
                parent=self,
                tags=tags,
                # The deploying account (a queue the job holds is in it): Scheduler assumes the role only for this
                # account's schedules.
                source_account=iam.account_of(dlq_arn),
            )
            window = args.flexible_window_minutes
            flexible = scheduler.ScheduleFlexibleTimeWindowArgs(
                mode="FLEXIBLE" if window else "OFF",
                maximum_window_in_minutes=window,
            )
            schedule_defaults = {
                "name": context.physical_name(name, names.SCHEDULE),
                "description": args.description or None,
                "schedule_expression": args.schedule,
                "schedule_expression_timezone": args.timezone,
                "flexible_time_window": flexible,
                "state": "ENABLED" if args.enabled else "DISABLED",
                "target": scheduler.ScheduleTargetArgs(
                    arn=function_arn,
                    role_arn=role.role.arn,
                    input=payload,
                    retry_policy=scheduler.ScheduleTargetRetryPolicyArgs(
                        maximum_retry_attempts=args.max_retries,
                        maximum_event_age_in_seconds=args.max_event_age_seconds,
                    ),
                    dead_letter_config=scheduler.ScheduleTargetDeadLetterConfigArgs(arn=dlq_arn),
                ),
            }
            self.schedule = children.create(
                scheduler.Schedule,
                f"{name}-schedule",
                schedule_defaults,
                args.schedule_overrides,
                arg="ScheduledJobArgs.schedule_overrides",
                opts=pulumi.ResourceOptions(parent=self, depends_on=[role.policy]),
            )
        else:
            rule_defaults = {
                "name": context.physical_name(name, names.EVENT_RULE),
                "description": args.description or None,
                "schedule_expression": args.schedule,
                "state": "ENABLED" if args.enabled else "DISABLED",
                "tags": tags,
            }
            self.rule = children.create(
                cloudwatch.EventRule,
                f"{name}-rule",
                rule_defaults,
                args.rule_overrides,
                arg="ScheduledJobArgs.rule_overrides",
                opts=child,
            )
            from_rule = ServiceSender("events.amazonaws.com", self.rule.arn)
            self.dlq, dlq_arn, self.dlq_url, dlq_key = self._own_dlq(
                f"{name}-rule", args, context=context, tags=tags, senders=[from_rule]
            )
            if dlq_key is not None:
                # EventBridge sends undeliverable runs as itself: only the DLQ key's policy can let it.
                key_arg = (
                    "ScheduledJobArgs.existing_dlq.kms_key_arn"
                    if args.existing_dlq is not None
                    else "ScheduledJobArgs.dlq_overrides['kms_master_key_id']"
                )
                self.required_key_policy.append(
                    delivery_key_policy(f"ScheduledJob {name}", key_arg, dlq_key, [from_rule], iam.account_of(dlq_arn))
                )
            # The alias when there is one; an existing function by its ARN: a qualified one keeps its qualifier.
            invoked = InvokeTarget.of(self.function if self.function is not None else function_arn)
            permission = invoke_permission(
                f"{name}-permission", invoked, "events.amazonaws.com", source_arn=self.rule.arn, parent=self
            )
            target_defaults = {
                "rule": self.rule.name,
                "arn": function_arn,
                "input": payload,
                "retry_policy": cloudwatch.EventTargetRetryPolicyArgs(
                    maximum_retry_attempts=args.max_retries,
                    maximum_event_age_in_seconds=args.max_event_age_seconds,
                ),
                "dead_letter_config": cloudwatch.EventTargetDeadLetterConfigArgs(arn=dlq_arn),
            }
            children.create(
                cloudwatch.EventTarget,
                f"{name}-target",
                target_defaults,
                args.target_overrides,
                arg="ScheduledJobArgs.target_overrides",
                opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]),
            )
        self.register_outputs({"arn": self.arn, "name": self.name, "dlq_url": self.dlq_url})

    def _own_dlq(
        self,
        name: str,
        args: ScheduledJobArgs,
        *,
        context: StackContext,
        tags: dict[str, str],
        senders: list[ServiceSender] | None = None,
    ) -> tuple[sqs.Queue | None, pulumi.Output[str], pulumi.Output[str], pulumi.Input[str] | None]:
        """The alarmed DLQ the job itself holds (a rule's, or an existing function's schedule's), created or
        ``existing_dlq`` admitting ``senders``: the queue created (None for an existing one), its ARN, URL and key."""
        existing = args.existing_dlq
        if existing is None:
            dlq = dead_letter_queue(
                name,
                context=context,
                parent=self,
                tags=tags,
                senders=senders or (),
                overrides=args.dlq_overrides,
                overrides_arg="ScheduledJobArgs.dlq_overrides",
            )
            return dlq.queue, dlq.queue.arn, dlq.queue.url, dlq.key_arn
        adopted = adopt_dead_letter_queue(
            name,
            existing,
            owner=f"ScheduledJob {self._name}",
            arg="ScheduledJobArgs.existing_dlq",
            unchecked="encryption (declare its key with kms_key_arn)",
            context=context,
            parent=self,
            tags=tags,
            senders=senders or (),
        )
        return None, adopted.arn, adopted.url, adopted.key_arn


def _check_existing(name: str, existing: ExistingFunction) -> None:
    """What the job can tell of an existing function's own failed runs; its role is not the job's concern."""
    owner = f"ScheduledJob {name}"
    if existing.role is not None:
        pulumi.log.info(
            f"{owner}: ExistingFunction.role is not used: the job invokes the function with the schedule's own role "
            "(Scheduler) or a resource-based permission (rule), so the function's role needs nothing"
        )
    check_async_failures(owner, "ScheduledJobArgs.existing_function", existing, "runs")
