"""DynamoDB: tables with keys, indexes, streams, TTL and point-in-time recovery."""

from __future__ import annotations

from typing import Any

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import (
    Creator,
    DeployContext,
    Outputs,
    compact,
    physical_name,
    tag_list,
    value,
)


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def _index(spec: dict[str, Any], provisioned: bool = False) -> dict[str, Any]:
    """An index as CreateTable takes it; a global index of a provisioned table with its own throughput."""
    projection = compact(
        ProjectionType=spec.get("projectionType", "ALL"), NonKeyAttributes=spec.get("nonKeyAttributes")
    )
    index = {
        "IndexName": spec["name"],
        "KeySchema": _key_schema(spec["hashKey"], spec.get("rangeKey")),
        "Projection": projection,
    }
    if provisioned:
        index["ProvisionedThroughput"] = _throughput(spec)
    return index


def _throughput(spec: dict[str, Any]) -> dict[str, int]:
    return {
        "ReadCapacityUnits": int(spec.get("readCapacity") or 1),
        "WriteCapacityUnits": int(spec.get("writeCapacity") or 1),
    }


def table(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    dynamodb = ctx.client("dynamodb")
    billing = value(args, "billingMode") or "PROVISIONED"
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": [
            {"AttributeName": a["name"], "AttributeType": a["type"]} for a in value(args, "attributes") or []
        ],
        "KeySchema": _key_schema(value(args, "hashKey"), value(args, "rangeKey")),
        "BillingMode": billing,
        "Tags": tag_list(args),
        "DeletionProtectionEnabled": bool(value(args, "deletionProtectionEnabled")),
    }
    provisioned = billing == "PROVISIONED"
    if provisioned:
        request["ProvisionedThroughput"] = _throughput(
            {"readCapacity": value(args, "readCapacity"), "writeCapacity": value(args, "writeCapacity")}
        )
    if value(args, "globalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [_index(i, provisioned) for i in value(args, "globalSecondaryIndexes")]
    if value(args, "localSecondaryIndexes"):
        request["LocalSecondaryIndexes"] = [
            _index({**i, "hashKey": value(args, "hashKey")}) for i in value(args, "localSecondaryIndexes")
        ]
    if value(args, "streamEnabled"):
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": value(args, "streamViewType")}
    encryption = value(args, "serverSideEncryption") or {}
    if encryption.get("enabled"):
        key = encryption.get("kmsKeyArn")
        request["SSESpecification"] = {"Enabled": True, **({"SSEType": "KMS", "KMSMasterKeyId": key} if key else {})}
    description = dynamodb.create_table(**request)["TableDescription"]
    ttl = value(args, "ttl") or {}
    if ttl.get("enabled") and ttl.get("attributeName"):
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]}
        )
    if (value(args, "pointInTimeRecovery") or {}).get("enabled"):
        dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    ctx.registry.record("tables", args.name, name)
    outputs = {"name": name, "arn": description["TableArn"]}
    if "LatestStreamArn" in description:
        outputs.update(streamArn=description["LatestStreamArn"], streamLabel=description["LatestStreamLabel"])
    return name, outputs


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"dynamodb": "list_tables", "dynamodbstreams": "list_streams"}
RESOURCES: dict[str, Creator] = {"aws:dynamodb/table:Table": table}
