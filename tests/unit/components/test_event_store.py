"""EventStore: the DynamoDB event log and its stream projections."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components import (
    CapacityScaling,
    EventStore,
    GlobalSecondaryIndex,
    ProvisionedCapacity,
    StreamMappingArgs,
    defaults,
)
from pulumi_wasp.components.event_store import EventStoreArgs, Projection
from tests.unit.components.synth_helpers import function_args, synth_program, synthesis_error
from tests.unit.conftest import one, policy, synth, within

TABLE = "aws:dynamodb/table:Table"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
QUEUE = "aws:sqs/queue:Queue"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@pytest.fixture(scope="module")
def stack():
    return synth_program("event_store")


def table(stack, name="events"):
    return one(stack, name, TABLE).inputs


def mapping(stack, name="events"):
    return one(stack, name, MAPPING).inputs


def test_events_are_keyed_by_aggregate_id_and_numeric_version(stack):
    assert (table(stack)["hashKey"], table(stack)["rangeKey"]) == ("aggregateId", "version")
    assert table(stack)["attributes"] == [{"name": "aggregateId", "type": "S"}, {"name": "version", "type": "N"}]


def test_the_table_is_on_demand_recoverable_and_encrypted(stack):
    assert table(stack)["billingMode"] == "PAY_PER_REQUEST"
    assert table(stack)["pointInTimeRecovery"] == {"enabled": True}
    assert table(stack)["serverSideEncryption"] == {"enabled": True}


def test_the_stream_carries_new_images(stack):
    assert table(stack)["streamEnabled"] is True
    assert table(stack)["streamViewType"] == "NEW_IMAGE"


def test_deletion_protection_is_on_by_default(stack):
    assert table(stack)["deletionProtectionEnabled"] is True


def test_there_is_no_ttl_by_default(stack):
    assert "ttl" not in table(stack)


def test_projections_read_the_stream_from_its_beginning_in_batches_of_100(stack):
    assert mapping(stack)["eventSourceArn"] == one(stack, "events", TABLE).outputs["streamArn"]
    assert mapping(stack)["startingPosition"] == "TRIM_HORIZON"
    assert mapping(stack)["batchSize"] == 100
    assert "maximumBatchingWindowInSeconds" not in mapping(stack)
    assert mapping(stack)["parallelizationFactor"] == 1


def test_a_failing_projection_batch_is_bisected_retried_3_times_and_reports_item_failures(stack):
    assert mapping(stack)["bisectBatchOnFunctionError"] is True
    assert mapping(stack)["maximumRetryAttempts"] == 3
    assert mapping(stack)["maximumRecordAgeInSeconds"] == 3600
    assert mapping(stack)["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "filterCriteria" not in mapping(stack)


def test_exhausted_records_go_to_an_alarmed_on_failure_queue(stack):
    queue = one(stack, "events", QUEUE)
    assert mapping(stack)["destinationConfig"] == {"onFailure": {"destinationArn": queue.outputs["arn"]}}
    (alarm,) = [
        a.inputs
        for a in within(stack, "events", ALARM)
        if a.inputs["metricName"] == "ApproximateNumberOfMessagesVisible"
    ]
    assert alarm["dimensions"] == {"QueueName": queue.outputs["name"]}


def test_the_projection_function_may_read_the_stream_and_send_to_its_on_failure_queue(stack):
    statements = policy(one(stack, "events-orders", "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    resources = {action: s["Resource"] for s in statements for action in s["Action"]}
    assert resources["dynamodb:GetRecords"] == [one(stack, "events", TABLE).outputs["streamArn"]]
    assert resources["sqs:SendMessage"] == [one(stack, "events", QUEUE).outputs["arn"]]
    assert mapping(stack)["functionName"] == one(stack, "events-orders", "aws:lambda/function:Function").outputs["arn"]


def test_a_projection_reads_the_store_and_does_not_update_it_by_default(stack):
    statements = policy(one(stack, "events-orders", "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    assert not [s for s in statements if "dynamodb:UpdateItem" in s["Action"]]
    variables = one(stack, "events-orders", "aws:lambda/function:Function").inputs["environment"]["variables"]
    assert "EVENT_STORE_TABLE" not in variables


def test_a_projection_that_updates_the_store_may_update_its_items_only_and_is_told_its_name(stack):
    statements = policy(one(stack, "tuned-outbox", "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    store = one(stack, "tuned", TABLE).outputs
    assert [(s["Action"], s["Resource"]) for s in statements if "dynamodb:UpdateItem" in s["Action"]] == [
        (["dynamodb:GetItem", "dynamodb:UpdateItem"], [store["arn"]])
    ]
    variables = one(stack, "tuned-outbox", "aws:lambda/function:Function").inputs["environment"]["variables"]
    assert variables["EVENT_STORE_TABLE"] == store["name"]


def test_overrides_reach_the_table_and_the_projection(stack):
    tuned, tuned_mapping = table(stack, "tuned"), mapping(stack, "tuned")
    assert tuned["deletionProtectionEnabled"] is False
    assert tuned["pointInTimeRecovery"] == {"enabled": False}
    assert tuned["ttl"] == {"attributeName": "expiresAt", "enabled": True}
    assert tuned["tags"]["team"] == "orders"
    assert tuned_mapping["filterCriteria"] == {"filters": [{"pattern": json.dumps({"eventName": ["INSERT"]})}]}
    assert (tuned_mapping["batchSize"], tuned_mapping["maximumBatchingWindowInSeconds"]) == (10, 2)
    assert (tuned_mapping["parallelizationFactor"], tuned_mapping["startingPosition"]) == (4, "LATEST")
    assert (tuned_mapping["maximumRetryAttempts"], tuned_mapping["maximumRecordAgeInSeconds"]) == (5, 7200)


def projection(**overrides) -> Projection:
    return Projection(**{"name": "orders", "function": function_args(), **overrides})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            EventStoreArgs(projections=[projection(), projection()]),
            r"EventStoreArgs.projections: duplicate names \['orders'\]",
        ),
        (
            EventStoreArgs(projections=[projection(name="")]),
            "EventStoreArgs.projections: a projection has an empty name",
        ),
        (
            EventStoreArgs(projections=[projection(mapping=StreamMappingArgs(max_retries=-1))]),
            "Projection 'orders'.mapping.max_retries must be 0..10000",
        ),
        (
            EventStoreArgs(projections=[projection(mapping=StreamMappingArgs(max_record_age_seconds=-1))]),
            "Projection 'orders'.mapping.max_record_age_seconds",
        ),
        (
            EventStoreArgs(projections=[projection(mapping=StreamMappingArgs(filter_patterns=[{}]))]),
            "Projection 'orders'.mapping.filter_patterns: a pattern is empty",
        ),
        (
            EventStoreArgs(stream_view_type="KEYS_ONLY"),
            "EventStoreArgs.stream_view_type must be one of NEW_IMAGE, NEW_AND_OLD_IMAGES",
        ),
        (EventStoreArgs(ttl_attribute="version"), "EventStoreArgs.ttl_attribute must not be a key attribute"),
        (
            EventStoreArgs(projections=[projection(update_store=True)]),
            r"Projection 'orders': update_store=True needs mapping.filter_patterns that match inserts only",
        ),
        (
            EventStoreArgs(
                projections=[
                    projection(
                        update_store=True, mapping=StreamMappingArgs(filter_patterns=[{"eventName": ["MODIFY"]}])
                    )
                ]
            ),
            "its own updates would come back to it as MODIFY records",
        ),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(args, message):
    with pytest.raises(ValueError, match=message):
        args.validate()


def test_bad_args_fail_the_synthesis():
    assert "EventStoreArgs.projections: duplicate names" in synthesis_error("event-store-duplicate-projections")


def test_children_are_parented_and_named_after_the_store(stack):
    owner = next(r for r in stack if r.name == "events" and not r.custom)
    assert owner.type == "wasp:eventstore:EventStore"
    assert all(r.name.startswith("events") for r in stack.descendants(owner))
    assert set(owner.outputs) == {"arn", "name", "stream_arn", "redrive_function_names"}


def test_the_0_1_0_projection_fields_still_work_and_warn():
    with pytest.warns(DeprecationWarning, match=r"Projection 'orders'.filter_patterns: deprecated since 0.2.0"):
        old = projection(filter_patterns=[{"eventName": ["INSERT"]}])
    assert old.mapping.filter_patterns == [{"eventName": ["INSERT"]}]


def test_projection_settings_left_unset_take_the_projection_defaults():
    resolved = projection(mapping=StreamMappingArgs(batch_size=10)).resolved_mapping
    assert (resolved.batch_size, resolved.batching_window_seconds) == (10, defaults.PROJECTION_BATCHING_WINDOW_SECONDS)
    assert (resolved.parallelization_factor, resolved.starting_position) == (
        defaults.PROJECTION_PARALLELIZATION_FACTOR,
        defaults.PROJECTION_STARTING_POSITION,
    )


def indexed_store() -> None:
    EventStore(
        "store",
        EventStoreArgs(
            stream_view_type="NEW_AND_OLD_IMAGES",
            global_secondary_indexes=[GlobalSecondaryIndex("by-type", "type", range_key="version", range_key_type="N")],
        ),
    )


def test_the_store_s_stream_view_type_and_indexes_reach_its_table():
    store = one(synth(indexed_store), "store", TABLE).inputs
    assert store["streamViewType"] == "NEW_AND_OLD_IMAGES"
    assert store["globalSecondaryIndexes"][0]["name"] == "by-type"
    assert {"name": "type", "type": "S"} in store["attributes"]
    assert store["attributes"].count({"name": "version", "type": "N"}) == 1


def test_a_provisioned_store_auto_scales_its_table_reads_and_writes():
    stack = synth(
        lambda: EventStore(
            "ledger",
            EventStoreArgs(
                billing_mode="PROVISIONED",
                capacity=ProvisionedCapacity(write=CapacityScaling(min_capacity=10, max_capacity=200)),
            ),
        )
    )
    name = one(stack, "ledger", TABLE).outputs["name"]
    targets = {
        t.inputs["scalableDimension"]: (t.inputs["resourceId"], t.inputs["minCapacity"], t.inputs["maxCapacity"])
        for t in within(stack, "ledger", "aws:appautoscaling/target:Target")
    }
    assert targets == {
        "dynamodb:table:ReadCapacityUnits": (f"table/{name}", 5, 100),
        "dynamodb:table:WriteCapacityUnits": (f"table/{name}", 10, 200),
    }
