"""Table: on-demand, encrypted, recoverable DynamoDB tables."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import GlobalSecondaryIndex, LocalSecondaryIndex, Table, TableArgs
from tests.unit.conftest import one, synth

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
