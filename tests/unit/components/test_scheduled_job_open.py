"""ScheduledJob opened up: an existing function or DLQ instead of a new one, and overrides of the schedule, the
rule, its target and the DLQ."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import (
    AsyncInvokeArgs,
    ExistingFunction,
    ExistingQueue,
    Queue,
    ScheduledJob,
    ScheduledJobArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
)
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

SCHEDULE = "aws:scheduler/schedule:Schedule"
FUNCTION = "aws:lambda/function:Function"
QUEUE = "aws:sqs/queue:Queue"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:legacy-cleanup"
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:ops-failures"
DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/ops-failures"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def job(**given) -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"], **given)


def outputs_of(stack, name):
    return next(r for r in stack if r.name == name and not r.custom).outputs


# -- an existing function, Scheduler ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def scheduled():
    with logged() as lines:
        stack = synthesize(
            lambda: ScheduledJob(
                "cleanup",
                ScheduledJobArgs(schedule="rate(1 hour)", existing_function=ExistingFunction(arn=FUNCTION_ARN)),
            )
        )
    return stack, lines


def test_an_existing_function_is_not_created_and_gets_no_invoke_config(scheduled):
    stack, _ = scheduled
    assert stack.in_component("cleanup", type=FUNCTION) == []
    assert stack.in_component("cleanup", type=INVOKE_CONFIG) == []


def test_the_schedule_targets_the_existing_function(scheduled):
    stack, _ = scheduled
    assert stack.one(SCHEDULE, within="cleanup").input("target", "arn") == FUNCTION_ARN


def test_undelivered_runs_go_to_an_alarmed_dlq_of_the_jobs(scheduled):
    stack, _ = scheduled
    dlq = stack.named("cleanup-schedule-dlq", QUEUE)
    assert stack.one(SCHEDULE, within="cleanup").input("target", "deadLetterConfig") == {"arn": dlq.output("arn")}
    assert stack.named("cleanup-schedule-dlq-alarm").input("dimensions") == {"QueueName": dlq.output("name")}


def test_the_schedule_role_may_invoke_only_the_existing_function(scheduled):
    stack, _ = scheduled
    statements = stack.named("cleanup-schedule-policy").input_json("policy")["Statement"]
    assert statements[0] == {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": [FUNCTION_ARN]}


def test_the_outputs_name_the_existing_function(scheduled):
    stack, _ = scheduled
    outputs = outputs_of(stack, "cleanup")
    assert (outputs["arn"], outputs["name"]) == (FUNCTION_ARN, "legacy-cleanup")


def test_a_bare_function_says_what_it_could_not_check(scheduled):
    _, lines = scheduled
    assert (
        "ScheduledJob cleanup: given a bare identifier, so not checked: where the function sends runs that fail in it"
    ) in "\n".join(lines.at("INFO"))


def test_the_existing_functions_role_is_said_to_be_unused():
    with logged() as lines:
        synthesize(
            lambda: ScheduledJob(
                "cleanup",
                ScheduledJobArgs(
                    schedule="rate(1 hour)", existing_function=ExistingFunction(arn=FUNCTION_ARN, role="legacy-role")
                ),
            )
        )
    assert any("ExistingFunction.role is not used" in line for line in lines.at("INFO"))


def test_an_existing_function_without_a_failure_destination_warns_and_the_pack_flags_it():
    def program():
        function = ServerlessFunction("legacy", job())
        ScheduledJob(
            "cleanup",
            ScheduledJobArgs(schedule="rate(1 hour)", existing_function=ExistingFunction(function=function)),
        )

    with logged() as lines:
        stack = synthesize(program)
    assert any(
        "ServerlessFunction without async_invoke" in line and "lambda-async-failure-destination" in line
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("lambda-async-failure-destination")] == ["legacy-function"]


# -- an existing function, rule ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ruled():
    return synthesize(
        lambda: ScheduledJob(
            "reconcile",
            ScheduledJobArgs(
                schedule="rate(5 minutes)", kind="rule", existing_function=ExistingFunction(arn=FUNCTION_ARN)
            ),
        )
    )


def test_the_rule_may_invoke_the_existing_function_only_from_its_arn(ruled):
    permission = ruled.one("aws:lambda/permission:Permission", within="reconcile")
    rule = ruled.one("aws:cloudwatch/eventRule:EventRule", within="reconcile")
    assert (permission.input("function"), permission.input("sourceArn")) == (FUNCTION_ARN, rule.output("arn"))


def test_the_rule_targets_the_existing_function_with_its_dlq(ruled):
    target = ruled.one(TARGET, within="reconcile")
    assert target.input("arn") == FUNCTION_ARN
    assert target.input("deadLetterConfig") == {"arn": ruled.named("reconcile-rule-dlq", QUEUE).output("arn")}


# -- bad combinations -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({}, "set exactly one of ScheduledJobArgs.existing_function .* or ScheduledJobArgs.function"),
        ({"function": job(), "existing_function": ExistingFunction(arn=FUNCTION_ARN)}, "both given"),
        ({"existing_function": ExistingFunction()}, "ScheduledJobArgs.existing_function: give function="),
        (
            {"function": job(), "rule_overrides": {"description": "x"}},
            "ScheduledJobArgs.rule_overrides: kind='scheduler' creates no such resource",
        ),
        (
            {"function": job(), "kind": "rule", "schedule_overrides": {"group_name": "ops"}},
            "ScheduledJobArgs.schedule_overrides: kind='rule' creates no such resource",
        ),
        (
            {"function": job(), "dlq_overrides": {"tags": {"a": "b"}}},
            r"with Scheduler and a new function the DLQ is the function's; set "
            r"function.async_invoke=AsyncInvokeArgs\(dlq_overrides=...\)",
        ),
    ],
)
def test_bad_combinations_fail_naming_the_args(given, message):
    with pytest.raises(ValueError, match=message):
        ScheduledJobArgs(schedule="rate(1 hour)", **given).validate()


# -- overrides --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def schedule_overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: ScheduledJob(
                "cleanup",
                ScheduledJobArgs(
                    schedule="rate(1 hour)",
                    function=job(async_invoke=AsyncInvokeArgs(dlq_overrides={"tags": {"tier": "dlq"}})),
                    schedule_overrides={
                        "group_name": "maintenance",
                        "target": {"arn": FUNCTION_ARN, "role_arn": "arn:aws:iam::123456789012:role/scheduler"},
                    },
                ),
            )
        )
    return stack, lines


def test_overrides_reach_the_schedule_and_the_functions_dlq(schedule_overridden):
    stack, _ = schedule_overridden
    schedule = stack.one(SCHEDULE, within="cleanup")
    assert (schedule.input("groupName"), schedule.input("target", "arn")) == ("maintenance", FUNCTION_ARN)
    assert stack.named("cleanup-dlq", QUEUE).input("tags")["tier"] == "dlq"


def test_a_target_without_retries_and_dlq_warns_and_the_pack_flags_it(schedule_overridden):
    stack, lines = schedule_overridden
    assert any(
        line.startswith("ScheduledJobArgs.schedule_overrides['target']")
        and line.endswith("the policy rule scheduler-target-dlq will flag it")
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("scheduler-target-dlq")] == ["cleanup-schedule"] * 2


@pytest.fixture(scope="module")
def rule_overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: ScheduledJob(
                "reconcile",
                ScheduledJobArgs(
                    schedule="rate(5 minutes)",
                    kind="rule",
                    function=job(),
                    rule_overrides={"event_bus_name": "default", "tags": {"team": "ops"}},
                    target_overrides={"dead_letter_config": None},
                    dlq_overrides={"message_retention_seconds": 345600},
                ),
            )
        )
    return stack, lines


def test_overrides_reach_the_rule_the_target_and_the_rules_dlq(rule_overridden):
    stack, _ = rule_overridden
    rule = stack.one("aws:cloudwatch/eventRule:EventRule", within="reconcile")
    assert (rule.input("eventBusName"), rule.input("tags")["team"]) == ("default", "ops")
    assert "deadLetterConfig" not in stack.one(TARGET, within="reconcile").inputs
    assert stack.named("reconcile-rule-dlq", QUEUE).input("messageRetentionSeconds") == 345600


def test_dropping_the_targets_dlq_warns_and_the_pack_flags_it(rule_overridden):
    stack, lines = rule_overridden
    assert any(
        line.startswith("ScheduledJobArgs.target_overrides['dead_letter_config'] = None")
        and "eventbridge-target-dlq" in line
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("eventbridge-target-dlq")] == ["reconcile-target"]


def test_an_unknown_schedule_override_fails_naming_it():
    with pytest.raises(
        ProgramError,
        match=r"ScheduledJobArgs.schedule_overrides: 'group' is not a keyword argument of scheduler.Schedule",
    ):
        synthesize(
            lambda: ScheduledJob(
                "c", ScheduledJobArgs(schedule="rate(1 hour)", function=job(), schedule_overrides={"group": "x"})
            )
        )


# -- an existing DLQ ---------------------------------------------------------------------------------------
def with_existing_dlq(kind: str, **given):
    jobs = []
    existing = ExistingQueue(arn=DLQ_ARN, url=DLQ_URL, **given)
    args = ScheduledJobArgs(
        schedule="rate(1 hour)", kind=kind, existing_function=ExistingFunction(arn=FUNCTION_ARN), existing_dlq=existing
    )
    with logged() as lines:
        stack = synthesize(lambda: jobs.append(ScheduledJob("cleanup", args)))
    return stack, lines, jobs[0]


def test_a_schedule_sends_undelivered_runs_to_an_existing_dlq_its_role_may_send_to():
    stack, _, job_ = with_existing_dlq("scheduler", kms_key_arn=KEY_ARN)
    assert stack.in_component("cleanup", type=QUEUE) == []
    assert stack.one(SCHEDULE, within="cleanup").input("target")["deadLetterConfig"] == {"arn": DLQ_ARN}
    statements = stack.named("cleanup-schedule-policy").input_json("policy")["Statement"]
    assert any(s["Action"] == ["sqs:SendMessage"] and s["Resource"] == [DLQ_ARN] for s in statements)
    assert any("kms:GenerateDataKey" in s["Action"] and s["Resource"] == [KEY_ARN] for s in statements)
    assert stack.named("cleanup-schedule-dlq-alarm").input("dimensions") == {"QueueName": "ops-failures"}
    assert (job_.dlq, outputs_of(stack, "cleanup")["dlq_url"]) == (None, DLQ_URL)


def test_a_rules_existing_dlq_admits_the_rule_and_its_key_lists_what_eventbridge_needs():
    stack, lines, job_ = with_existing_dlq("rule", kms_key_arn=KEY_ARN)
    assert stack.one(TARGET, within="cleanup").input("deadLetterConfig") == {"arn": DLQ_ARN}
    policy = stack.named("cleanup-rule-dlq-policy")
    assert policy.input("queueUrl") == DLQ_URL
    (allow,) = [s for s in policy.input_json("policy")["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"] == stack.named("cleanup-rule").output("arn")
    (grant,) = job_.required_key_policy
    assert grant.key_arn == KEY_ARN
    assert "ScheduledJob cleanup: given a bare identifier, so not checked: ScheduledJobArgs.existing_dlq's" in (
        "\n".join(lines.at("INFO"))
    )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"existing_dlq": ExistingQueue(arn=DLQ_ARN, url=DLQ_URL), "dlq_overrides": {"tags": {}}},
            "ScheduledJobArgs.dlq_overrides apply to a DLQ the job creates",
        ),
        (
            {"existing_dlq": ExistingQueue(arn=DLQ_ARN, url=DLQ_URL), "function": job()},
            r"with Scheduler and a new function the DLQ is the function's; set function.async_invoke=AsyncInvokeArgs\(existing_dlq",
        ),
    ],
)
def test_bad_existing_dlqs_fail_naming_the_arg(given, message):
    given.setdefault("existing_function", None if "function" in given else ExistingFunction(arn=FUNCTION_ARN))
    with pytest.raises(ValueError, match=message):
        ScheduledJobArgs(schedule="rate(1 hour)", **given).validate()


def test_a_queue_component_as_an_existing_dlq_is_refused_with_the_reason():
    def program():
        args = ScheduledJobArgs(
            schedule="rate(1 hour)",
            existing_function=ExistingFunction(arn=FUNCTION_ARN),
            existing_dlq=ExistingQueue(queue=Queue("shared")),
        )
        ScheduledJob("cleanup", args)

    with pytest.raises(ProgramError, match="ScheduledJobArgs.existing_dlq is a Queue component"):
        synthesize(program)
