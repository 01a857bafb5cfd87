"""EventBridge and Scheduler rules: target DLQs and retries, bus policies, archives, schedule targets."""

from __future__ import annotations

import json

import pulumi_aws as aws
import pytest

from pulumi_wasp.preview import PolicyReport
from pulumi_wasp.synthesis import Synthesis

from .conftest import (
    TAGS,
    analyze,
    dead_letter_queue,
    exempt,
    exempted,
    flagged,
    function,
    synth,
    unevaluated,
    with_unknown,
)

RETRY = {"maximum_retry_attempts": 3, "maximum_event_age_in_seconds": 3600}


def _bus_policy(name: str, bus: aws.cloudwatch.EventBus, statement: dict[str, object]) -> None:
    aws.cloudwatch.EventBusPolicy(
        name,
        event_bus_name=bus.name,
        policy=bus.arn.apply(lambda arn: json.dumps({"Statement": [{**statement, "Resource": arn}]})),
    )


def program() -> None:
    handler = function("handler")
    dlq = dead_letter_queue("targets-dlq")
    rule = aws.cloudwatch.EventRule("placed", event_pattern=json.dumps({"source": ["orders"]}), tags=TAGS)
    aws.cloudwatch.EventTarget(
        "safe-target", rule=rule.name, arn=handler.arn, dead_letter_config={"arn": dlq.arn}, retry_policy=RETRY
    )
    aws.cloudwatch.EventTarget("bare-target", rule=rule.name, arn=handler.arn)

    archived = aws.cloudwatch.EventBus("archived-bus", tags=TAGS)
    aws.cloudwatch.EventArchive("archived-bus-archive", event_source_arn=archived.arn, retention_days=30)
    aws.cloudwatch.EventBus("unarchived-bus", tags=TAGS)
    aws.cloudwatch.EventBus("scratch-bus", tags=exempt("eventbridge-bus-archive"))

    everyone = {"Effect": "Allow", "Principal": "*", "Action": "events:PutEvents"}
    _bus_policy("org-policy", archived, {**everyone, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}})
    _bus_policy("public-policy", archived, everyone)

    role = aws.iam.Role("scheduler-role", assume_role_policy=json.dumps({"Statement": []}), tags=TAGS)
    window = {"mode": "OFF"}
    aws.scheduler.Schedule(
        "safe-schedule",
        schedule_expression="rate(5 minutes)",
        flexible_time_window=window,
        target={
            "arn": handler.arn,
            "role_arn": role.arn,
            "dead_letter_config": {"arn": dlq.arn},
            "retry_policy": RETRY,
        },
    )
    aws.scheduler.Schedule(
        "bare-schedule",
        schedule_expression="rate(5 minutes)",
        flexible_time_window=window,
        target={"arn": handler.arn, "role_arn": role.arn},
    )


@pytest.fixture(scope="module")
def stack() -> Synthesis:
    return synth(program)


@pytest.fixture(scope="module")
def report(stack: Synthesis) -> PolicyReport:
    return analyze(stack)


def test_target_dlq_accepts_a_target_with_a_dead_letter_queue(report: PolicyReport) -> None:
    assert flagged(report, "eventbridge-target-dlq") == {"bare-target"}


def test_target_retry_accepts_a_retry_policy_and_flags_its_absence(report: PolicyReport) -> None:
    assert flagged(report, "eventbridge-target-retry") == {"bare-target"}


def test_target_dlq_queue_is_a_dead_letter_queue_for_the_sqs_rules(report: PolicyReport) -> None:
    assert "targets-dlq" not in flagged(report, "sqs-redrive-policy")


def test_bus_no_public_access_accepts_a_conditioned_star_principal(report: PolicyReport) -> None:
    assert "org-policy" not in flagged(report, "eventbridge-bus-no-public-access")


def test_bus_no_public_access_flags_an_unconditioned_star_principal(report: PolicyReport) -> None:
    assert "public-policy" in flagged(report, "eventbridge-bus-no-public-access")


def test_bus_archive_accepts_a_bus_with_an_archive(report: PolicyReport) -> None:
    assert "archived-bus" not in flagged(report, "eventbridge-bus-archive")


def test_bus_archive_flags_a_bus_without_one(report: PolicyReport) -> None:
    assert "unarchived-bus" in flagged(report, "eventbridge-bus-archive")


def test_bus_archive_lists_an_exempted_bus(report: PolicyReport) -> None:
    assert "scratch-bus" in exempted(report, "eventbridge-bus-archive")
    assert "scratch-bus" not in flagged(report, "eventbridge-bus-archive")


def test_bus_archive_matches_archives_by_property_dependency_on_a_first_preview() -> None:
    report = analyze(synth(program, first_deploy=True))
    assert "archived-bus" not in flagged(report, "eventbridge-bus-archive")
    assert "unarchived-bus" in flagged(report, "eventbridge-bus-archive")


def test_bus_archive_leaves_an_unknown_partner_source_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "unarchived-bus", "eventSourceName"))
    assert "unarchived-bus" in unevaluated(report, "eventbridge-bus-archive")


def test_scheduler_target_dlq_accepts_a_dlq_and_retries(report: PolicyReport) -> None:
    assert "safe-schedule" not in flagged(report, "scheduler-target-dlq")


def test_scheduler_target_dlq_flags_a_target_without_them(report: PolicyReport) -> None:
    assert len([d for d in report.violations("scheduler-target-dlq") if d.name == "bare-schedule"]) == 2
