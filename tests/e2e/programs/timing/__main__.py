"""Two consumers whose records each take 80 % of the function's timeout: a queue and a stream
whose maximum record age is the shortest AWS allows (60 s). Served at 60× local time, neither may
time out, redeliver or give up a record (runtime/clock.py: limits on work in progress are wall time)."""

import pulumi

from pulumi_wasp.components import QueueProcessor, QueueProcessorArgs, ServerlessFunctionArgs
from pulumi_wasp.components.stream_processor import StreamProcessor, StreamProcessorArgs

TIMEOUT_SECONDS = 5


def consumer() -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(
        handler="probe.records.handler", code=["../../functions/probe"], timeout_seconds=TIMEOUT_SECONDS, alarms=False
    )


queue = QueueProcessor("slow-queue", QueueProcessorArgs(function=consumer(), batch_size=1))
stream = StreamProcessor(
    "slow-stream", StreamProcessorArgs(function=consumer(), shard_count=1, batch_size=1, max_record_age_seconds=60)
)

pulumi.export("queue_url", queue.queue.url)
pulumi.export("queue_dlq_url", queue.queue.dlq.url)
pulumi.export("stream_name", stream.stream.name)
pulumi.export("stream_on_failure_url", stream.on_failure.url)
