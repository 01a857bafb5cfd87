"""Stream records in the shape a Lambda event source mapping delivers them (``{"Records": [...]}`` items), from
what GetRecords answers (boto3's parsed values) or from an event store's item. The local cloud's stream pollers
deliver with these too: a re-driven batch is shaped as the original was."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any


def plain(value: Any) -> Any:
    """boto3's parsed values as the JSON Lambda sends: bytes base64, datetimes epoch seconds."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def kinesis(raw: dict[str, Any], *, shard: str, stream_arn: str, region: str, role_arn: str) -> dict[str, Any]:
    """A Kinesis record as Lambda delivers it; ``role_arn`` is the consumer's execution role."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": raw["PartitionKey"],
            "sequenceNumber": raw["SequenceNumber"],
            "data": base64.b64encode(raw["Data"]).decode(),
            "approximateArrivalTimestamp": raw["ApproximateArrivalTimestamp"].timestamp(),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard}:{raw['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


def dynamodb(raw: dict[str, Any], *, stream_arn: str, region: str) -> dict[str, Any]:
    """A DynamoDB stream record as Lambda delivers it."""
    record = plain(raw)
    delivered = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": record["dynamodb"],
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in record:  # a TTL deletion
        delivered["userIdentity"] = record["userIdentity"]
    return delivered


def dynamodb_insert(
    item: dict[str, Any],
    *,
    keys: tuple[str, ...],
    appended_at: float,
    sequence_number: str,
    view_type: str,
    stream_arn: str,
    region: str,
) -> dict[str, Any]:
    """The INSERT record the stream carried for ``item`` (an AttributeValue map, as the client answers it), rebuilt
    from the table: its sequence number is ``sequence_number`` (unique in the batch, not the stream's), its
    ``eventID`` derived from its keys."""
    item = plain(item)
    key = {name: item[name] for name in keys}
    return {
        "eventID": "redrive-" + "-".join(str(next(iter(value.values()))) for value in key.values()),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": {
            "ApproximateCreationDateTime": appended_at,
            "Keys": key,
            "NewImage": item,
            "SequenceNumber": sequence_number,
            "SizeBytes": len(json.dumps(item)),
            "StreamViewType": view_type,
        },
        "eventSourceARN": stream_arn,
    }
