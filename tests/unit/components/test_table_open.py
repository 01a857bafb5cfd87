"""Table opened up: overrides of its DynamoDB table, and ExistingTable for a table the toolkit did not create."""

from __future__ import annotations

import pulumi
import pytest
from pulumi_aws import dynamodb

from pulumi_wasp.components import ExistingTable, Table, TableArgs
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

TABLE = "aws:dynamodb/table:Table"
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/legacy-orders"
STREAM_ARN = f"{TABLE_ARN}/stream/2026-01-01T00:00:00.000"


def synthesized(name: str, overrides: dict):
    """The stack of one Table ``name`` keyed on ``id`` with ``overrides``, and what its synthesis logged."""
    with logged() as lines:
        stack = synthesize(lambda: Table(name, TableArgs(hash_key="id", overrides=overrides)))
    return stack, lines


@pytest.fixture(scope="module")
def overridden():
    return synthesized(
        "orders",
        {
            "table_class": "STANDARD_INFREQUENT_ACCESS",
            "point_in_time_recovery": {"enabled": False},
            "tags": {"data": "orders"},
        },
    )


def test_overrides_set_what_the_args_do_not_name(overridden):
    stack, _ = overridden
    assert stack.one(TABLE, within="orders").input("tableClass") == "STANDARD_INFREQUENT_ACCESS"


def test_overridden_tags_merge_over_the_stacks(overridden):
    stack, _ = overridden
    tags = stack.one(TABLE, within="orders").input("tags")
    assert (tags["data"], tags["managed-by"]) == ("orders", "pulumi")


def test_defaults_the_overrides_leave_alone_are_kept(overridden):
    stack, _ = overridden
    table = stack.one(TABLE, within="orders")
    assert (table.input("billingMode"), table.input("serverSideEncryption")) == ("PAY_PER_REQUEST", {"enabled": True})


def test_turning_off_point_in_time_recovery_warns_naming_dynamodb_pitr(overridden):
    _, lines = overridden
    assert [line for line in lines.at("WARNING") if "point_in_time_recovery" in line] == [
        "TableArgs.overrides['point_in_time_recovery'] = {'enabled': False} on orders-table overrides the "
        "Well-Architected default (point-in-time recovery): the policy rule dynamodb-pitr will flag it"
    ]


def test_the_pack_flags_the_table_without_point_in_time_recovery(overridden):
    stack, _ = overridden
    assert [d.name for d in stack.preview().of("dynamodb-pitr")] == ["orders-table"]


def test_provisioned_capacity_by_override_warns_and_the_pack_flags_it():
    stack, lines = synthesized("orders", {"billing_mode": "PROVISIONED", "read_capacity": 5, "write_capacity": 5})
    assert any("the policy rule dynamodb-scalable-capacity will flag it" in line for line in lines.at("WARNING"))
    assert [d.name for d in stack.preview().of("dynamodb-scalable-capacity")] == ["orders-table"]


def test_dropping_the_kms_key_warns_that_no_rule_will_catch_it():
    _, lines = synthesized("t", {"server_side_encryption": {"enabled": False}})
    assert [line for line in lines.at("WARNING") if "server_side_encryption" in line] == [
        "TableArgs.overrides['server_side_encryption'] = {'enabled': False} on t-table overrides the "
        "Well-Architected default (encryption with the AWS-managed KMS key): no rule of the policy pack checks it"
    ]


def test_keeping_deletion_protection_off_where_the_table_defaults_it_off_does_not_warn():
    _, lines = synthesized("t", {"deletion_protection_enabled": False})
    assert lines.at("WARNING") == []


def test_an_unknown_table_override_fails_naming_it():
    with pytest.raises(ProgramError, match=r"TableArgs.overrides: 'pitr' is not a keyword argument of dynamodb.Table"):
        synthesize(lambda: Table("t", TableArgs(hash_key="id", overrides={"pitr": True})))


# -- ExistingTable ------------------------------------------------------------------------------------------
def test_a_stream_arn_alone_names_the_table_and_its_stream():
    def program():
        existing = ExistingTable(stream_arn=STREAM_ARN)
        existing.validate("arg")
        pulumi.export("arn", existing.table_arn)
        pulumi.export("name", existing.table_name)
        pulumi.export("stream", existing.table_stream_arn)

    assert synthesize(program).exports == {"arn": TABLE_ARN, "name": "legacy-orders", "stream": STREAM_ARN}


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        (ExistingTable(), "arg: give table= .* or arn= and/or stream_arn=, not both and not neither"),
        (ExistingTable(arn="legacy-orders"), r"arg.arn must be arn:aws:dynamodb:<region>:<account>:table/<name>"),
        (ExistingTable(stream_arn=TABLE_ARN), r"arg.stream_arn must be <table arn>/stream/<label>"),
        (
            ExistingTable(arn=TABLE_ARN.replace("legacy-orders", "other"), stream_arn=STREAM_ARN),
            "is not a stream of",
        ),
    ],
)
def test_bad_existing_tables_fail_naming_the_arg(existing, message):
    with pytest.raises(ValueError, match=message):
        existing.validate("arg")


def test_a_table_resource_and_an_arn_together_fail():
    def program():
        table = dynamodb.Table("t", hash_key="id", attributes=[{"name": "id", "type": "S"}])
        ExistingTable(table=table, arn=TABLE_ARN).validate("arg")

    with pytest.raises(ProgramError, match="not both and not neither"):
        synthesize(program)


def test_a_bare_table_needs_its_stream_where_one_is_read():
    with pytest.raises(ValueError, match="arg.stream_arn is required: a projection reads it"):
        ExistingTable(arn=TABLE_ARN).require_stream("arg", "a projection reads it")
