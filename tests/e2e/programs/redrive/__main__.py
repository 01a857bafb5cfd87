"""An EventStore whose projection rejects "poison" events until the read model holds a ``__fixed__`` item (the
fix, deployed as data): its given-up batches fill the on-failure queue, and ``wasp local redrive-stream`` replays
them once the projection is fixed. A StreamProcessor whose consumer always fails a batch holding "poison", its
given-up batches parked in an existing queue (the program's own, given as its existing_on_failure_queue)."""

import pulumi
from pulumi_aws import sqs

from pulumi_wasp.components import (
    EventStore,
    EventStoreArgs,
    ExistingQueue,
    Projection,
    ServerlessFunctionArgs,
    StreamMappingArgs,
    StreamProcessor,
    StreamProcessorArgs,
    Table,
    TableArgs,
    iam,
)

view = Table("view", TableArgs(hash_key="id", deletion_protection=False))
store = EventStore(
    "events",
    EventStoreArgs(
        deletion_protection=False,
        appended_at_attribute="occurredAt",
        projections=[
            Projection(
                name="view",
                function=ServerlessFunctionArgs(
                    handler="projector.handler.handler",
                    code=["../../functions/projector"],
                    environment={"VIEW_TABLE": view.name},
                    permissions=[*iam.dynamodb_read_write(view.arn)],
                ),
                # One retry: a poison event is given up quickly.
                mapping=StreamMappingArgs(max_retries=1, batch_size=10),
            )
        ],
    ),
)

given_up = sqs.Queue("clicks-given-up", sqs_managed_sse_enabled=True)
clicks = StreamProcessor(
    "clicks",
    StreamProcessorArgs(
        function=ServerlessFunctionArgs(handler="probe.stream.handler", code=["../../functions/probe"]),
        shard_count=1,
        mapping=StreamMappingArgs(max_retries=1),
        existing_on_failure_queue=ExistingQueue(queue=given_up),
    ),
)

pulumi.export("store_name", store.name)
pulumi.export("view_name", view.name)
pulumi.export("on_failure_url", store.projections["view"].on_failure.url)
pulumi.export("stream_name", clicks.name)
pulumi.export("stream_on_failure_url", clicks.on_failure_url)
