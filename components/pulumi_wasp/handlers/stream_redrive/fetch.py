"""Fetching the records an on-failure record names: from the stream while it retains them, from an event store's
table (which never forgets) once it does not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from . import filters, records
from .settings import Settings

#: Records per GetRecords call (the most both services answer).
READ_LIMIT = 1000
#: Empty reads in a row after which the range's end is taken as not in the shard (a DynamoDB shard may answer
#: empty pages before the records further on; an open shard never ends).
EMPTY_READS = 5


@dataclass(frozen=True)
class BatchInfo:
    """The coordinates an on-failure record carries (``KinesisBatchInfo`` / ``DDBStreamBatchInfo``)."""

    shard_id: str
    start: str
    end: str
    batch_size: int
    stream_arn: str
    first_arrival: str
    last_arrival: str

    @classmethod
    def of(cls, body: dict[str, Any]) -> BatchInfo:
        info = body.get("KinesisBatchInfo") or body.get("DDBStreamBatchInfo")
        if not isinstance(info, dict):
            raise ValueError("not a stream on-failure record: no KinesisBatchInfo or DDBStreamBatchInfo")
        try:
            return cls(
                shard_id=info["shardId"],
                start=info["startSequenceNumber"],
                end=info["endSequenceNumber"],
                batch_size=int(info["batchSize"]),
                stream_arn=info["streamArn"],
                first_arrival=info["approximateArrivalOfFirstRecord"],
                last_arrival=info["approximateArrivalOfLastRecord"],
            )
        except KeyError as missing:
            raise ValueError(f"the on-failure record's batch info has no {missing.args[0]}") from None

    def coordinates(self) -> dict[str, Any]:
        return {
            "shardId": self.shard_id,
            "startSequenceNumber": self.start,
            "endSequenceNumber": self.end,
            "batchSize": self.batch_size,
            "streamArn": self.stream_arn,
            "approximateArrivalOfFirstRecord": self.first_arrival,
            "approximateArrivalOfLastRecord": self.last_arrival,
        }


@dataclass
class Fetched:
    """The batch rebuilt (delivered shape, the mapping's filters applied) and where it came from; ``missing`` says
    why it is not the whole batch (None: it is)."""

    records: list[dict[str, Any]]
    source: str
    missing: str | None = None


def from_stream(settings: Settings, clients: Callable[[str], Any], info: BatchInfo) -> Fetched:
    """The range's records read from the stream: AT_SEQUENCE_NUMBER, then GetRecords until past its end."""
    kinesis = settings.source_kind == "kinesis"
    client = clients("kinesis" if kinesis else "dynamodbstreams")
    # The two services name the same parameters differently.
    position = (
        {"StreamARN": info.stream_arn, "StartingSequenceNumber": info.start}
        if kinesis
        else {"StreamArn": info.stream_arn, "SequenceNumber": info.start}
    )
    try:
        iterator = client.get_shard_iterator(ShardId=info.shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER", **position)[
            "ShardIterator"
        ]
        raw = list(_range(client, settings, iterator, int(info.end)))
    except ClientError as error:
        detail = error.response.get("Error", {})
        return Fetched([], "stream", f"the stream answered {detail.get('Code')}: {detail.get('Message')}")
    delivered = [_delivered(settings, info, record) for record in raw]
    batch = [record for record in delivered if filters.matches(settings.filter_patterns, _view(settings, record))]
    missing = None
    if not raw or _sequence(settings, raw[0]) != info.start:
        missing = f"the stream no longer holds the range's first record {info.start}"
    elif len(batch) < info.batch_size:
        missing = f"the stream holds {len(batch)} of the batch's {info.batch_size} records"
    return Fetched(batch, "stream", missing)


def _range(client: Any, settings: Settings, iterator: str | None, end: int) -> Iterator[dict[str, Any]]:
    empty = 0
    while iterator and empty < EMPTY_READS:
        read = {"StreamARN": settings.stream_arn} if settings.source_kind == "kinesis" else {}
        page = client.get_records(ShardIterator=iterator, Limit=READ_LIMIT, **read)
        for record in page["Records"]:
            if int(_sequence(settings, record)) > end:
                return
            yield record
        if page["Records"]:
            empty = 0
        elif settings.source_kind == "kinesis" and page.get("MillisBehindLatest", 0) == 0:
            return  # at the shard's tip: the end is not there
        else:
            empty += 1
        iterator = page.get("NextShardIterator")


def _sequence(settings: Settings, raw: dict[str, Any]) -> str:
    return str(raw["SequenceNumber"] if settings.source_kind == "kinesis" else raw["dynamodb"]["SequenceNumber"])


def _delivered(settings: Settings, info: BatchInfo, raw: dict[str, Any]) -> dict[str, Any]:
    if settings.source_kind == "kinesis":
        return records.kinesis(
            raw, shard=info.shard_id, stream_arn=info.stream_arn, region=settings.region, role_arn=settings.target_role
        )
    return records.dynamodb(raw, stream_arn=info.stream_arn, region=settings.region)


def _view(settings: Settings, record: dict[str, Any]) -> dict[str, Any]:
    return filters.kinesis_view(record) if settings.source_kind == "kinesis" else record


def from_table(settings: Settings, clients: Callable[[str], Any], info: BatchInfo) -> Fetched:
    """The event store's items appended within the batch's arrival window (± the margin), oldest first, as the
    INSERT records the stream carried. A Scan of the store (one per message), read only once the stream has
    forgotten the batch; items of other shards appended in the window come too (the projection is idempotent)."""
    assert settings.table is not None
    table = settings.table
    low = _epoch(info.first_arrival) - table.margin_seconds
    high = _epoch(info.last_arrival) + table.margin_seconds
    found: list[tuple[float, dict[str, Any]]] = []
    try:
        for page in clients("dynamodb").get_paginator("scan").paginate(TableName=table.name, ConsistentRead=True):
            for item in page["Items"]:
                appended = _appended_at(item.get(table.appended_at_attribute))
                if appended is not None and low <= appended <= high:
                    found.append((appended, item))
    except ClientError as error:
        detail = error.response.get("Error", {})
        return Fetched([], "table", f"the table answered {detail.get('Code')}: {detail.get('Message')}")
    found.sort(key=lambda pair: (pair[0], *(_key_text(pair[1], name) for name in table.keys)))
    start = int(info.start)
    rebuilt = [
        records.dynamodb_insert(
            item,
            keys=table.keys,
            appended_at=appended,
            sequence_number=str(start + index),
            view_type=table.view_type,
            stream_arn=info.stream_arn,
            region=settings.region,
        )
        for index, (appended, item) in enumerate(found)
    ]
    batch = [record for record in rebuilt if filters.matches(settings.filter_patterns, record)]
    missing = None
    if len(batch) < info.batch_size:
        missing = (
            f"the table holds {len(batch)} events appended between {_iso(low)} and {_iso(high)} "
            f"({table.appended_at_attribute}), the batch had {info.batch_size}"
        )
    return Fetched(batch, "table", missing)


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")


def _appended_at(value: dict[str, Any] | None) -> float | None:
    """An AttributeValue holding a time: ``N`` epoch seconds or ``S`` ISO 8601; None for anything else."""
    if not value:
        return None
    if "N" in value:
        return float(value["N"])
    if "S" in value:
        try:
            return _epoch(value["S"])
        except ValueError:
            return None
    return None


def _key_text(item: dict[str, Any], name: str) -> Any:
    value = next(iter(item[name].values()))
    return float(value) if "N" in item[name] else str(value)
