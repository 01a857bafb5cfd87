"""The reference order platform: one test per flow row of the architecture, per stack config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import REPO

FUNCTION = "aws:lambda/function:Function"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"


def function(stack, handler):
    return next(r for r in stack.of_type(FUNCTION) if r.inputs["handler"] == handler)


def env(stack, handler):
    return function(stack, handler).inputs["environment"]["variables"]


def grants(stack, handler):
    """(action, resource) pairs of the function's role policy."""
    fn = function(stack, handler)
    role_policy = next(r for r in stack.of_type("aws:iam/rolePolicy:RolePolicy") if r.parent == fn.parent)
    return {
        (a, res)
        for s in json.loads(role_policy.inputs["policy"])["Statement"]
        for a in s["Action"]
        for res in s["Resource"]
    }


def mapping_into(stack, handler):
    arn = function(stack, handler).outputs["arn"]
    return next(m.inputs for m in stack.of_type(MAPPING) if m.inputs["functionName"] == arn)


def table(stack, name):
    return stack.named(f"{name}-table", "aws:dynamodb/table:Table").outputs


def test_post_orders_appends_to_the_event_store_with_idempotency(dev_stack):
    variables = env(dev_stack, "orders_api.api.handler")
    assert variables["EVENT_STORE_TABLE"] == table(dev_stack, "event-store")["name"]
    assert variables["IDEMPOTENCY_TABLE"] == table(dev_stack, "idempotency")["name"]
    assert ("dynamodb:PutItem", table(dev_stack, "event-store")["arn"]) in grants(dev_stack, "orders_api.api.handler")


def test_api_routes_cover_orders_invoices_and_webhooks(dev_stack):
    methods = {(m.inputs["httpMethod"], m.name) for m in dev_stack.of_type("aws:apigateway/method:Method")}
    assert methods == {
        ("POST", "orders-post-orders-method"),
        ("GET", "orders-get-orders-id-method"),
        ("POST", "orders-post-orders-id-invoice-method"),
        ("POST", "orders-post-webhooks-payments-method"),
    }


def test_get_order_reads_the_projection(dev_stack):
    assert env(dev_stack, "orders_api.api.handler")["ORDERS_TABLE"] == table(dev_stack, "orders")["name"]
    assert ("dynamodb:GetItem", table(dev_stack, "orders")["arn"]) in grants(dev_stack, "orders_api.api.handler")


def test_event_store_stream_feeds_the_projector_with_bisect_and_on_failure(dev_stack):
    mapping = mapping_into(dev_stack, "order_projector.projector.handler")
    assert mapping["eventSourceArn"] == table(dev_stack, "event-store")["streamArn"]
    assert mapping["bisectBatchOnFunctionError"] is True
    assert mapping["destinationConfig"]["onFailure"]["destinationArn"].startswith("arn:aws:sqs:")
    assert json.loads(mapping["filterCriteria"]["filters"][0]["pattern"]) == {"eventName": ["INSERT"]}


def test_projector_updates_the_read_model_and_publishes_to_the_bus(dev_stack):
    bus = dev_stack.named("orders-bus").outputs
    assert env(dev_stack, "order_projector.projector.handler")["EVENT_BUS_NAME"] == bus["name"]
    assert ("events:PutEvents", bus["arn"]) in grants(dev_stack, "order_projector.projector.handler")


def test_order_placed_starts_the_fulfilment_saga_through_the_starter_that_names_it_after_the_event(dev_stack):
    rule = dev_stack.named("orders-order-placed-rule")
    target = dev_stack.named("orders-order-placed-target0")
    machine = dev_stack.stack_outputs["state_machine_arn"]
    assert json.loads(rule.inputs["eventPattern"])["detail-type"] == ["OrderPlaced"]
    assert target.inputs["arn"] == function(dev_stack, "fulfilment.start_saga.handler").outputs["arn"]
    assert env(dev_stack, "fulfilment.start_saga.handler")["SAGA_STATE_MACHINE_ARN"] == machine
    assert ("states:StartExecution", machine) in grants(dev_stack, "fulfilment.start_saga.handler")


def saga_states(stack):
    return json.loads(stack.of_type("aws:sfn/stateMachine:StateMachine")[0].inputs["definition"])["States"]


def path_after_failure_of(states, state):
    """States visited after ``state`` fails: its Catch, then Next until an end state."""
    path, current = [], states[state]["Catch"][0]["Next"]
    while current:
        path.append(current)
        current = states[current].get("Next")
    return path


def test_saga_reserves_pays_ships_then_confirms(dev_stack):
    states, path, current = saga_states(dev_stack), [], "ReserveInventory"
    while current:
        path.append(current)
        current = states[current].get("Next")
    assert path == ["ReserveInventory", "ProcessPayment", "ArrangeShipping", "ConfirmOrder", "SagaSucceeded"]


def test_saga_compensates_completed_steps_in_reverse_then_cancels(dev_stack):
    states = saga_states(dev_stack)
    assert path_after_failure_of(states, "ReserveInventory") == ["CancelOrder", "SagaFailed"]
    assert path_after_failure_of(states, "ProcessPayment") == ["ReleaseInventory", "CancelOrder", "SagaFailed"]
    assert path_after_failure_of(states, "ArrangeShipping") == [
        "RefundPayment",
        "ReleaseInventory",
        "CancelOrder",
        "SagaFailed",
    ]


def test_a_failed_compensation_notifies_and_fails_without_looping(dev_stack):
    states = saga_states(dev_stack)
    for compensation in ("RefundPayment", "ReleaseInventory", "CancelOrder"):
        assert path_after_failure_of(states, compensation) == ["NotifyCompensationFailed", "CompensationFailed"]


def test_lifecycle_events_fan_out_to_one_worker_per_concern(dev_stack):
    target = dev_stack.named("orders-order-lifecycle-target0")
    assert target.inputs["arn"] == dev_stack.named("order-events-topic").outputs["arn"]
    filters = {
        s.name: json.loads(s.inputs["filterPolicy"]) if "filterPolicy" in s.inputs else None
        for s in dev_stack.of_type("aws:sns/topicSubscription:TopicSubscription")
    }
    assert filters == {
        "order-events-inventory-subscription": {"detail-type": ["OrderPlaced", "OrderCancelled"]},
        "order-events-shipping-subscription": {"detail-type": ["OrderConfirmed"]},
        "order-events-analytics-subscription": None,
    }


def test_webhook_verifier_enqueues_for_a_worker_that_records_payments(dev_stack):
    variables = env(dev_stack, "payment_webhooks.verifier.handler")
    assert variables["WEBHOOK_QUEUE_URL"] == dev_stack.stack_outputs["queue_urls"]["payment_webhooks"]
    assert variables["WEBHOOK_TOLERANCE_SECONDS"] == "300"
    assert (
        env(dev_stack, "payment_webhooks.worker.handler")["EVENT_STORE_TABLE"]
        == table(dev_stack, "event-store")["name"]
    )


def test_invoice_requests_go_through_a_long_polling_task_queue_to_a_capped_worker(dev_stack):
    queue_url = dev_stack.stack_outputs["queue_urls"]["invoice_tasks"]
    queue = next(q for q in dev_stack.of_type("aws:sqs/queue:Queue") if q.outputs["url"] == queue_url)
    assert queue.inputs["receiveWaitTimeSeconds"] == 20
    assert env(dev_stack, "orders_api.api.handler")["INVOICE_QUEUE_URL"] == queue_url
    assert function(dev_stack, "invoices.worker.handler").inputs["reservedConcurrentExecutions"] == 2


def test_placing_an_order_is_validated_against_the_order_schema_before_the_function_runs(dev_stack):
    method = dev_stack.named("orders-post-orders-method").inputs
    model = dev_stack.named("orders-post-orders-model").inputs
    schema = json.loads((REPO / "lambdas/orders_api/place_order.schema.json").read_text())
    assert json.loads(model["schema"]) == schema
    assert method["requestModels"] == {"application/json": dev_stack.named("orders-post-orders-model").outputs["name"]}
    assert method["requestValidatorId"] == dev_stack.named("orders-body-validator").id


def test_a_payment_webhook_is_validated_against_the_notification_schema_before_the_verifier_runs(dev_stack):
    model = dev_stack.named("orders-post-webhooks-payments-model")
    schema = json.loads((REPO / "lambdas/payment_webhooks/notification.schema.json").read_text())
    assert json.loads(model.inputs["schema"]) == schema
    method = dev_stack.named("orders-post-webhooks-payments-method").inputs
    assert method["requestModels"] == {"application/json": model.outputs["name"]}


def test_an_invoice_request_takes_no_payload(dev_stack):
    model = dev_stack.named("orders-post-orders-id-invoice-model").inputs
    assert json.loads(model["schema"]) == json.loads(
        (REPO / "lambdas/orders_api/request_invoice.schema.json").read_text()
    )
    method = dev_stack.named("orders-post-orders-id-invoice-method").inputs
    assert method["requestValidatorId"] == dev_stack.named("orders-body-validator").id


def test_prod_puts_the_api_stage_behind_waf_and_dev_does_not(dev_stack, prod_stack):
    stage = prod_stack.named("orders-stage").outputs["arn"]
    assert prod_stack.named("orders-waf-association").inputs["resourceArn"] == stage
    assert dev_stack.of_type("aws:wafv2/webAclAssociation:WebAclAssociation") == []


def test_every_bucket_logs_server_access_to_the_log_bucket(dev_stack):
    log_bucket = dev_stack.named("access-logs-bucket", "aws:s3/bucket:Bucket").outputs["bucket"]
    logged = {r.name: r.inputs["targetBucket"] for r in dev_stack.of_type("aws:s3/bucketLogging:BucketLogging")}
    assert logged == {"invoices-access-logging": log_bucket, "bulk-import-access-logging": log_bucket}


def test_the_webhook_signing_secret_rotates_every_30_days(dev_stack):
    rotation = dev_stack.named("payment-webhooks-rotation-schedule").inputs
    assert rotation["secretId"] == dev_stack.named("payment-webhooks-secret").outputs["arn"]
    assert rotation["rotationRules"] == {"automaticallyAfterDays": 30}


def test_invoice_worker_writes_only_under_invoices_in_its_bucket(dev_stack):
    bucket = dev_stack.named("invoices-bucket", "aws:s3/bucket:Bucket").outputs
    assert env(dev_stack, "invoices.worker.handler")["INVOICE_BUCKET"] == bucket["bucket"]
    writes = {res for action, res in grants(dev_stack, "invoices.worker.handler") if action == "s3:PutObject"}
    assert writes == {f"{bucket['arn']}/invoices/*"}


def test_clickstream_is_processed_in_parallel_batches_with_bisect_and_on_failure(dev_stack):
    mapping = mapping_into(dev_stack, "clickstream.processor.handler")
    assert (mapping["batchSize"], mapping["maximumBatchingWindowInSeconds"], mapping["parallelizationFactor"]) == (
        100,
        5,
        10,
    )
    assert mapping["bisectBatchOnFunctionError"] is True
    assert mapping["maximumRetryAttempts"] == 3
    assert "onFailure" in mapping["destinationConfig"]


def test_uploaded_csvs_trigger_the_bulk_import(dev_stack):
    notification = dev_stack.of_type("aws:s3/bucketNotification:BucketNotification")[0].inputs
    target = notification["lambdaFunctions"][0]
    assert (target["filterPrefix"], target["filterSuffix"], target["events"]) == (
        "uploads/",
        ".csv",
        ["s3:ObjectCreated:*"],
    )
    assert target["lambdaFunctionArn"] == function(dev_stack, "bulk_import.importer.handler").outputs["arn"]
    bucket_arn = dev_stack.named("bulk-import-bucket", "aws:s3/bucket:Bucket").outputs["arn"]
    assert ("s3:PutObject", f"{bucket_arn}/uploads/*") in grants(dev_stack, "bulk_import.importer.handler")


def test_cleanup_runs_nightly_and_reconcile_every_five_minutes(dev_stack):
    schedule = dev_stack.of_type("aws:scheduler/schedule:Schedule")[0].inputs
    assert schedule["scheduleExpression"] == "cron(0 2 * * ? *)"
    reconcile = dev_stack.named("reconcile-rule", "aws:cloudwatch/eventRule:EventRule").inputs
    assert reconcile["scheduleExpression"] == "rate(5 minutes)"


def test_every_function_traces_logs_json_and_alarms_to_the_alarm_topic(dev_stack):
    topic = dev_stack.stack_outputs["alarm_topic_arn"]
    for fn in dev_stack.of_type(FUNCTION):
        assert fn.inputs["tracingConfig"] == {"mode": "Active"}
        assert fn.inputs["loggingConfig"]["logFormat"] == "JSON"
    assert all(a.inputs["alarmActions"] == [topic] for a in dev_stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"))
    assert len(dev_stack.of_type("aws:cloudwatch/dashboard:Dashboard")) == 1


def test_every_function_is_packaged_from_its_folder_with_the_shared_code(dev_stack):
    for fn in dev_stack.of_type(FUNCTION):
        folder = fn.inputs["handler"].split(".")[0]
        # The components' own functions (re-drive, secret rotation) ship their handler alone, from the package.
        expected = [folder] if folder in ("stream_redrive", "hmac_secret_rotation") else [folder, "shared"]
        assert sorted(fn.inputs["code"]["assets"]) == sorted(expected)


def test_stack_exports_api_url_bus_and_queue_urls(dev_stack):
    outputs = dev_stack.stack_outputs
    assert outputs["api_url"].endswith("/api")
    assert outputs["bus_name"] == "order-platform-dev-orders"
    assert set(outputs["queue_urls"]) == {"invoice_tasks", "payment_webhooks", "inventory", "shipping", "analytics"}


def test_dev_and_prod_differ_only_by_config(dev_stack, prod_stack):
    def resources(stack):
        return {r.urn.replace(f"urn:pulumi:{stack.stack}::", "") for r in stack}

    # Config switches: prod subscribes the on-call e-mail and puts the API behind WAF (apiWaf).
    assert resources(prod_stack) - resources(dev_stack) == {
        "order-platform::wasp:observability:AlarmTopic$aws:sns/topicSubscription:TopicSubscription::alarms-email",
        "order-platform::wasp:api:RestApi$aws:wafv2/webAcl:WebAcl::orders-waf",
        "order-platform::wasp:api:RestApi$aws:wafv2/webAclAssociation:WebAclAssociation::orders-waf-association",
        "order-platform::wasp:api:RestApi$aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration::orders-waf-logging",
        "order-platform::wasp:api:RestApi$aws:cloudwatch/logGroup:LogGroup::orders-waf-logs",
        # ... and gives the orders API its live alias (canary with rollback, provisioned concurrency with scaling).
        *(
            "order-platform::wasp:function:ServerlessFunction$" + child
            for child in (
                "aws:appautoscaling/policy:Policy::orders-api-utilization",
                "aws:appautoscaling/target:Target::orders-api-scaling",
                "aws:cloudwatch/metricAlarm:MetricAlarm::orders-api-alias-errors",
                "aws:codedeploy/application:Application::orders-api-deploy",
                "aws:codedeploy/deploymentGroup:DeploymentGroup::orders-api-deploy-group",
                "aws:iam/role:Role::orders-api-deploy-role",
                "aws:iam/rolePolicy:RolePolicy::orders-api-deploy-policy",
                "aws:lambda/alias:Alias::orders-api-alias",
                "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig::orders-api-provisioned",
                "pulumi-python:dynamic/wasp:LambdaDeployment::orders-api-deployment",
            )
        ),
    }
    assert resources(dev_stack) - resources(prod_stack) == set()
    retention = {
        s.stack: {g.inputs["retentionInDays"] for g in s.of_type("aws:cloudwatch/logGroup:LogGroup")}
        for s in (dev_stack, prod_stack)
    }
    assert retention == {"dev": {14}, "prod": {90}}


def test_prod_invokes_the_orders_api_through_its_live_alias_and_dev_through_latest(dev_stack, prod_stack):
    def integration_uris(stack):
        return {
            r.inputs["uri"]
            for r in stack.of_type("aws:apigateway/integration:Integration")
            if "orders-api" in r.inputs["uri"]
        }

    assert all(uri.endswith(":live/invocations") for uri in integration_uris(prod_stack))
    assert not any(":live/" in uri for uri in integration_uris(dev_stack))


def test_prod_protects_its_tables_from_deletion(dev_stack, prod_stack):
    protected = {
        s.stack: sorted(t.name for t in s.of_type("aws:dynamodb/table:Table") if t.inputs["deletionProtectionEnabled"])
        for s in (dev_stack, prod_stack)
    }
    assert protected == {"dev": [], "prod": ["event-store-table", "operations-table", "orders-table"]}


def test_every_resource_lives_in_a_component(dev_stack):
    stack_urn = "urn:pulumi:dev::order-platform::pulumi:pulumi:Stack::order-platform-dev"
    assert [r.name for r in dev_stack if r.parent == stack_urn and r.custom] == []


def test_the_dashboard_charts_every_function_and_every_dlq(dev_stack):
    body = dev_stack.of_type("aws:cloudwatch/dashboard:Dashboard")[0].inputs["dashboardBody"]
    missing_functions = [f.outputs["name"] for f in dev_stack.of_type(FUNCTION) if f.outputs["name"] not in body]
    alarmed_queues = {
        a.inputs["dimensions"]["QueueName"]
        for a in dev_stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.inputs["namespace"] == "AWS/SQS"
    }
    assert len(alarmed_queues) > 10
    assert missing_functions == []
    assert sorted(q for q in alarmed_queues if q not in body) == []


def test_every_handler_starts_with_exactly_the_environment_and_code_its_function_gets(dev_stack, tmp_path):
    """The contract between the infrastructure and the handlers: each module imports from an archive of just
    the directories its function packages, with just the variables its function defines (no AWS calls)."""

    def start(fn) -> tuple[str, str]:
        root = tmp_path / fn.outputs["name"]
        root.mkdir()
        for name, asset in fn.inputs["code"]["assets"].items():
            (root / name).symlink_to(REPO / asset["path"])
        environment = {
            **fn.inputs["environment"]["variables"],
            "PATH": os.environ.get("PATH", ""),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        module = fn.inputs["handler"].rsplit(".", 1)[0]
        done = subprocess.run(
            [sys.executable, "-c", f"import {module}"],
            cwd=root,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return fn.inputs["handler"], done.stderr.strip().splitlines()[-1] if done.returncode else ""

    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = {handler: error for handler, error in pool.map(start, dev_stack.of_type(FUNCTION)) if error}
    assert failures == {}
