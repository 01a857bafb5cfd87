"""The order platform: the reference system, composed from the components.

Reads like the diagram in README.md, one section per flow: the event store and its projection to the
bus, the orders API and payment webhooks, the fan-out workers, the fulfilment saga, the invoice
task queue, clickstream, bulk import, scheduled jobs and the dashboard. Every knob comes from
Pulumi.<stack>.yaml.
"""

import json
from pathlib import Path

import pulumi

from pulumi_wasp import (
    INSERTS_ONLY,
    AccessLogArgs,
    AlarmTopic,
    AlarmTopicArgs,
    AliasArgs,
    AsyncInvokeArgs,
    BucketProcessor,
    BucketProcessorArgs,
    Compensation,
    Dashboard,
    DashboardArgs,
    EventRouter,
    EventRouterArgs,
    EventRule,
    EventSchema,
    EventStore,
    EventStoreArgs,
    FanOut,
    FanOutArgs,
    FinalTask,
    GlobalSecondaryIndex,
    GradualDeploymentArgs,
    LambdaTarget,
    Projection,
    ProvisionedConcurrencyArgs,
    ProvisionedScalingArgs,
    QueueProcessor,
    QueueProcessorArgs,
    RestApi,
    RestApiArgs,
    Retry,
    Route,
    Saga,
    SagaArgs,
    ScheduledJob,
    ScheduledJobArgs,
    SecretRotationArgs,
    SecureBucket,
    SecureBucketArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
    ServiceSender,
    StackContext,
    Step,
    StreamMappingArgs,
    StreamProcessor,
    StreamProcessorArgs,
    Subscriber,
    Table,
    TableArgs,
    TopicTarget,
    WafArgs,
    WebhookReceiver,
    WebhookReceiverArgs,
    defaults,
    iam,
    use_stack_context,
)

config = pulumi.Config()


def setting(key: str, default, getter=config.get_int):
    """A knob from Pulumi.<stack>.yaml; ``default`` only when the key is absent (0 and false are values)."""
    value = getter(key)
    return default if value is None else value


EVENT_SOURCE = "orders.platform"
ORDER_LIFECYCLE = ["OrderPlaced", "OrderConfirmed", "OrderCancelled", "PaymentConfirmed"]

context = use_stack_context(
    StackContext(
        tags=config.get_object("tags") or {},
        log_retention_days=setting("logRetentionDays", defaults.LOG_RETENTION_DAYS),
        log_level=setting("logLevel", defaults.POWERTOOLS_LOG_LEVEL, config.get),
        powertools_layer_version=setting("powertoolsLayerVersion", defaults.POWERTOOLS_LAYER_VERSION),
        # Enterprise guardrails for every role the components create (unset: IAM's defaults).
        role_permissions_boundary=config.get("rolePermissionsBoundary"),
        role_path=config.get("rolePath"),
        role_name_prefix=config.get("roleNamePrefix") or "",
    )
)
alarms = AlarmTopic("alarms", AlarmTopicArgs(email=config.get("alarmEmail")))
context = use_stack_context(alarms.context(context))
concurrency = setting("reservedConcurrency", defaults.RESERVED_CONCURRENCY)
protect = setting("deletionProtection", False, config.get_bool)


def function(handler: str, **overrides) -> ServerlessFunctionArgs:
    """A handler of lambdas/<folder>/ packaged with the shared code, at the stack's concurrency."""
    folder = handler.split(".")[0]
    overrides.setdefault("reserved_concurrency", concurrency)
    return ServerlessFunctionArgs(handler=handler, code=[f"lambdas/{folder}", "lambdas/shared"], **overrides)


#: The keys of a function's ``<name>Alias`` setting.
ALIAS_SETTINGS = ("deployment", "provisionedConcurrency", "provisionedConcurrencyMax")


def live_alias(key: str) -> AliasArgs | None:
    """A function's live alias from Pulumi.<stack>.yaml (absent: none, the function is invoked as $LATEST):
    ``deployment`` (a CodeDeploy config name: gradual deployment with rollback), ``provisionedConcurrency``
    (environments kept warm) and ``provisionedConcurrencyMax`` (above it: auto-scaling up to that many)."""
    settings = config.get_object(key)
    if settings is None:
        return None
    unknown = sorted(set(settings) - set(ALIAS_SETTINGS))
    if unknown:
        raise ValueError(
            f"Pulumi.{pulumi.get_stack()}.yaml: {pulumi.get_project()}:{key} has unknown keys {unknown}; "
            f"known: {', '.join(ALIAS_SETTINGS)}"
        )
    provisioned = None
    if "provisionedConcurrency" in settings:
        executions = int(settings["provisionedConcurrency"])
        ceiling = int(settings.get("provisionedConcurrencyMax", executions))
        scaling = (
            ProvisionedScalingArgs(min_capacity=executions, max_capacity=ceiling) if ceiling > executions else None
        )
        provisioned = ProvisionedConcurrencyArgs(executions=executions, auto_scaling=scaling)
    deployment = GradualDeploymentArgs(config=settings["deployment"]) if "deployment" in settings else None
    return AliasArgs(provisioned_concurrency=provisioned, deployment=deployment)


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
#: The read model's orders reconcile may have to act on (lambdas/shared/orders.py): the projector sets ``openShard``
#: on OrderPlaced and removes it on OrderCancelled, reconcile once a Confirmed order's dispatch exists, so this sparse
#: index holds only open orders and reconcile queries it (never a scan of the growing read model).
OPEN_ORDERS = GlobalSecondaryIndex(
    "open",
    "openShard",
    hash_key_type="N",
    range_key="createdAt",
    projection=("INCLUDE", ["status", "updatedAt"]),
    sparse=True,
)
orders = Table(
    "orders",
    TableArgs(hash_key="orderId", deletion_protection=protect, global_secondary_indexes=[OPEN_ORDERS]),
)
idempotency = Table("idempotency", TableArgs(hash_key="id", ttl_attribute="expiration"))
operations = Table("operations", TableArgs(hash_key="pk", range_key="sk", deletion_protection=protect))
metrics = Table("metrics", TableArgs(hash_key="pk", range_key="sk", ttl_attribute="expiresAt"))
#: The outbox (lambdas/shared/outbox.py): each appended event carries ``outboxShard`` until the projector (or the
#: sweeper) has published it, so this sparse index holds only the events still waiting for the bus.
UNPUBLISHED = GlobalSecondaryIndex(
    "unpublished", "outboxShard", hash_key_type="N", range_key="occurredAt", projection="ALL", sparse=True
)
#: The projector's sizing under a burst (README "Reliability"). Lambda reads a DynamoDB stream shard with up to
#: PROJECTOR_PARALLELIZATION batches in flight; the records of one partition key (one order) always go to the same
#: batch slot, in order, so the read model still sees each order's events in version order. A record costs about two
#: AWS calls (its read-model update and a tenth of a PutEvents; the batch's outbox marks are one TransactWriteItems).
#: Measured (tests/e2e/test_burst_with_faults.py prints it from the projector's "Batch projected" log lines and
#: Lambda's REPORT lines): over five runs, full batches of 10 took 1.8-11.8 s in the local cloud under a 60-order
#: burst with faults on a 2-core machine at a load average of 15-30 (an upper bound of AWS, where a record's calls
#: take milliseconds); 30 s is ×2.5 the worst of them. Batches of up to 100 (Lambda's default) timed out the projector's 10 s under a 100-order burst (issue 16).
#: No batching window: the read model stays fresh.
PROJECTOR_BATCH_SIZE = 10
PROJECTOR_PARALLELIZATION = 4
PROJECTOR_TIMEOUT_SECONDS = 30
event_store = EventStore(
    "event-store",
    EventStoreArgs(
        deletion_protection=protect,
        global_secondary_indexes=[UNPUBLISHED],
        # The re-drive finds a given-up batch's events in the table by their append time once the stream's 24 h
        # have passed (events are stamped when appended).
        appended_at_attribute="occurredAt",
        projections=[
            Projection(
                name="order-projector",
                function=function(
                    "order_projector.projector.handler",
                    timeout_seconds=PROJECTOR_TIMEOUT_SECONDS,
                    environment={"ORDERS_TABLE": orders.name, "EVENT_BUS_NAME": bus.name},
                    permissions=[*iam.dynamodb_read_write(orders.arn), iam.events_put(bus.arn)],
                ),
                mapping=StreamMappingArgs(
                    filter_patterns=[INSERTS_ONLY],
                    batch_size=PROJECTOR_BATCH_SIZE,
                    batching_window_seconds=0,
                    parallelization_factor=PROJECTOR_PARALLELIZATION,
                ),
                update_store=True,  # marks each event published
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
            permissions=[*iam.dynamodb_read_write(metrics.arn)],
        )
    ),
)

# -- Server access logs of every bucket, to one log bucket ------------------------------------------
access_logs = SecureBucket("access-logs", SecureBucketArgs(receives_access_logs=True))
logged = AccessLogArgs(target_bucket=access_logs)

# -- Invoice task queue (async task processing) → invoices bucket ---------------------------------
invoices = SecureBucket("invoices", SecureBucketArgs(access_logs=logged))
invoice_tasks = QueueProcessor(
    "invoice-worker",
    QueueProcessorArgs(
        function=function(
            "invoices.worker.handler",
            reserved_concurrency=setting("invoiceWorkerConcurrency", 2),
            environment={"ORDERS_TABLE": orders.name, "INVOICE_BUCKET": invoices.name},
            permissions=[*iam.dynamodb_read(orders.arn), iam.s3_write(invoices.arn, "invoices/")],
        ),
    ),
)

# -- Orders API -------------------------------------------------------------------------------
orders_api = ServerlessFunction(
    "orders-api",
    function(
        "orders_api.api.handler",
        behind_api=True,
        # prod: a canary with rollback on the alias's errors, and warm environments scaled with the load.
        alias=live_alias("ordersApiAlias"),
        environment={
            "EVENT_STORE_TABLE": event_store.name,
            "ORDERS_TABLE": orders.name,
            "IDEMPOTENCY_TABLE": idempotency.name,
            "INVOICE_QUEUE_URL": invoice_tasks.queue.url,
        },
        permissions=[
            *iam.dynamodb_read_write(event_store.arn),
            *iam.dynamodb_read(orders.arn),
            *iam.dynamodb_read_write(idempotency.arn),
            iam.sqs_send(invoice_tasks.queue.arn),
        ],
    ),
)

PLACE_ORDER_SCHEMA = json.loads(Path("lambdas/orders_api/place_order.schema.json").read_text())
REQUEST_INVOICE_SCHEMA = json.loads(Path("lambdas/orders_api/request_invoice.schema.json").read_text())

# -- Payment webhooks: signed POST → verifier → queue → worker records PaymentConfirmed --------------
payment_webhooks = WebhookReceiver(
    "payment-webhooks",
    WebhookReceiverArgs(
        path="/webhooks/payments",
        # The provider's notification as the verifier accepts it (tests/lambdas/payment_webhooks keeps them agreeing).
        payload_schema=json.loads(Path("lambdas/payment_webhooks/notification.schema.json").read_text()),
        # A new random key every N days (the first at deploy); the verifier accepts the one before until then.
        rotation=SecretRotationArgs(every_days=setting("webhookSecretRotationDays", defaults.SECRET_ROTATION_DAYS)),
        verifier=function("payment_webhooks.verifier.handler", behind_api=True),
        processor=QueueProcessorArgs(
            function=function(
                "payment_webhooks.worker.handler",
                environment={"EVENT_STORE_TABLE": event_store.name, "IDEMPOTENCY_TABLE": idempotency.name},
                permissions=[*iam.dynamodb_read_write(event_store.arn), *iam.dynamodb_read_write(idempotency.arn)],
            )
        ),
    ),
)

api = RestApi(
    "orders",
    RestApiArgs(
        routes=[
            # Callers (the storefront backend, operators) sign requests with SigV4 (the routes' default).
            # API Gateway refuses a malformed order (400) before the function runs; the handler's model stays the
            # authority on what it accepts (tests/lambdas/orders_api/test_request_schema.py keeps them agreeing).
            Route("POST", "/orders", orders_api, request_schema=PLACE_ORDER_SCHEMA),
            Route("GET", "/orders/{id}", orders_api),
            Route("POST", "/orders/{id}/invoice", orders_api, request_schema=REQUEST_INVOICE_SCHEMA),
            payment_webhooks.route,
        ],
        throttle_rate_limit=setting("apiThrottleRateLimit", defaults.API_THROTTLE_RATE_LIMIT),
        throttle_burst_limit=setting("apiThrottleBurstLimit", defaults.API_THROTTLE_BURST_LIMIT),
        manage_account_log_role=setting("manageAccountLogRole", False, config.get_bool),
        # AWS managed rule groups and a per-IP rate limit in front of the stage where the config asks (prod).
        waf=WafArgs() if setting("apiWaf", False, config.get_bool) else None,
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
                        permissions=[*iam.dynamodb_read_write(operations.arn)],
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
                        permissions=[*iam.dynamodb_read_write(operations.arn)],
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
                        permissions=[*iam.dynamodb_read_write(metrics.arn)],
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
        targets=[TopicTarget(order_events.arn)],
    )
)

# -- Order fulfilment saga: OrderPlaced → reserve → pay → ship; compensations on failure -----------
operations_access = {
    "environment": {"OPERATIONS_TABLE": operations.name},
    "permissions": [*iam.dynamodb_read_write(operations.arn)],
}
saga_functions = {
    step: ServerlessFunction(
        f"saga-{step.replace('_', '-')}", function(f"fulfilment.{step}.handler", **operations_access)
    )
    for step in ("reserve_inventory", "process_payment", "arrange_shipping", "release_inventory", "refund_payment")
}
conclude = ServerlessFunction(
    "saga-conclude-order",
    function(
        "fulfilment.conclude_order.handler",
        environment={"EVENT_STORE_TABLE": event_store.name},
        permissions=[*iam.dynamodb_read_write(event_store.arn)],
    ),
)
#: A burst starts executions faster than the saga's functions (at their reserved concurrency) run them: a task
#: answered Lambda.TooManyRequestsException must wait the burst out, not compensate an order nothing failed. The
#: component's default (three retries, up to 7 s) cancelled 7 of 60 orders of an unwindowed burst in the local cloud
#: at a concurrency of 5; six (up to 63 s, about half that with full jitter) still cancelled 1 of 100 in one of three
#: 100-order bursts. Ten retries from 1 s doubling, each delay capped at 20 s, wait up to 131 s (about 65 s with
#: full jitter), within the saga's 300 s.
SAGA_RETRY = Retry(max_attempts=10, max_delay_seconds=20)
fulfilment = Saga(
    "order-fulfilment",
    SagaArgs(
        comment="Reserve inventory, take payment and arrange shipping; undo in reverse on failure",
        steps=[
            Step(
                name="ReserveInventory",
                function_arn=saga_functions["reserve_inventory"].arn,
                retry=SAGA_RETRY,
                compensation=Compensation(
                    name="ReleaseInventory", function_arn=saga_functions["release_inventory"].arn, retry=SAGA_RETRY
                ),
            ),
            Step(
                name="ProcessPayment",
                function_arn=saga_functions["process_payment"].arn,
                retry=SAGA_RETRY,
                compensation=Compensation(
                    name="RefundPayment", function_arn=saga_functions["refund_payment"].arn, retry=SAGA_RETRY
                ),
            ),
            Step(
                name="ArrangeShipping",
                function_arn=saga_functions["arrange_shipping"].arn,
                retry=SAGA_RETRY,
                no_compensation="last step: once shipping is arranged the order is confirmed",
            ),
        ],
        on_success=FinalTask(
            name="ConfirmOrder", function_arn=conclude.arn, payload={"outcome": "confirmed"}, retry=SAGA_RETRY
        ),
        on_failure=FinalTask(
            name="CancelOrder", function_arn=conclude.arn, payload={"outcome": "cancelled"}, retry=SAGA_RETRY
        ),
    ),
)
#: An EventBridge rule names the executions it starts at random, so an OrderPlaced published twice (the projector and
#: the outbox sweeper racing, a reconcile re-publication: the outbox publishes at least once) would start two sagas.
#: The starter names each execution after the event's id: Step Functions starts one execution per name. An event
#: it could not start a saga for (after Lambda's two retries, or throttled for an hour) waits in its alarmed DLQ.
saga_starter = ServerlessFunction(
    "saga-starter",
    function(
        "fulfilment.start_saga.handler",
        # One StartExecution per event: a few environments keep up with any burst (throttled async events queue).
        reserved_concurrency=setting("sagaStarterConcurrency", concurrency),
        async_invoke=AsyncInvokeArgs(),
        environment={"SAGA_STATE_MACHINE_ARN": fulfilment.arn},
        permissions=[iam.states_start(fulfilment.arn)],
    ),
)
bus.add_rule(
    EventRule(
        name="order-placed",
        description="Every placed order starts its fulfilment saga, once per OrderPlaced event",
        event_pattern={"source": [EVENT_SOURCE], "detail-type": ["OrderPlaced"]},
        targets=[LambdaTarget(saga_starter)],
    )
)

# -- Bulk import: CSV uploaded under uploads/ → importer writes orders and a report next to the file ---
imports = BucketProcessor(
    "bulk-import",
    BucketProcessorArgs(
        prefix="uploads/",
        suffix=".csv",
        write_back=True,
        bucket=SecureBucketArgs(access_logs=logged),
        function=function(
            "bulk_import.importer.handler",
            timeout_seconds=60,
            environment={"EVENT_STORE_TABLE": event_store.name},
            permissions=[*iam.dynamodb_read_write(event_store.arn)],
        ),
    ),
)

# -- Scheduled jobs: nightly cleanup, and reconcile orders stuck in Pending ---------------------
cleanup = ScheduledJob(
    "cleanup",
    ScheduledJobArgs(
        schedule="cron(0 2 * * ? *)",
        description="Delete expired processed-markers from the operations table",
        function=function(
            "maintenance.cleanup.handler",
            timeout_seconds=60,
            environment={"OPERATIONS_TABLE": operations.name},
            permissions=[*iam.dynamodb_read_write(operations.arn), iam.dynamodb_scan(operations.arn)],
        ),
    ),
)
outbox_sweeper = ScheduledJob(
    "outbox-sweeper",
    ScheduledJobArgs(
        schedule="rate(1 minute)",
        kind="rule",
        description="Publish the events the projector did not, once older than the outbox bound",
        function=function(
            "order_projector.sweeper.handler",
            timeout_seconds=60,
            # One sweep at a time (two would publish the same events twice); a tick that finds the last sweep
            # still running is throttled, and superseded by the next tick rather than retried for an hour.
            reserved_concurrency=1,
            async_invoke=AsyncInvokeArgs(max_retries=0, max_event_age_seconds=60),
            environment={
                "ORDERS_TABLE": orders.name,
                "EVENT_BUS_NAME": bus.name,
                "EVENT_STORE_TABLE": event_store.name,
                "OUTBOX_SWEEP_AFTER_SECONDS": str(setting("outboxSweepAfterSeconds", 300)),
            },
            permissions=[
                *iam.dynamodb_read(event_store.arn),
                iam.allow(["dynamodb:UpdateItem"], [event_store.arn]),
                *iam.dynamodb_read_write(orders.arn),
                iam.events_put(bus.arn),
            ],
        ),
    ),
)
reconcile = ScheduledJob(
    "reconcile",
    ScheduledJobArgs(
        schedule="rate(5 minutes)",
        kind="rule",
        description="Re-publish stalled orders, cancel failed ones, re-drive confirmed orders never dispatched",
        function=function(
            "maintenance.reconcile.handler",
            timeout_seconds=60,
            environment={
                "ORDERS_TABLE": orders.name,
                "EVENT_STORE_TABLE": event_store.name,
                "OPERATIONS_TABLE": operations.name,
                "EVENT_BUS_NAME": bus.name,
                "STUCK_ORDER_MINUTES": str(setting("stuckOrderMinutes", 30)),
                "DISPATCH_OVERDUE_SECONDS": str(setting("dispatchOverdueSeconds", 600)),
            },
            permissions=[
                *iam.dynamodb_read(orders.arn),
                iam.allow(["dynamodb:UpdateItem"], [orders.arn]),  # a Confirmed order out of the open index
                *iam.dynamodb_read_write(event_store.arn),
                *iam.dynamodb_read(operations.arn),
                iam.events_put(bus.arn),
            ],
        ),
    ),
)

# -- Observability: one dashboard over every flow -----------------------------------------------
Dashboard(
    "order-platform",
    DashboardArgs(
        components=[
            api,
            orders_api,
            bus,
            event_store,
            invoice_tasks,
            order_events,
            saga_starter,
            fulfilment,
            *saga_functions.values(),
            conclude,
            clickstream,
            payment_webhooks,
            imports,
            cleanup,
            outbox_sweeper,
            reconcile,
        ]
    ),
)

pulumi.export("api_url", api.url)
pulumi.export("bus_name", bus.name)
pulumi.export("state_machine_arn", fulfilment.arn)
pulumi.export("webhook_url", pulumi.Output.concat(api.url, "/webhooks/payments"))
pulumi.export("webhook_secret_name", payment_webhooks.secret.name)
pulumi.export("uploads_bucket", imports.name)
pulumi.export("invoices_bucket", invoices.name)
pulumi.export("clickstream_stream", clickstream.name)
pulumi.export("alarm_topic_arn", alarms.arn)
pulumi.export(
    "queue_urls",
    {
        "invoice_tasks": invoice_tasks.queue.url,
        "payment_webhooks": payment_webhooks.processor.queue.url,
        **{name: queue.url for name, queue in order_events.queues.items()},
    },
)
pulumi.export(
    "dlq_urls",
    {
        "invoice_tasks": invoice_tasks.queue.dlq.url,
        "payment_webhooks": payment_webhooks.processor.queue.dlq.url,
        **{name: q.dlq.url for name, q in order_events.queues.items()},
    },
)
