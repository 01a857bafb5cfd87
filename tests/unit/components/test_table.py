"""Table: on-demand, encrypted, recoverable DynamoDB tables."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import Table, TableArgs
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
