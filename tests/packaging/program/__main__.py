"""A user's program: a table, a queue processor writing to it, a function that reads it, and one stack
transform that gives every Lambda function a description (as a platform team would stamp its functions)."""

import pulumi

from pulumi_wasp import (
    QueueProcessor,
    QueueProcessorArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
    Table,
    TableArgs,
    iam,
)

STAMP = "owned by the greetings team"


def stamp_functions(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    if args.type_ != "aws:lambda/function:Function":
        return None
    return pulumi.ResourceTransformResult(props={**args.props, "description": STAMP}, opts=args.opts)


pulumi.runtime.register_resource_transform(stamp_functions)

greetings = Table("greetings", TableArgs(hash_key="name"))
writer = QueueProcessor(
    "writer",
    QueueProcessorArgs(
        function=ServerlessFunctionArgs(
            handler="greeter.handler.write",
            code=["greeter"],
            environment={"TABLE": greetings.table.name},
            permissions=[*iam.dynamodb_read_write(greetings.table.arn)],
        )
    ),
)
reader = ServerlessFunction(
    "reader",
    ServerlessFunctionArgs(
        handler="greeter.handler.read",
        code=["greeter"],
        environment={"TABLE": greetings.table.name},
        permissions=[*iam.dynamodb_read(greetings.table.arn)],
    ),
)

pulumi.export("queue_url", writer.queue.url)
pulumi.export("reader_name", reader.function.name)
