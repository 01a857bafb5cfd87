"""EventStore opened up: an existing event log, projector function or on-failure queue instead of new ones, and
overrides of the table, the projection mappings and their on-failure queues."""

from __future__ import annotations

import pulumi
import pytest
from pulumi_aws import dynamodb, sqs
from pulumi_aws import iam as aws_iam

from pulumi_wasp.components import (
    EventStore,
    EventStoreArgs,
    ExistingFunction,
    ExistingQueue,
    ExistingTable,
    Projection,
    ServerlessFunctionArgs,
    Table,
    TableArgs,
)
from pulumi_wasp.components.observability import discover
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

TABLE = "aws:dynamodb/table:Table"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
QUEUE = "aws:sqs/queue:Queue"
FUNCTION = "aws:lambda/function:Function"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/legacy-events"
STREAM_ARN = f"{TABLE_ARN}/stream/2026-01-01T00:00:00.000"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:legacy-projector"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:projection-failures"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/projection-failures"


def projector() -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"])


def statements(resource) -> list[dict]:
    return resource.input_json("policy")["Statement"]


# -- an existing table ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bare_table():
    with logged() as lines:
        stack = synthesize(
            lambda: EventStore(
                "events",
                EventStoreArgs(
                    existing_table=ExistingTable(stream_arn=STREAM_ARN),
                    projections=[Projection(name="orders", function=projector())],
                ),
            )
        )
    return stack, lines


def test_an_existing_table_is_not_created(bare_table):
    stack, _ = bare_table
    assert stack.in_component("events", type=TABLE) == []
    assert stack.in_component("events", type="wasp:table:Table") == []


def test_the_projection_maps_the_existing_tables_stream(bare_table):
    stack, _ = bare_table
    assert stack.one(MAPPING, within="events").input("eventSourceArn") == STREAM_ARN


def test_the_projection_may_read_the_existing_stream(bare_table):
    stack, _ = bare_table
    policy = stack.one(ROLE_POLICY, within="events-orders")
    assert any("dynamodb:GetRecords" in s["Action"] and s["Resource"] == [STREAM_ARN] for s in statements(policy))


def test_the_store_still_owns_the_alarmed_on_failure_queue(bare_table):
    stack, _ = bare_table
    on_failure = stack.named("events-orders-on-failure-dlq", QUEUE)
    assert stack.one(MAPPING, within="events").input("destinationConfig") == {
        "onFailure": {"destinationArn": on_failure.output("arn")}
    }
    assert stack.named("events-orders-on-failure-dlq-alarm").input("dimensions") == {
        "QueueName": on_failure.output("name")
    }


def test_the_outputs_are_the_existing_tables(bare_table):
    stack, _ = bare_table
    owner = next(r for r in stack if r.name == "events" and not r.custom)
    tables = {key: owner.outputs[key] for key in ("arn", "name", "stream_arn")}  # besides: redrive_function_names
    assert tables == {"arn": TABLE_ARN, "name": "legacy-events", "stream_arn": STREAM_ARN}


def test_a_bare_table_says_what_it_could_not_check(bare_table):
    _, lines = bare_table
    assert (
        "EventStore events: given a bare identifier, so not checked: the table's keys (aggregateId, version), "
        "its stream's view type (NEW_IMAGE or NEW_AND_OLD_IMAGES)"
    ) in "\n".join(lines.at("INFO"))


def test_an_existing_table_component_lends_its_stream():
    def program():
        log = Table(
            "log",
            TableArgs(hash_key="aggregateId", range_key="version", range_key_type="N", stream_view_type="NEW_IMAGE"),
        )
        EventStore(
            "events",
            EventStoreArgs(
                existing_table=ExistingTable(table=log), projections=[Projection(name="o", function=projector())]
            ),
        )

    stack = synthesize(program)
    assert stack.one(MAPPING, within="events").input("eventSourceArn") == stack.named("log-table").output("streamArn")


def test_an_existing_table_resource_keyed_otherwise_fails():
    def program():
        table = dynamodb.Table(
            "other",
            hash_key="id",
            attributes=[{"name": "id", "type": "S"}],
            stream_enabled=True,
            stream_view_type="NEW_IMAGE",
        )
        EventStore("events", EventStoreArgs(existing_table=ExistingTable(table=table)))

    with pytest.raises(
        ProgramError,
        match=r"EventStoreArgs.existing_table is keyed \(id, None\); it must be keyed \(aggregateId, version\)",
    ):
        synthesize(program)


def test_an_existing_table_resource_whose_stream_lacks_the_new_image_fails():
    def program():
        table = dynamodb.Table(
            "keys-only",
            hash_key="aggregateId",
            range_key="version",
            attributes=[{"name": "aggregateId", "type": "S"}, {"name": "version", "type": "N"}],
            stream_enabled=True,
            stream_view_type="KEYS_ONLY",
        )
        EventStore(
            "events",
            EventStoreArgs(
                existing_table=ExistingTable(table=table), projections=[Projection(name="o", function=projector())]
            ),
        )

    with pytest.raises(ProgramError, match="has stream view type 'KEYS_ONLY'; it needs a stream of type NEW_IMAGE"):
        synthesize(program)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            EventStoreArgs(existing_table=ExistingTable(arn=TABLE_ARN), ttl_attribute="expiresAt"),
            "EventStoreArgs.ttl_attribute: only for a table the store creates, not with existing_table",
        ),
        (
            EventStoreArgs(
                existing_table=ExistingTable(arn=TABLE_ARN),
                point_in_time_recovery=False,
                table_overrides={"table_class": "STANDARD"},
            ),
            "EventStoreArgs.point_in_time_recovery, .table_overrides: only for a table the store creates",
        ),
        (
            EventStoreArgs(existing_table=ExistingTable(arn=TABLE_ARN), billing_mode="PROVISIONED"),
            "EventStoreArgs.billing_mode: only for a table the store creates, not with existing_table",
        ),
        (
            EventStoreArgs(
                existing_table=ExistingTable(arn=TABLE_ARN), projections=[Projection(name="o", function=projector())]
            ),
            "EventStoreArgs.existing_table.stream_arn is required: the projections read the table's stream",
        ),
        (
            EventStoreArgs(projections=[Projection(name="o")]),
            "set exactly one of Projection 'o'.existing_function .* or Projection 'o'.function",
        ),
        (
            EventStoreArgs(
                projections=[
                    Projection(name="o", function=projector(), existing_function=ExistingFunction(arn=FUNCTION_ARN))
                ]
            ),
            "both given",
        ),
    ],
)
def test_bad_combinations_fail_naming_the_args(args, message):
    with pytest.raises(ValueError, match=message):
        args.validate()


# -- an existing projector function -----------------------------------------------------------------------
def test_an_existing_projector_with_a_role_is_granted_through_a_role_policy_of_the_stores():
    def program():
        role = aws_iam.Role("legacy-role", assume_role_policy="{}")
        EventStore(
            "events",
            EventStoreArgs(
                projections=[Projection(name="orders", existing_function=ExistingFunction(arn=FUNCTION_ARN, role=role))]
            ),
        )

    stack = synthesize(program)
    # The store creates no projector, only the projection's re-drive function.
    assert [f.name for f in stack.in_component("events", type=FUNCTION)] == ["events-orders-redrive-function"]
    [policy] = [
        p
        for p in stack.in_component("events", type=ROLE_POLICY)
        if p.input("role") != stack.named("events-orders-redrive-role").id
    ]
    assert policy.input("role") == stack.named("legacy-role").id
    actions = {action for s in statements(policy) for action in s["Action"]}
    assert {"dynamodb:GetRecords", "sqs:SendMessage"} <= actions
    assert stack.one(MAPPING, within="events").input("functionName") == FUNCTION_ARN


def test_an_existing_projector_without_a_role_lists_its_statements_and_warns():
    stores = []
    with logged() as lines:
        synthesize(
            lambda: stores.append(
                EventStore(
                    "events",
                    EventStoreArgs(
                        projections=[Projection(name="orders", existing_function=ExistingFunction(arn=FUNCTION_ARN))]
                    ),
                )
            )
        )
    (store,) = stores
    assert list(store.required_statements) == ["orders"]
    actions = {action for s in store.required_statements["orders"] for action in s["Action"]}
    assert {"dynamodb:GetRecords", "sqs:SendMessage"} <= actions
    assert any("Projection 'orders'.existing_function has no role" in line for line in lines.at("WARNING"))


def test_the_dashboard_charts_an_existing_projectors_iterator_age_by_its_name():
    def program():
        store = EventStore(
            "events",
            EventStoreArgs(
                projections=[Projection(name="orders", existing_function=ExistingFunction(arn=FUNCTION_ARN))]
            ),
        )
        pulumi.export("charted", discover([store]).stream_consumers)

    assert synthesize(program).exports == {"charted": ["legacy-projector"]}


# -- overrides --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: EventStore(
                "events",
                EventStoreArgs(
                    table_overrides={"deletion_protection_enabled": False, "table_class": "STANDARD_INFREQUENT_ACCESS"},
                    projections=[
                        Projection(
                            name="orders",
                            function=projector(),
                            mapping_overrides={"enabled": False, "function_response_types": []},
                            on_failure_overrides={"sqs_managed_sse_enabled": False, "tags": {"tier": "dlq"}},
                        )
                    ],
                ),
            )
        )
    return stack, lines


def test_overrides_reach_the_table_the_mapping_and_the_on_failure_queue(overridden):
    stack, _ = overridden
    table = stack.one(TABLE, within="events")
    assert (table.input("tableClass"), table.input("deletionProtectionEnabled")) == (
        "STANDARD_INFREQUENT_ACCESS",
        False,
    )
    assert stack.one(MAPPING, within="events").input("enabled") is False
    assert stack.named("events-orders-on-failure-dlq", QUEUE).input("tags")["tier"] == "dlq"


def test_turning_off_the_stores_deletion_protection_warns_that_no_rule_will_catch_it(overridden):
    _, lines = overridden
    assert [line for line in lines.at("WARNING") if "deletion_protection_enabled" in line] == [
        "EventStoreArgs.table_overrides['deletion_protection_enabled'] = False on events-table overrides the "
        "Well-Architected default (deletion protection): no rule of the policy pack checks it"
    ]


def test_dropping_the_on_failure_queues_encryption_warns_and_the_pack_flags_it(overridden):
    stack, lines = overridden
    assert any(
        line.startswith("Projection 'orders'.on_failure_overrides['sqs_managed_sse_enabled'] = False")
        and "sqs-encryption" in line
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("sqs-encryption")] == ["events-orders-on-failure-dlq"]


def test_dropping_batch_item_failures_from_a_projection_warns_and_the_pack_flags_it(overridden):
    stack, lines = overridden
    assert any(
        line.startswith("Projection 'orders'.mapping_overrides['function_response_types']")
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("esm-batch-item-failures")] == ["events-orders-mapping"]


def test_turning_off_point_in_time_recovery_is_flagged_by_the_pack():
    with logged() as lines:
        stack = synthesize(
            lambda: EventStore("events", EventStoreArgs(table_overrides={"point_in_time_recovery": {"enabled": False}}))
        )
    assert any("the policy rule dynamodb-pitr will flag it" in line for line in lines.at("WARNING"))
    assert [d.name for d in stack.preview().of("dynamodb-pitr")] == ["events-table"]


def test_an_unknown_table_override_fails_naming_the_stores_arg():
    with pytest.raises(
        ProgramError, match=r"EventStoreArgs.table_overrides: 'pitr' is not a keyword argument of dynamodb.Table"
    ):
        synthesize(lambda: EventStore("events", EventStoreArgs(table_overrides={"pitr": False})))


# -- an existing on-failure queue ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def existing_on_failure():
    def program():
        given_up = sqs.Queue("projection-failures", name="projection-failures")
        projection = Projection(
            name="orders", function=projector(), existing_on_failure_queue=ExistingQueue(queue=given_up)
        )
        EventStore("events", EventStoreArgs(projections=[projection]))

    return synthesize(program)


def test_a_projections_existing_on_failure_queue_is_not_created_but_is_the_mappings_destination(existing_on_failure):
    stack = existing_on_failure
    given_up = stack.named("projection-failures", QUEUE)
    assert stack.in_component("events", type=QUEUE) == []
    assert stack.one(MAPPING, within="events").input("destinationConfig") == {
        "onFailure": {"destinationArn": given_up.output("arn")}
    }


def test_a_projection_may_send_to_its_existing_on_failure_queue_and_the_redrive_consumes_it(existing_on_failure):
    stack = existing_on_failure
    given_up = stack.named("projection-failures", QUEUE)
    sent = statements(stack.named("events-orders-policy", ROLE_POLICY))
    assert any(s["Action"] == ["sqs:SendMessage"] and s["Resource"] == [given_up.output("arn")] for s in sent)
    redrive = stack.named("events-orders-redrive-function", FUNCTION).input("environment")["variables"]
    assert redrive["ON_FAILURE_QUEUE_URL"] == given_up.output("url")
    assert stack.named("events-orders-on-failure-dlq-alarm").input("dimensions") == {"QueueName": "projection-failures"}


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"existing_on_failure_queue": ExistingQueue(arn=f"{QUEUE_ARN}.fifo", url=f"{QUEUE_URL}.fifo", fifo=True)},
            "Projection 'orders'.existing_on_failure_queue is a FIFO queue",
        ),
        (
            {
                "existing_on_failure_queue": ExistingQueue(arn=QUEUE_ARN, url=QUEUE_URL),
                "on_failure_overrides": {"x": 1},
            },
            "Projection 'orders'.on_failure_overrides apply to an on-failure queue the component creates",
        ),
    ],
)
def test_bad_existing_on_failure_queues_of_a_projection_fail_naming_it(given, message):
    with pytest.raises(ValueError, match=message):
        Projection(name="orders", function=projector(), **given).validate()
