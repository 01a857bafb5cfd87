"""ScheduledJob: Scheduler (or rule) → function, validated expressions, retries and DLQs on both hops."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components.scheduled_job import ScheduledJobArgs, validate_schedule
from tests.unit.components.synth_helpers import function_args, synth_program, synthesis_error
from tests.unit.conftest import one, policy, within

SCHEDULE = "aws:scheduler/schedule:Schedule"
FUNCTION = "aws:lambda/function:Function"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
QUEUE = "aws:sqs/queue:Queue"


@pytest.fixture(scope="module")
def stack():
    return synth_program("scheduled_job")


def schedule(stack, name="cleanup"):
    return one(stack, name, SCHEDULE).inputs


def dlq(stack, name="cleanup"):
    return stack.named(f"{name}-dlq", QUEUE)


# -- Scheduler ------------------------------------------------------------------------------------
def test_the_scheduler_runs_the_cron_expression_in_utc_on_time(stack):
    assert schedule(stack)["scheduleExpression"] == "cron(0 2 * * ? *)"
    assert schedule(stack)["scheduleExpressionTimezone"] == "UTC"
    assert schedule(stack)["flexibleTimeWindow"] == {"mode": "OFF"}
    assert schedule(stack)["state"] == "ENABLED"


def test_the_schedule_targets_the_component_function(stack):
    assert schedule(stack)["target"]["arn"] == one(stack, "cleanup", FUNCTION).outputs["arn"]
    assert "input" not in schedule(stack)["target"]


def test_deliveries_are_retried_3_times_within_an_hour_then_go_to_the_functions_alarmed_dlq(stack):
    target = schedule(stack)["target"]
    assert target["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}
    assert target["deadLetterConfig"] == {"arn": dlq(stack).outputs["arn"]}
    assert stack.named("cleanup-dlq-alarm").inputs["dimensions"] == {"QueueName": dlq(stack).outputs["name"]}
    assert len(within(stack, "cleanup", QUEUE)) == 1


def test_the_schedule_role_may_only_invoke_the_one_function_and_send_to_its_dlq(stack):
    role = stack.named("cleanup-schedule-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    # Confused deputy: only schedules of this account, which the function's ARN names.
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    statements = policy(stack.named("cleanup-schedule-policy"))["Statement"]
    assert statements == [
        {
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [one(stack, "cleanup", FUNCTION).outputs["arn"]],
        },
        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [dlq(stack).outputs["arn"]]},
    ]
    assert schedule(stack)["target"]["roleArn"] == role.outputs["arn"]


def test_the_function_is_an_async_target_with_retries_max_age_and_the_dlq(stack):
    config = one(stack, "cleanup", INVOKE_CONFIG).inputs
    assert (config["maximumRetryAttempts"], config["maximumEventAgeInSeconds"]) == (2, 3600)
    assert config["destinationConfig"] == {"onFailure": {"destination": dlq(stack).outputs["arn"]}}


def test_scheduler_overrides_time_zone_window_input_retries_and_state(stack):
    tuned = schedule(stack, "tuned")
    assert tuned["scheduleExpressionTimezone"] == "Europe/Berlin"
    assert tuned["flexibleTimeWindow"] == {"mode": "FLEXIBLE", "maximumWindowInMinutes": 15}
    assert json.loads(tuned["target"]["input"]) == {"dryRun": True}
    assert tuned["target"]["retryPolicy"] == {"maximumRetryAttempts": 10, "maximumEventAgeInSeconds": 7200}
    assert tuned["state"] == "DISABLED" and tuned["description"] == "Weekday report"
    config = one(stack, "tuned", INVOKE_CONFIG).inputs
    assert (config["maximumRetryAttempts"], config["maximumEventAgeInSeconds"]) == (0, 600)


# -- the EventBridge rule variant ---------------------------------------------------------------
def test_the_rule_variant_schedules_a_rule_on_the_default_bus(stack):
    rule = one(stack, "reconcile", "aws:cloudwatch/eventRule:EventRule").inputs
    assert rule["scheduleExpression"] == "rate(5 minutes)" and "eventBusName" not in rule
    assert rule["tags"]["team"] == "orders"
    assert within(stack, "reconcile", SCHEDULE) == []


def test_the_rule_target_retries_then_sends_to_a_dlq_that_admits_only_the_rule(stack):
    rule = one(stack, "reconcile", "aws:cloudwatch/eventRule:EventRule")
    target = one(stack, "reconcile", "aws:cloudwatch/eventTarget:EventTarget").inputs
    dlq = stack.named("reconcile-rule-dlq", QUEUE)
    assert target["arn"] == one(stack, "reconcile", FUNCTION).outputs["arn"]
    assert target["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}
    assert target["deadLetterConfig"] == {"arn": dlq.outputs["arn"]}
    allow = policy(stack.named("reconcile-rule-dlq-policy"))["Statement"][1]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": rule.outputs["arn"]}}


def test_the_rule_may_invoke_the_function_only_from_its_arn(stack):
    permission = one(stack, "reconcile", "aws:lambda/permission:Permission").inputs
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["sourceArn"] == one(stack, "reconcile", "aws:cloudwatch/eventRule:EventRule").outputs["arn"]
    assert one(stack, "reconcile", INVOKE_CONFIG).inputs["destinationConfig"]["onFailure"]["destination"]


# -- expressions ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "cron(0 2 * * ? *)",
        "cron(0/15 8-17 ? * MON-FRI *)",
        "cron(*/5 * * * ? *)",
        "cron(0 12 L * ? *)",
        "cron(0 9 15W * ? 2026-2030)",
        "cron(0 9 ? * 6L *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 0 1 JAN,JUL ? *)",
        "cron(0 18 ? * FRI-MON *)",
        "at(2030-01-01T09:30:00)",
    ],
)
def test_valid_expressions_pass(expression):
    validate_schedule(expression)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("rate(1 minutes)", r"a value of 1 takes the singular unit: rate\(1 minute\)"),
        ("rate(5 minute)", r"a value above 1 takes the plural unit: rate\(5 minutes\)"),
        ("rate(0 hours)", "the value must be a positive whole number"),
        ("rate(2 weeks)", "the unit must be minute"),
        ("cron(0 2 * * ?)", "cron takes 6 fields"),
        ("cron(0 2 * * * *)", "exactly one of day-of-month and day-of-week must be '\\?'"),
        ("cron(0 2 ? * ? *)", "exactly one of day-of-month and day-of-week must be '\\?'"),
        ("cron(60 2 * * ? *)", "minutes: 60 is outside 0-59"),
        ("cron(0 24 * * ? *)", "hours: 24 is outside 0-23"),
        ("cron(0 0 32 * ? *)", "day-of-month: 32 is outside 1-31"),
        ("cron(0 0 1 13 ? *)", "month: 13 is outside 1-12"),
        ("cron(0 0 ? * 8 *)", "day-of-week: 8 is outside 1-7"),
        ("cron(0 0 1 * ? 1969)", "year: 1969 is outside 1970-2199"),
        ("cron(0 0 1 SMARCH ? *)", "month: 'SMARCH' is not a number or a name"),
        ("cron(30-10 * * * ? *)", "minutes: range '30-10' runs backwards"),
        ("cron(0/0 * * * ? *)", "minutes: increment '0' must be 1-59"),
        ("cron(0 ? 1 * ? *)", "hours: '\\?' is only allowed in day-of-month or day-of-week"),
        ("cron(0 9 ? * 2#6 *)", "the week of the month must be 1-5"),
        ("at(2030-02-30T00:00:00)", "at\\(...\\) takes a date and time"),
        ("every 5 minutes", "expected rate"),
    ],
)
def test_invalid_expressions_fail_with_the_reason(expression, reason):
    with pytest.raises(ValueError, match=reason):
        validate_schedule(expression)


# -- bad args ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"schedule": "rate(1 hours)"},
            r"ScheduledJobArgs.schedule 'rate\(1 hours\)': a value of 1 takes the singular",
        ),
        (
            {"schedule": "at(2030-01-01T00:00:00)", "kind": "rule"},
            r"ScheduledJobArgs.schedule .*need EventBridge Scheduler",
        ),
        ({"kind": "rule", "timezone": "Europe/Berlin"}, "ScheduledJobArgs.timezone: EventBridge rules run in UTC"),
        (
            {"kind": "rule", "flexible_window_minutes": 5},
            "ScheduledJobArgs.flexible_window_minutes needs kind='scheduler'",
        ),
        ({"kind": "cron"}, "ScheduledJobArgs.kind must be 'scheduler' or 'rule'"),
        ({"timezone": "Not A Zone"}, "ScheduledJobArgs.timezone must be an IANA time zone"),
        ({"flexible_window_minutes": 0}, "ScheduledJobArgs.flexible_window_minutes must be 1..1440"),
        ({"max_retries": 186}, "ScheduledJobArgs.max_retries must be 0..185"),
        ({"max_event_age_seconds": 30}, "ScheduledJobArgs.max_event_age_seconds must be 60..86400"),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(overrides, message):
    args = ScheduledJobArgs(**{"function": function_args(), "schedule": "rate(5 minutes)", **overrides})
    with pytest.raises(ValueError, match=message):
        args.validate()


def test_bad_args_fail_the_synthesis():
    assert "ScheduledJobArgs.schedule 'cron(0 2 * * * *)'" in synthesis_error("schedule-with-both-days")


def test_children_are_parented_and_named_after_the_job(stack):
    owner = next(r for r in stack if r.name == "cleanup" and not r.custom)
    assert owner.type == "wasp:schedule:ScheduledJob"
    assert all(r.name.startswith("cleanup-") or r.name == "cleanup" for r in stack.descendants(owner))
    assert set(owner.outputs) == {"arn", "name", "dlq_url"}
