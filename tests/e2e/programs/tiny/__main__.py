"""The smallest programs' worth of failure paths for the local cloud's tests: a queue processed
by the probe function, a stream whose poison record must be bisected out, a scheduled job that
fails, a bus rule whose target does not exist, a function allowed to run for minutes (stopping
must not wait for it), and a resource the emulator refuses."""

import pulumi
import pulumi_aws as aws

from pulumi_wasp.components import (
    EventRouter,
    EventRule,
    QueueProcessor,
    QueueProcessorArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
    StateMachineTarget,
)
from pulumi_wasp.components.scheduled_job import ScheduledJob, ScheduledJobArgs
from pulumi_wasp.components.stream_processor import StreamProcessor, StreamProcessorArgs

PROBE = ["../../functions/probe"]


def probe(handler: str = "probe.handler.handler", **overrides) -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler=handler, code=PROBE, environment={"GREETING": "hello"}, **overrides)


queue = QueueProcessor("probe", QueueProcessorArgs(function=probe(reserved_concurrency=2)))
stream = StreamProcessor("clicks", StreamProcessorArgs(function=probe("probe.stream.handler"), shard_count=1))
job = ScheduledJob("failing-job", ScheduledJobArgs(function=probe(), schedule="rate(1 day)", input={"action": "fail"}))
bus = EventRouter("events")
missing_machine = "arn:aws:states:us-east-1:123456789012:stateMachine:no-such-machine"
bus.add_rule(EventRule(name="lost", event_pattern={"source": ["tests"]}, targets=[StateMachineTarget(missing_machine)]))
# Sleeps far past any stop budget when asked: stopping serve must not wait for it.
slow = ServerlessFunction("slow", probe(timeout_seconds=300, alarms=False))

# The emulator refuses this one (no such function): the deploy must list it, not drop it.
aws.lambda_.Permission(
    "orphan-permission", function="no-such-function", action="lambda:InvokeFunction", principal="events.amazonaws.com"
)

pulumi.export("queue_url", queue.queue.url)
pulumi.export("function_name", queue.function.name)
pulumi.export("stream_name", stream.stream.name)
pulumi.export("stream_on_failure_url", stream.on_failure.url)
pulumi.export("job_dlq_url", job.dlq.url)
pulumi.export("bus_name", bus.bus_name)
pulumi.export("bus_dlq_url", bus.dlqs["lost"].url)
