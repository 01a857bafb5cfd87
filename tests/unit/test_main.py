"""The reference order platform: flows wired as architecture.md describes, per stack config."""

from __future__ import annotations

import json

FUNCTION = "aws:lambda/function:Function"


def functions(stack):
    return {r.inputs["handler"]: r for r in stack.of_type(FUNCTION)}


def env(stack, handler):
    return functions(stack)[handler].inputs["environment"]["variables"]


def test_orders_api_routes_are_the_three_order_endpoints(dev_stack):
    methods = {(m.inputs["httpMethod"], m.name) for m in dev_stack.of_type("aws:apigateway/method:Method")}
    assert methods == {
        ("POST", "orders-post-orders-method"),
        ("GET", "orders-get-orders-id-method"),
        ("POST", "orders-post-orders-id-invoice-method"),
    }


def test_orders_api_is_wired_to_its_tables_and_the_invoice_queue(dev_stack):
    variables = env(dev_stack, "orders_api.api.handler")
    assert set(variables) >= {"EVENT_STORE_TABLE", "ORDERS_TABLE", "IDEMPOTENCY_TABLE", "INVOICE_QUEUE_URL"}
    assert variables["INVOICE_QUEUE_URL"] == dev_stack.stack_outputs["queue_urls"]["invoice_tasks"]


def test_lifecycle_events_flow_from_the_bus_to_the_fanout_topic(dev_stack):
    rule = dev_stack.named("orders-order-lifecycle-rule")
    target = dev_stack.named("orders-order-lifecycle-target0")
    topic = dev_stack.named("order-events-topic")
    assert json.loads(rule.inputs["eventPattern"])["source"] == ["orders.platform"]
    assert target.inputs["arn"] == topic.outputs["arn"]


def test_each_worker_receives_only_its_event_types(dev_stack):
    filters = {
        s.name: json.loads(s.inputs["filterPolicy"]) if "filterPolicy" in s.inputs else None
        for s in dev_stack.of_type("aws:sns/topicSubscription:TopicSubscription")
    }
    assert filters == {
        "order-events-inventory-subscription": {"detail-type": ["OrderPlaced", "OrderCancelled"]},
        "order-events-shipping-subscription": {"detail-type": ["OrderConfirmed"]},
        "order-events-analytics-subscription": None,
    }


def test_invoice_worker_has_its_own_reserved_concurrency(dev_stack):
    assert functions(dev_stack)["invoices.worker.handler"].inputs["reservedConcurrentExecutions"] == 2


def test_every_function_is_packaged_from_its_folder_with_the_shared_code(dev_stack):
    for handler, function in functions(dev_stack).items():
        assert sorted(function.inputs["code"]["assets"]) == sorted([handler.split(".")[0], "shared"])


def test_stack_exports_api_url_bus_and_queue_urls(dev_stack):
    outputs = dev_stack.stack_outputs
    assert outputs["api_url"].endswith("/api")
    assert outputs["bus_name"] == "order-platform-dev-orders"
    assert set(outputs["queue_urls"]) == {"invoice_tasks", "inventory", "shipping", "analytics"}


def test_dev_and_prod_differ_only_by_config(dev_stack, prod_stack):
    assert len(dev_stack) == len(prod_stack) - 1  # prod subscribes the on-call e-mail to the alarm topic
    retention = {
        s.stack: {g.inputs["retentionInDays"] for g in s.of_type("aws:cloudwatch/logGroup:LogGroup")} for s in (dev_stack, prod_stack)
    }
    assert retention == {"dev": {14}, "prod": {90}}
    protected = {
        s.stack: sorted(t.name for t in s.of_type("aws:dynamodb/table:Table") if t.inputs["deletionProtectionEnabled"])
        for s in (dev_stack, prod_stack)
    }
    assert protected == {"dev": [], "prod": ["event-store-table", "operations-table", "orders-table"]}


def test_every_resource_lives_in_a_component(dev_stack):
    stack_urn = "urn:pulumi:dev::order-platform::pulumi:pulumi:Stack::order-platform-dev"
    assert [r.name for r in dev_stack if r.parent == stack_urn and r.custom] == []
