"""Table: on-demand, encrypted, recoverable DynamoDB tables."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import (
    CapacityScaling,
    GlobalSecondaryIndex,
    LocalSecondaryIndex,
    ProvisionedCapacity,
    Table,
    TableArgs,
)
from tests.unit.conftest import one, synth, within

TABLE = "aws:dynamodb/table:Table"


def program() -> None:
    Table("orders", TableArgs(hash_key="orderId"))
    Table(
        "events",
        TableArgs(
            hash_key="aggregateId",
            range_key="version",
            range_key_type="N",
            stream_view_type="NEW_IMAGE",
            ttl_attribute="expires",
            deletion_protection=True,
            point_in_time_recovery=False,
        ),
    )


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def test_capacity_is_on_demand(stack):
    assert one(stack, "orders", TABLE).inputs["billingMode"] == "PAY_PER_REQUEST"


def test_point_in_time_recovery_and_encryption_are_on(stack):
    table = one(stack, "orders", TABLE).inputs
    assert table["pointInTimeRecovery"] == {"enabled": True}
    assert table["serverSideEncryption"] == {"enabled": True}


def test_no_stream_ttl_or_deletion_protection_by_default(stack):
    table = one(stack, "orders", TABLE).inputs
    assert "streamEnabled" not in table
    assert "ttl" not in table
    assert table["deletionProtectionEnabled"] is False


def test_overrides_add_sort_key_stream_ttl_and_protection(stack):
    table = one(stack, "events", TABLE).inputs
    assert table["attributes"] == [{"name": "aggregateId", "type": "S"}, {"name": "version", "type": "N"}]
    assert (table["rangeKey"], table["streamEnabled"], table["streamViewType"]) == ("version", True, "NEW_IMAGE")
    assert table["ttl"] == {"attributeName": "expires", "enabled": True}
    assert table["deletionProtectionEnabled"] is True
    assert table["pointInTimeRecovery"] == {"enabled": False}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"hash_key": ""}, "hash_key is empty"),
        ({"hash_key": "id", "range_key": "id"}, "range_key must differ"),
        ({"hash_key": "id", "stream_view_type": "ALL"}, "stream_view_type must be one of"),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(args, message):
    with pytest.raises(ValueError, match=message):
        TableArgs(**args).validate()


def indexed_program() -> None:
    Table(
        "orders",
        TableArgs(
            hash_key="orderId",
            range_key="createdAt",
            range_key_type="N",
            global_secondary_indexes=[
                GlobalSecondaryIndex("by-customer", "customerId", range_key="createdAt", range_key_type="N"),
                GlobalSecondaryIndex("open", "openedAt", hash_key_type="N", projection="KEYS_ONLY", sparse=True),
            ],
            local_secondary_indexes=[
                LocalSecondaryIndex("by-status", "status", projection=("INCLUDE", ["total", "currency"])),
            ],
        ),
    )


@pytest.fixture(scope="module")
def indexed():
    return one(synth(indexed_program), "orders", TABLE).inputs


def test_global_indexes_are_in_the_graph_with_their_keys_and_projection(indexed):
    assert indexed["globalSecondaryIndexes"] == [
        {"name": "by-customer", "hashKey": "customerId", "rangeKey": "createdAt", "projectionType": "ALL"},
        {"name": "open", "hashKey": "openedAt", "projectionType": "KEYS_ONLY"},
    ]


def test_a_sparse_index_is_an_index_on_an_attribute_only_some_items_carry(indexed):
    sparse = next(i for i in indexed["globalSecondaryIndexes"] if i["name"] == "open")
    assert sparse["hashKey"] not in (indexed["hashKey"], indexed["rangeKey"])


def test_local_indexes_share_the_partition_key_and_include_named_attributes(indexed):
    assert indexed["localSecondaryIndexes"] == [
        {
            "name": "by-status",
            "rangeKey": "status",
            "projectionType": "INCLUDE",
            "nonKeyAttributes": ["total", "currency"],
        }
    ]


def test_attribute_definitions_are_derived_from_every_key_once(indexed):
    assert indexed["attributes"] == [
        {"name": "orderId", "type": "S"},
        {"name": "createdAt", "type": "N"},
        {"name": "customerId", "type": "S"},
        {"name": "openedAt", "type": "N"},
        {"name": "status", "type": "S"},
    ]


def test_a_table_without_indexes_declares_none(stack):
    table = one(stack, "orders", TABLE).inputs
    assert "globalSecondaryIndexes" not in table
    assert "localSecondaryIndexes" not in table


def gsi(name: str = "by-x", **fields) -> GlobalSecondaryIndex:
    return GlobalSecondaryIndex(name, fields.pop("hash_key", "x"), **fields)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"global_secondary_indexes": [gsi(hash_key="id", hash_key_type="N")]},
            r"key attribute 'id' is S as hash_key but N as global_secondary_indexes\['by-x'\].hash_key",
        ),
        ({"global_secondary_indexes": [gsi("ab")]}, r"global_secondary_indexes\['ab'\]: an index name is 3-255"),
        ({"global_secondary_indexes": [gsi("by x")]}, r"global_secondary_indexes\['by x'\]: an index name"),
        ({"global_secondary_indexes": [gsi("i" * 256)]}, "an index name is 3-255"),
        ({"global_secondary_indexes": [gsi(), gsi()]}, "index names must be unique"),
        ({"global_secondary_indexes": [gsi(f"index-{n}") for n in range(21)]}, "at most 20 per table"),
        ({"global_secondary_indexes": [gsi(hash_key="")]}, r"\['by-x'\].hash_key is empty"),
        ({"global_secondary_indexes": [gsi(range_key="x")]}, r"\['by-x'\].range_key must differ"),
        ({"global_secondary_indexes": [gsi(hash_key="id", sparse=True)]}, r"is sparse but keys on .*\['id'\]"),
        ({"global_secondary_indexes": [gsi(projection="NONE")]}, r"\['by-x'\].projection must be"),
        ({"global_secondary_indexes": [gsi(projection=("INCLUDE", []))]}, "takes a non-empty list"),
        ({"global_secondary_indexes": [gsi(projection=("INCLUDE", "a"))]}, "takes a non-empty list"),
        ({"global_secondary_indexes": [gsi(projection=("INCLUDE", ["a", "a"]))]}, "names an attribute twice"),
        (
            {
                "global_secondary_indexes": [
                    gsi(f"index-{n}", projection=("INCLUDE", [f"a{k}" for k in range(26)])) for n in range(4)
                ]
            },
            "name 104 attributes across the indexes; DynamoDB allows at most 100",
        ),
        ({"local_secondary_indexes": [LocalSecondaryIndex("by-y", "y")]}, "need a table with a range_key"),
        (
            {"range_key": "sk", "local_secondary_indexes": [LocalSecondaryIndex(f"lsi-{n}", "y") for n in range(6)]},
            "local_secondary_indexes: at most 5",
        ),
        ({"range_key": "sk", "local_secondary_indexes": [LocalSecondaryIndex("by-y", "")]}, r"range_key is empty"),
        (
            {"range_key": "sk", "local_secondary_indexes": [LocalSecondaryIndex("by-y", "sk", range_key_type="N")]},
            r"'sk' is S as range_key but N as local_secondary_indexes\['by-y'\].range_key",
        ),
        (
            {
                "range_key": "sk",
                "global_secondary_indexes": [gsi("same")],
                "local_secondary_indexes": [LocalSecondaryIndex("same", "y")],
            },
            "index names must be unique across the table's indexes",
        ),
    ],
)
def test_bad_indexes_are_rejected_naming_the_arg(args, message):
    with pytest.raises(ValueError, match=message):
        TableArgs(hash_key="id", **args).validate()


TARGET, SCALING_POLICY = "aws:appautoscaling/target:Target", "aws:appautoscaling/policy:Policy"


def provisioned_program() -> None:
    Table(
        "metrics",
        TableArgs(
            hash_key="pk",
            billing_mode="PROVISIONED",
            capacity=ProvisionedCapacity(write=CapacityScaling(min_capacity=2, max_capacity=40, target_utilization=50)),
            global_secondary_indexes=[
                GlobalSecondaryIndex("by-day", "day"),
                GlobalSecondaryIndex(
                    "by-user",
                    "user",
                    capacity=ProvisionedCapacity(read=CapacityScaling(min_capacity=1, max_capacity=10)),
                ),
            ],
        ),
    )


@pytest.fixture(scope="module")
def provisioned():
    return synth(provisioned_program)


def scaling(stack, dimension_suffix: str, resource_id: str) -> tuple[dict, dict]:
    targets = [
        t.inputs
        for t in within(stack, "metrics", TARGET)
        if t.inputs["resourceId"] == resource_id and t.inputs["scalableDimension"].endswith(dimension_suffix)
    ]
    assert len(targets) == 1, targets
    policies = [
        p.inputs
        for p in within(stack, "metrics", SCALING_POLICY)
        if p.inputs["resourceId"] == resource_id and p.inputs["scalableDimension"] == targets[0]["scalableDimension"]
    ]
    assert len(policies) == 1, policies
    return targets[0], policies[0]


def test_provisioned_table_starts_at_its_minimum_capacity(provisioned):
    table = one(provisioned, "metrics", TABLE).inputs
    assert (table["billingMode"], table["readCapacity"], table["writeCapacity"]) == ("PROVISIONED", 5, 2)


def test_provisioned_table_reads_and_writes_scale_between_the_guides_bounds_by_default(provisioned):
    target, policy = scaling(provisioned, "ReadCapacityUnits", f"table/{table_name(provisioned)}")
    assert target["serviceNamespace"] == "dynamodb"
    assert target["scalableDimension"] == "dynamodb:table:ReadCapacityUnits"
    assert (target["minCapacity"], target["maxCapacity"]) == (5, 100)
    assert policy["policyType"] == "TargetTrackingScaling"
    assert policy["targetTrackingScalingPolicyConfiguration"] == {
        "predefinedMetricSpecification": {"predefinedMetricType": "DynamoDBReadCapacityUtilization"},
        "targetValue": 70,
    }


def test_provisioned_table_writes_scale_as_configured(provisioned):
    target, policy = scaling(provisioned, "WriteCapacityUnits", f"table/{table_name(provisioned)}")
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 40)
    configuration = policy["targetTrackingScalingPolicyConfiguration"]
    assert configuration["predefinedMetricSpecification"]["predefinedMetricType"] == "DynamoDBWriteCapacityUtilization"
    assert configuration["targetValue"] == 50


def test_each_global_index_scales_under_its_own_index_resource_id(provisioned):
    name = table_name(provisioned)
    for index in ("by-day", "by-user"):
        for kind in ("ReadCapacityUnits", "WriteCapacityUnits"):
            target, _ = scaling(provisioned, kind, f"table/{name}/index/{index}")
            assert target["scalableDimension"] == f"dynamodb:index:{kind}"
    assert len(within(provisioned, "metrics", TARGET)) == 6
    assert len(within(provisioned, "metrics", SCALING_POLICY)) == 6


def test_an_index_inherits_the_tables_capacity_unless_it_has_its_own(provisioned):
    name = table_name(provisioned)
    inherited, _ = scaling(provisioned, "WriteCapacityUnits", f"table/{name}/index/by-day")
    own, _ = scaling(provisioned, "ReadCapacityUnits", f"table/{name}/index/by-user")
    assert (inherited["minCapacity"], inherited["maxCapacity"]) == (2, 40)
    assert (own["minCapacity"], own["maxCapacity"]) == (1, 10)
    indexes = {i["name"]: i for i in one(provisioned, "metrics", TABLE).inputs["globalSecondaryIndexes"]}
    assert (indexes["by-user"]["readCapacity"], indexes["by-user"]["writeCapacity"]) == (1, 5)


def test_provisioned_table_ignores_capacity_that_auto_scaling_changed(provisioned):
    assert set(one(provisioned, "metrics", TABLE).options.ignore_changes) == {
        "readCapacity",
        "writeCapacity",
        "globalSecondaryIndexes[*].readCapacity",
        "globalSecondaryIndexes[*].writeCapacity",
    }


def test_an_on_demand_table_has_no_capacity_and_no_scaling(stack):
    table = one(stack, "orders", TABLE)
    assert "readCapacity" not in table.inputs and not table.options.ignore_changes
    assert within(stack, "orders", TARGET) == []


def table_name(stack) -> str:
    return one(stack, "metrics", TABLE).outputs["name"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"billing_mode": "ON_DEMAND"}, "TableArgs.billing_mode must be one of PAY_PER_REQUEST, PROVISIONED"),
        ({"capacity": ProvisionedCapacity()}, r'TableArgs.capacity applies only with billing_mode="PROVISIONED"'),
        (
            {"global_secondary_indexes": [gsi(capacity=ProvisionedCapacity())]},
            r"global_secondary_indexes\['by-x'\].capacity applies only with billing_mode",
        ),
        (
            {"billing_mode": "PROVISIONED", "capacity": ProvisionedCapacity(read=CapacityScaling(min_capacity=0))},
            r"TableArgs.capacity.read.min_capacity must be a whole number of capacity units ≥ 1, got 0",
        ),
        (
            {
                "billing_mode": "PROVISIONED",
                "capacity": ProvisionedCapacity(write=CapacityScaling(min_capacity=50, max_capacity=10)),
            },
            r"TableArgs.capacity.write: min_capacity \(50\) must be ≤ max_capacity \(10\)",
        ),
        (
            {
                "billing_mode": "PROVISIONED",
                "capacity": ProvisionedCapacity(read=CapacityScaling(target_utilization=95)),
            },
            r"TableArgs.capacity.read.target_utilization must be 20..90 percent .*got 95",
        ),
        (
            {
                "billing_mode": "PROVISIONED",
                "global_secondary_indexes": [
                    gsi(capacity=ProvisionedCapacity(write=CapacityScaling(target_utilization=10)))
                ],
            },
            r"global_secondary_indexes\['by-x'\].capacity.write.target_utilization must be 20..90",
        ),
    ],
)
def test_bad_capacity_is_rejected_naming_the_arg(args, message):
    with pytest.raises(ValueError, match=message):
        TableArgs(hash_key="id", **args).validate()
