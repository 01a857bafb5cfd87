"""ScheduledJob: a nightly Scheduler job with defaults, one with overrides, and a rule-based one."""

from pulumi_wasp.components import AsyncInvokeArgs, StackContext, use_stack_context
from pulumi_wasp.components.scheduled_job import ScheduledJob, ScheduledJobArgs
from tests.unit.components.synth_helpers import function_args

use_stack_context(StackContext(alarm_topic_arn="arn:aws:sns:eu-west-1:123456789012:alarms"))

ScheduledJob("cleanup", ScheduledJobArgs(function=function_args(), schedule="cron(0 2 * * ? *)"))

ScheduledJob(
    "tuned",
    ScheduledJobArgs(
        function=function_args(async_invoke=AsyncInvokeArgs(max_retries=0, max_event_age_seconds=600)),
        schedule="cron(30 7 ? * MON-FRI *)",
        timezone="Europe/Berlin",
        flexible_window_minutes=15,
        input={"dryRun": True},
        max_retries=10,
        max_event_age_seconds=7200,
        enabled=False,
        description="Weekday report",
    ),
)

ScheduledJob(
    "reconcile",
    ScheduledJobArgs(function=function_args(), schedule="rate(5 minutes)", kind="rule", tags={"team": "orders"}),
)
