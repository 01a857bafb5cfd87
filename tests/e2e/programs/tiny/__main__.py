"""The smallest programs' worth of failure paths for the local cloud's tests: a queue processed
by the probe function, a stream whose poison record must be bisected out, a scheduled job that
fails, a bus rule whose target does not exist, a function allowed to run for minutes (stopping
must not wait for it), and a bucket. Its stack is outside us-east-1 (Pulumi.dev.yaml): every
test on it is a test of the local cloud in another region."""

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
region = pulumi.Config("aws").require("region")
missing_machine = f"arn:aws:states:{region}:123456789012:stateMachine:no-such-machine"
bus.add_rule(EventRule(name="lost", event_pattern={"source": ["tests"]}, targets=[StateMachineTarget(missing_machine)]))
# Sleeps far past any stop budget when asked: stopping serve must not wait for it.
slow = ServerlessFunction("slow", probe(timeout_seconds=300, alarms=False))
# Outside us-east-1, S3 refuses a bucket created without its location constraint.
drop = aws.s3.Bucket("drop")

pulumi.export("queue_url", queue.queue.url)
pulumi.export("function_name", queue.function.name)
pulumi.export("stream_name", stream.stream.name)
pulumi.export("stream_on_failure_url", stream.on_failure.url)
pulumi.export("job_dlq_url", job.dlq.url)
pulumi.export("bus_name", bus.name)
pulumi.export("bus_dlq_url", bus.dlqs["lost"].url)
pulumi.export("bucket_name", drop.bucket)
