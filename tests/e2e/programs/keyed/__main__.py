"""Every component that carries data under a customer-managed key, and a producer granted only what the
components say a producer needs: a QueueProcessor whose queue has a key of its own, a FanOut (its topic's own key)
delivering to a subscriber queue with a key of its own, a BucketProcessor on a bucket whose default encryption is
a user's key (its function reads each object and writes a report back), and a StreamProcessor on a stream under
the same user key; and a bare stream under that key whose consumer's role may read the stream but was not granted
the key (its mapping cannot decrypt what it reads)."""

import pulumi
import pulumi_aws as aws

from pulumi_wasp.components import (
    BucketProcessor,
    BucketProcessorArgs,
    FanOut,
    FanOutArgs,
    QueueArgs,
    QueueProcessor,
    QueueProcessorArgs,
    SecureBucketArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
    StreamMappingArgs,
    StreamProcessor,
    StreamProcessorArgs,
    Subscriber,
)
from pulumi_wasp.components.shared import iam

CODE = ["../../functions/keyed"]


def consumer(handler: str = "keyed.handler.consume") -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler=handler, code=CODE, alarms=False)


# A user's key: its default policy delegates to IAM (the account's root), as kms.Key's does on AWS.
data_key = aws.kms.Key("data", enable_key_rotation=True)

orders = QueueProcessor("orders", QueueProcessorArgs(function=consumer(), queue=QueueArgs(customer_managed_key=True)))
events = FanOut(
    "events",
    FanOutArgs(
        subscribers=[
            Subscriber(
                name="audit",
                processor=QueueProcessorArgs(function=consumer(), queue=QueueArgs(customer_managed_key=True)),
            )
        ]
    ),
)
uploads = BucketProcessor(
    "uploads",
    BucketProcessorArgs(
        function=consumer("keyed.handler.on_object"),
        prefix="uploads/",
        suffix=".csv",
        write_back=True,
        bucket=SecureBucketArgs(encryption="aws:kms", kms_key_arn=data_key.arn),
    ),
)
visits = StreamProcessor(
    "visits",
    StreamProcessorArgs(
        function=consumer(),
        kms_key_id=data_key.arn,
        mapping=StreamMappingArgs(starting_position="TRIM_HORIZON", batching_window_seconds=0),
        redrive=None,
    ),
)
ungranted_stream = aws.kinesis.Stream(
    "ungranted", shard_count=1, retention_period=24, encryption_type="KMS", kms_key_id=data_key.arn
)
ungranted = ServerlessFunction(
    "ungranted",
    ServerlessFunctionArgs(
        handler="keyed.handler.consume",
        code=CODE,
        alarms=False,
        permissions=iam.kinesis_consume(ungranted_stream.arn),
    ),
)
aws.lambda_.EventSourceMapping(
    "ungranted",
    event_source_arn=ungranted_stream.arn,
    function_name=ungranted.function.arn,
    starting_position="TRIM_HORIZON",
    batch_size=10,
)

assert uploads.secure_bucket is not None and uploads.function is not None
assert orders.function is not None and visits.function is not None and events.processors["audit"].function is not None
producer = ServerlessFunction(
    "producer",
    ServerlessFunctionArgs(
        handler="keyed.handler.produce",
        code=CODE,
        alarms=False,
        permissions=[
            *orders.sender_statements(),
            *events.publisher_statements(),
            *visits.producer_statements(),
            iam.allow(["s3:PutObject"], [uploads.secure_bucket.arn.apply(lambda arn: f"{arn}/uploads/*")]),
            iam.kms_encrypt(data_key.arn, "s3"),
        ],
    ),
)

pulumi.export("producer", producer.function.name)
pulumi.export("queue_url", orders.url)
pulumi.export("topic_arn", events.arn)
pulumi.export("bucket", uploads.secure_bucket.name)
pulumi.export("stream", visits.name)
pulumi.export("ungranted_stream", ungranted_stream.name)
pulumi.export("ungranted_role", ungranted.role.name)
pulumi.export(
    "consumers",
    {
        "queue": orders.function.name,
        "topic": events.processors["audit"].function.name,
        "bucket": uploads.function.name,
        "stream": visits.function.name,
        "ungranted": ungranted.function.name,
    },
)
