"""A table of orders and a queue worker that writes them, configured per stack."""

import pulumi

from pulumi_wasp.components import QueueProcessor, QueueProcessorArgs, ServerlessFunctionArgs, Table, TableArgs, iam

config = pulumi.Config()
code = pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(event, context):\n    return None\n")})

orders = Table(
    "orders", TableArgs(hash_key="orderId", point_in_time_recovery=config.require_bool("pointInTimeRecovery"))
)
worker = QueueProcessor(
    "worker",
    QueueProcessorArgs(
        function=ServerlessFunctionArgs(
            handler="app.handler",
            code=code,
            memory_mb=config.require_int("workerMemory"),
            environment={"TABLE_NAME": orders.name, "API_TOKEN": config.require_secret("apiToken")},
            permissions=[*iam.dynamodb_read_write(orders.arn)],
            tags=config.get_object("workerTags") or {},
        )
    ),
)

pulumi.export("queue_url", worker.queue.url)
pulumi.export("table_name", orders.name)
