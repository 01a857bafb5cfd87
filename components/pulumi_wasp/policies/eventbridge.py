"""EventBridge and Scheduler: target DLQs and retries, bus access, archives."""

from __future__ import annotations

from collections.abc import Iterator

from .aws_types import EVENT_ARCHIVE, EVENT_BUS, EVENT_BUS_POLICY, EVENT_TARGET, SCHEDULE
from .common import (
    ADVISORY,
    MANDATORY,
    Config,
    Finding,
    Res,
    Stack,
    as_list,
    json_doc,
    resource_rule,
    stack_rule,
    violation,
)


@resource_rule(
    "eventbridge-target-dlq",
    types=[EVENT_TARGET],
    description="EventBridge targets keep events they fail to deliver in an SQS dead-letter queue.",
    level=MANDATORY,
    fix='Set dead_letter_config={"arn": <queue arn>} and allow events.amazonaws.com to send to the queue.',
    pillar="reliability",
    anchors="SR ES4000, NAG EventBusDLQ",
)
def target_dlq(target: Res, config: Config) -> Iterator[str]:
    if not target.get("deadLetterConfig", "arn"):
        yield violation(
            target,
            "deadLetterConfig.arn",
            None,
            "an SQS queue (undeliverable events are otherwise dropped after retries)",
            'set dead_letter_config={"arn": <queue arn>}',
        )


@resource_rule(
    "eventbridge-target-retry",
    types=[EVENT_TARGET],
    description="EventBridge targets set an explicit retry policy (attempts and maximum event age).",
    level=ADVISORY,
    fix='Set retry_policy={"maximum_retry_attempts": 3, "maximum_event_age_in_seconds": 3600}.',
    pillar="reliability",
    anchors="",
)
def target_retry(target: Res, config: Config) -> Iterator[str]:
    policy = target.get("retryPolicy")
    if not policy:
        yield violation(
            target,
            "retryPolicy",
            None,
            "maximumRetryAttempts and maximumEventAgeInSeconds (the defaults retry for 24 hours)",
            'set retry_policy={"maximum_retry_attempts": 3, "maximum_event_age_in_seconds": 3600}',
        )


def _public(statement: dict[str, object]) -> bool:
    principal = statement.get("Principal")
    everyone = principal == "*" or (isinstance(principal, dict) and "*" in as_list(principal.get("AWS")))
    return statement.get("Effect") == "Allow" and everyone and not statement.get("Condition")


@resource_rule(
    "eventbridge-bus-no-public-access",
    types=[EVENT_BUS_POLICY],
    description="Event bus policies grant no '*' principal without a condition.",
    level=MANDATORY,
    fix="Name the accounts or organization allowed (or add a Condition such as aws:PrincipalOrgID).",
    pillar="security",
    anchors="AwsSolutions-EVB1",
)
def bus_no_public_access(policy: Res, config: Config) -> Iterator[str]:
    doc = json_doc(policy.get("policy")) or {}
    for statement in as_list(doc.get("Statement") if isinstance(doc, dict) else None):
        if isinstance(statement, dict) and _public(statement):
            yield violation(
                policy,
                f"policy statement {statement.get('Sid', '(no Sid)')}",
                statement,
                "specific principals, or a Condition (e.g. aws:PrincipalOrgID)",
                "replace the '*' principal with account ids or add a Condition",
            )


@stack_rule(
    "eventbridge-bus-archive",
    types=[EVENT_BUS],
    description="Each custom event bus has an archive, so events can be replayed after an incident.",
    level=ADVISORY,
    fix="Add cloudwatch.EventArchive(event_source_arn=bus.arn, retention_days=...).",
    pillar="reliability",
    anchors="",
)
def bus_archive(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(bus: Res) -> Iterator[str]:
        if bus.get("eventSourceName"):
            return  # partner buses are fed by a SaaS partner; archives are the partner's concern
        archives = [res for res, prop in stack.referrers(bus, EVENT_ARCHIVE) if prop == "eventSourceArn"]
        if not archives:
            yield violation(bus, "archive", None, "an EventArchive of this bus", "add an EventArchive for the bus")

    return stack.each([EVENT_BUS], check)


@resource_rule(
    "scheduler-target-dlq",
    types=[SCHEDULE],
    description="EventBridge Scheduler targets have a dead-letter queue and a retry policy.",
    level=MANDATORY,
    fix='Set target.dead_letter_config={"arn": <queue arn>} and target.retry_policy.',
    pillar="reliability",
    anchors="",
)
def scheduler_target_dlq(schedule: Res, config: Config) -> Iterator[str]:
    if not schedule.get("target", "deadLetterConfig", "arn"):
        yield violation(
            schedule,
            "target.deadLetterConfig.arn",
            None,
            "an SQS queue for invocations that fail after retries",
            'set target.dead_letter_config={"arn": <queue arn>}',
        )
    if not schedule.get("target", "retryPolicy"):
        yield violation(
            schedule,
            "target.retryPolicy",
            None,
            "maximumRetryAttempts and maximumEventAgeInSeconds",
            'set target.retry_policy={"maximum_retry_attempts": 3, "maximum_event_age_in_seconds": 3600}',
        )


RULES = (target_dlq, target_retry, bus_no_public_access, bus_archive, scheduler_target_dlq)
