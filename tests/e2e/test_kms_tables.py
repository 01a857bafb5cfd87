"""DynamoDB tables under a customer-managed key in the local cloud, end to end: every item read or write has
DynamoDB decrypt the table's key with the caller's permissions, so a function that may read and write the table but
was not granted the key through DynamoDB is refused as AWS refuses it; a table under the AWS-managed key asks for
nothing more (tests/e2e/programs/keyed_table)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_wasp.localcloud.cloud import LocalCloud

PROGRAM = Path(__file__).resolve().parent / "programs" / "keyed_table"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    with LocalCloud(PROGRAM, state=tmp_path_factory.mktemp("keyed-table")) as started:
        yield started


def outputs(cloud: LocalCloud) -> dict[str, Any]:
    assert cloud.deployment is not None
    return cloud.deployment.outputs


def items(cloud: LocalCloud, function: str, table: str) -> dict[str, Any]:
    o = outputs(cloud)
    response = cloud.emulator.client("lambda").invoke(
        FunctionName=o["functions"][function], Payload=json.dumps({"table": o["tables"][table]}).encode()
    )
    result: dict[str, Any] = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, result
    return result


def test_a_function_granted_the_tables_key_through_dynamodb_writes_and_reads_its_items(cloud: LocalCloud) -> None:
    assert items(cloud, "granted", "keyed") == {"ok": True}


def test_a_function_not_granted_the_tables_key_is_refused_as_dynamodb_refuses_it(cloud: LocalCloud) -> None:
    result = items(cloud, "ungranted", "keyed")
    assert result["error"] == "AccessDeniedException"
    assert f"is not authorized to perform: kms:Decrypt on resource: {outputs(cloud)['key']}" in result["message"]


def test_a_table_under_the_aws_managed_key_needs_no_key_grant(cloud: LocalCloud) -> None:
    # Table encrypts with alias/aws/dynamodb without a key of its own (moto fills that key in): its policy admits
    # every principal of the account through DynamoDB, so nothing is asked of the caller.
    assert items(cloud, "ungranted", "plain") == {"ok": True}
