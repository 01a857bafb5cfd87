"""The order platform: the reference system, composed from the components.

Reads like the diagram in README.md: data, the orders API, domain events on the bus fanned out
to workers, and the invoice task queue. Every knob comes from Pulumi.<stack>.yaml.
"""

import pulumi

from components import (
    AlarmTopic,
    EventRouter,
    EventRouterArgs,
    EventRule,
    EventSchema,
    FanOut,
    FanOutArgs,
    QueueProcessor,
    QueueProcessorArgs,
    RestApi,
    RestApiArgs,
    Route,
    ServerlessFunction,
    ServerlessFunctionArgs,
    ServiceSender,
    StackContext,
    Subscriber,
    Table,
    TableArgs,
    TopicTarget,
    iam,
    use_stack_context,
)
from components.defaults import RESERVED_CONCURRENCY
from components.event_store import INSERTS_ONLY, EventStore, EventStoreArgs, Projection
from components.stream_processor import StreamProcessor, StreamProcessorArgs

config = pulumi.Config()
EVENT_SOURCE = "orders.platform"
ORDER_LIFECYCLE = ["OrderPlaced", "OrderConfirmed", "OrderCancelled", "PaymentConfirmed"]

context = use_stack_context(
    StackContext(
        tags=config.get_object("tags") or {},
        log_retention_days=config.get_int("logRetentionDays") or 14,
        log_level=config.get("logLevel") or "INFO",
        powertools_layer_version=config.get_int("powertoolsLayerVersion") or 27,
    )
)
alarms = AlarmTopic("alarms", email=config.get("alarmEmail"), tags=context.tags_for())
context = use_stack_context(alarms.context(context))
concurrency = config.get_int("reservedConcurrency") or RESERVED_CONCURRENCY
protect = config.get_bool("deletionProtection") or False


def function(handler: str, **overrides) -> ServerlessFunctionArgs:
    """A handler of lambdas/<folder>/ packaged with the shared code, at the stack's concurrency."""
    folder = handler.split(".")[0]
    overrides.setdefault("reserved_concurrency", concurrency)
    return ServerlessFunctionArgs(handler=handler, code=[f"lambdas/{folder}", "lambdas/shared"], **overrides)


# -- Domain events bus ------------------------------------------------------------------------


def event_schema(event_type: str) -> EventSchema:
    """OpenAPI 3 schema of a domain event on the bus: the shared envelope as the detail."""
    envelope = {
        "type": "object",
        "required": ["id", "type", "aggregateId", "version", "occurredAt", "data"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string", "enum": [event_type]},
            "aggregateId": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "occurredAt": {"type": "string", "format": "date-time"},
            "data": {"type": "object"},
        },
    }
    return EventSchema(
        name=f"{EVENT_SOURCE}@{event_type}",
        description=f"{event_type} as published by the order projector",
        content={
            "openapi": "3.0.0",
            "info": {"title": event_type, "version": "1.0.0"},
            "paths": {},
            "components": {
                "schemas": {
                    "AWSEvent": {
                        "type": "object",
                        "required": ["detail-type", "source", "detail"],
                        "properties": {
                            "detail-type": {"type": "string"},
                            "source": {"type": "string"},
                            "detail": {"$ref": f"#/components/schemas/{event_type}"},
                        },
                    },
                    event_type: envelope,
                }
            },
        },
    )


bus = EventRouter("orders", EventRouterArgs(schemas=[event_schema(t) for t in ORDER_LIFECYCLE]))


# -- Data: read models and the event store, projected to the read model and the bus (outbox via stream)
orders = Table("orders", TableArgs(hash_key="orderId", deletion_protection=protect))
idempotency = Table("idempotency", TableArgs(hash_key="id", ttl_attribute="expiration"))
operations = Table("operations", TableArgs(hash_key="pk", range_key="sk", deletion_protection=protect))
metrics = Table("metrics", TableArgs(hash_key="pk", range_key="sk"))
event_store = EventStore(
    "event-store",
    EventStoreArgs(
        deletion_protection=protect,
        projections=[
            Projection(
                name="order-projector",
                function=function(
                    "order_projector.projector.handler",
                    environment={"ORDERS_TABLE": orders.name, "EVENT_BUS_NAME": bus.bus_name},
                    permissions=[iam.dynamodb_read_write(orders.arn), iam.events_put(bus.bus_arn)],
                ),
                filter_patterns=[INSERTS_ONLY],
            )
        ],
    ),
)

# -- Clickstream: Kinesis → processor → per-minute aggregates ---------------------------------------
clickstream = StreamProcessor(
    "clickstream",
    StreamProcessorArgs(
        function=function(
            "clickstream.processor.handler",
            environment={"METRICS_TABLE": metrics.name},
            permissions=[iam.dynamodb_read_write(metrics.arn)],
        )
    ),
)

# -- Invoice task queue (async task processing) -------------------------------------------------
invoice_tasks = QueueProcessor(
    "invoice-worker",
    QueueProcessorArgs(
        function=function(
            "invoices.worker.handler",
            reserved_concurrency=config.get_int("invoiceWorkerConcurrency") or 2,
            environment={"ORDERS_TABLE": orders.name},
            permissions=[iam.dynamodb_read(orders.arn)],
        ),
    ),
)

# -- Orders API -------------------------------------------------------------------------------
orders_api = ServerlessFunction(
    "orders-api",
    function(
        "orders_api.api.handler",
        behind_api=True,
        environment={
            "EVENT_STORE_TABLE": event_store.name,
            "ORDERS_TABLE": orders.name,
            "IDEMPOTENCY_TABLE": idempotency.name,
            "INVOICE_QUEUE_URL": invoice_tasks.queue.url,
        },
        permissions=[
            iam.dynamodb_read_write(event_store.arn),
            iam.dynamodb_read(orders.arn),
            iam.dynamodb_read_write(idempotency.arn),
            iam.sqs_send(invoice_tasks.queue.arn),
        ],
    ),
)
api = RestApi(
    "orders",
    RestApiArgs(
        routes=[
            Route("POST", "/orders", orders_api),
            Route("GET", "/orders/{id}", orders_api),
            Route("POST", "/orders/{id}/invoice", orders_api),
        ],
        throttle_rate_limit=config.get_int("apiThrottleRateLimit") or 1000,
        throttle_burst_limit=config.get_int("apiThrottleBurstLimit") or 2000,
        manage_account_log_role=config.get_bool("manageAccountLogRole") or False,
    ),
)

# -- Domain events: bus → SNS fan-out → one worker per concern ---------------------------------


def on_types(*types: str) -> dict:
    """An SNS body filter on the EventBridge detail-type of the delivered event."""
    return {"detail-type": list(types)}


order_events = FanOut(
    "order-events",
    FanOutArgs(
        publishers=[ServiceSender("events.amazonaws.com", bus.rule_arn("order-lifecycle"))],
        subscribers=[
            Subscriber(
                name="inventory",
                processor=QueueProcessorArgs(
                    function=function(
                        "order_workers.inventory.handler",
                        environment={"OPERATIONS_TABLE": operations.name},
                        permissions=[iam.dynamodb_read_write(operations.arn)],
                    )
                ),
                filter_policy=on_types("OrderPlaced", "OrderCancelled"),
                filter_policy_scope="MessageBody",
            ),
            Subscriber(
                name="shipping",
                processor=QueueProcessorArgs(
                    function=function(
                        "order_workers.shipping.handler",
                        environment={"OPERATIONS_TABLE": operations.name},
                        permissions=[iam.dynamodb_read_write(operations.arn)],
                    )
                ),
                filter_policy=on_types("OrderConfirmed"),
                filter_policy_scope="MessageBody",
            ),
            Subscriber(
                name="analytics",
                processor=QueueProcessorArgs(
                    function=function(
                        "order_workers.analytics.handler",
                        environment={"METRICS_TABLE": metrics.name},
                        permissions=[iam.dynamodb_read_write(metrics.arn)],
                    )
                ),
            ),
        ],
    ),
)
bus.add_rule(
    EventRule(
        name="order-lifecycle",
        description="Order lifecycle events to the fan-out topic",
        event_pattern={"source": [EVENT_SOURCE], "detail-type": ORDER_LIFECYCLE},
        targets=[TopicTarget(order_events.topic_arn)],
    )
)

pulumi.export("api_url", api.url)
pulumi.export("bus_name", bus.bus_name)
pulumi.export("clickstream_stream", clickstream.name)
pulumi.export("alarm_topic_arn", alarms.arn)
pulumi.export(
    "queue_urls",
    {
        "invoice_tasks": invoice_tasks.queue.url,
        **{name: queue.url for name, queue in order_events.queues.items()},
    },
)
pulumi.export(
    "dlq_urls",
    {"invoice_tasks": invoice_tasks.queue.dlq.url, **{name: q.dlq.url for name, q in order_events.queues.items()}},
)
