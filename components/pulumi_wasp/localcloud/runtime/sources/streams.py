"""Kinesis and DynamoDB Streams → Lambda, as a stream event source mapping polls each shard in
order: batch size and window, filter criteria, partial batch responses (retry from the first
failed record), bisect on function error, finite retries, maximum record age, and the batch's
coordinates sent to the on-failure destination when a batch is given up.

Each shard is read by one thread, one batch at a time: records of a shard stay in order; the
parallelization factor (concurrent batches per shard) is not modelled.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pulumi_wasp.handlers.stream_redrive import filters, records
from pulumi_wasp.localcloud.deploy.registry import LATEST, MappingSpec
from pulumi_wasp.localcloud.runtime.asynchronous import iso_now
from pulumi_wasp.localcloud.runtime.ledger import ACCEPTED, DEAD_LETTERED, DROPPED, PROCESSED, RETRIED
from pulumi_wasp.localcloud.runtime.sources.batches import batch_item_failures, matches
from pulumi_wasp.localcloud.runtime.threads import join_until

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.runtime.ports import RuntimePort

#: How often an idle shard is read: Lambda's rates, once a second per Kinesis shard and four
#: times a second per DynamoDB stream shard.
POLL_SECONDS = {"kinesis": 1.0, "dynamodb": 0.25}
#: Pause between retries of a failed batch (local time).
RETRY_PAUSE_SECONDS = 1.0


@dataclass
class _Record:
    raw: dict[str, Any]
    shard: str
    sequence: str
    arrival: float  # epoch seconds


class _Stream(Protocol):
    batch_info_key: str

    def shards(self) -> list[str]: ...

    def iterator(self, shard: str, position: str) -> str: ...

    def read(self, shard: str, iterator: str, limit: int) -> tuple[list[_Record], str | None]: ...

    def lambda_record(self, record: _Record) -> dict[str, Any]: ...

    def filter_view(self, record: dict[str, Any]) -> dict[str, Any]: ...


class KinesisStream:
    batch_info_key = "KinesisBatchInfo"

    def __init__(self, runtime: RuntimePort, mapping: MappingSpec) -> None:
        self._client = runtime.emulator.client("kinesis")
        self._arn, self._region = mapping.source_arn, runtime.emulator.region
        self._role = runtime.function(mapping.function_arn).spec.arn

    def shards(self) -> list[str]:
        return [s["ShardId"] for s in self._client.list_shards(StreamARN=self._arn)["Shards"]]

    def iterator(self, shard: str, position: str) -> str:
        return self._client.get_shard_iterator(StreamARN=self._arn, ShardId=shard, ShardIteratorType=position)[
            "ShardIterator"
        ]

    def read(self, shard: str, iterator: str, limit: int) -> tuple[list[_Record], str | None]:
        response = self._client.get_records(ShardIterator=iterator, Limit=limit, StreamARN=self._arn)
        records = [
            _Record(r, shard, r["SequenceNumber"], r["ApproximateArrivalTimestamp"].timestamp())
            for r in response["Records"]
        ]
        return records, response.get("NextShardIterator")

    def lambda_record(self, record: _Record) -> dict[str, Any]:
        return records.kinesis(
            record.raw, shard=record.shard, stream_arn=self._arn, region=self._region, role_arn=self._role
        )

    def filter_view(self, record: dict[str, Any]) -> dict[str, Any]:
        return filters.kinesis_view(record)


class DynamoDBStream:
    batch_info_key = "DDBStreamBatchInfo"

    def __init__(self, runtime: RuntimePort, mapping: MappingSpec) -> None:
        self._client = runtime.emulator.client("dynamodbstreams")
        self._arn, self._region = mapping.source_arn, runtime.emulator.region

    def shards(self) -> list[str]:
        return [s["ShardId"] for s in self._client.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]]

    def iterator(self, shard: str, position: str) -> str:
        return self._client.get_shard_iterator(StreamArn=self._arn, ShardId=shard, ShardIteratorType=position)[
            "ShardIterator"
        ]

    def read(self, shard: str, iterator: str, limit: int) -> tuple[list[_Record], str | None]:
        response = self._client.get_records(ShardIterator=iterator, Limit=limit)
        records = [
            _Record(r, shard, r["dynamodb"]["SequenceNumber"], r["dynamodb"]["ApproximateCreationDateTime"].timestamp())
            for r in response["Records"]
        ]
        return records, response.get("NextShardIterator")

    def lambda_record(self, record: _Record) -> dict[str, Any]:
        return records.dynamodb(record.raw, stream_arn=self._arn, region=self._region)

    def filter_view(self, record: dict[str, Any]) -> dict[str, Any]:
        return record


class StreamPoller:
    def __init__(self, runtime: RuntimePort, mapping: MappingSpec) -> None:
        self._runtime = runtime
        self.mapping = mapping
        self._stream: _Stream = (
            KinesisStream(runtime, mapping) if mapping.source_kind == "kinesis" else DynamoDBStream(runtime, mapping)
        )
        self._function = runtime.function(mapping.function_arn)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.source = f"{mapping.source_kind} {mapping.source_arn.split('/')[1]}"
        self._poll_seconds = POLL_SECONDS[mapping.source_kind]

    def start(self) -> None:
        for shard in self._stream.shards():
            # The iterator is taken now, so LATEST means "from when the mapping was enabled".
            iterator = self._stream.iterator(shard, self.mapping.starting_position or "LATEST")
            thread = threading.Thread(
                target=self._read_shard, args=(shard, iterator), name=f"stream-{shard}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        """Read no more; returns at once (a batch in flight ends when the function is closed)."""
        self._stop.set()

    def join(self, deadline: float) -> list[str]:
        return join_until(self._threads, deadline)

    def _read_shard(self, shard: str, iterator: str | None) -> None:
        pending: list[tuple[_Record, dict[str, Any]]] = []
        window_opened: float | None = None
        window = self._runtime.clock.real(self.mapping.batching_window_seconds)
        while iterator and not self._stop.is_set():
            try:
                # The mapping decrypts with the function's role: denied, the records wait (logged in iam.log).
                self._runtime.emulator.authorize_mapping_read(self.mapping.function_arn, self.mapping.source_arn)
                records, iterator = self._stream.read(shard, iterator, self.mapping.batch_size)
            except Exception:  # denied, or the emulator is going away (shutdown): retry until stopped
                if self._stop.wait(self._poll_seconds):
                    return
                continue
            for record in records:
                delivered = self._stream.lambda_record(record)
                self._runtime.ledger.note(self.source, ACCEPTED)
                if matches(self.mapping.filter_patterns, self._stream.filter_view(delivered)):
                    pending.append((record, delivered))
                else:
                    self._runtime.ledger.note(self.source, PROCESSED)  # filtered out: never invoked, never retried
            if pending and window_opened is None:
                window_opened = time.monotonic()
            if pending and (
                len(pending) >= self.mapping.batch_size or time.monotonic() - (window_opened or 0) >= window
            ):
                batch, pending = pending[: self.mapping.batch_size], pending[self.mapping.batch_size :]
                window_opened = time.monotonic() if pending else None
                self._process(batch)
            elif not records:
                self._stop.wait(self._poll_seconds)

    def _process(self, batch: list[tuple[_Record, dict[str, Any]]]) -> None:
        """Deliver one batch until it succeeds or is given up; parts split by bisecting go first."""
        work: deque[tuple[list[tuple[_Record, dict[str, Any]]], int]] = deque([(batch, 0)])
        executed = LATEST  # the version the last attempt ran, for the on-failure record
        while work and not self._stop.is_set():
            records, retries = work.popleft()
            records = self._drop_expired(records, executed)
            if not records:
                continue
            sequences = [r.sequence for r, _ in records]
            invocation = self._function.invoke(
                {"Records": [d for _, d in records]},
                wait_for_slot=self._function.spec.timeout_seconds,
                version=self._runtime.version_of(self.mapping.function_arn),  # an alias's weights apply per batch
                invoked_arn=self.mapping.function_arn,
            )
            if invocation.aborted:
                return  # stopping: no checkpoint, nothing given up
            executed = invocation.executed_version
            failed_at: int | None = 0
            if not invocation.failed:
                reported = batch_item_failures(invocation, sequences) if self.mapping.report_batch_item_failures else []
                if reported == []:
                    self._runtime.ledger.note(self.source, PROCESSED, len(records))
                    continue
                if reported is not None:
                    # Lambda checkpoints before the first failed record and retries from there.
                    failed_at = min(sequences.index(s) for s in reported)
                    self._runtime.ledger.note(self.source, PROCESSED, failed_at)
            elif invocation.status != 429 and self.mapping.bisect_on_error and len(records) > 1:
                middle = len(records) // 2
                work.extendleft([(records[middle:], retries), (records[:middle], retries)])
                continue
            remaining = records[failed_at:]
            if invocation.status != 429 and 0 <= self.mapping.max_retries <= retries:
                self._give_up(
                    remaining,
                    "RetryAttemptsExhausted",
                    invocation.status,
                    invocation.function_error,
                    retries + 1,
                    executed,
                )
                continue
            self._runtime.ledger.note(self.source, RETRIED, len(remaining))
            work.appendleft((remaining, retries + (invocation.status != 429)))
            self._stop.wait(self._runtime.clock.real(RETRY_PAUSE_SECONDS))

    def _drop_expired(
        self, records: list[tuple[_Record, dict[str, Any]]], executed: str
    ) -> list[tuple[_Record, dict[str, Any]]]:
        limit = self.mapping.max_record_age_seconds
        if limit < 0:
            return records
        now = time.time()  # a limit on work in progress: wall seconds at any --speed (runtime/clock.py)
        expired = [r for r in records if now - r[0].arrival > limit]
        if expired:
            self._give_up(expired, "RecordAgeExceeded", None, None, 0, executed)
        return [r for r in records if r not in expired]

    def _give_up(
        self,
        records: list[tuple[_Record, dict[str, Any]]],
        condition: str,
        status: int | None,
        error: str | None,
        attempts: int,
        executed: str,
    ) -> None:
        """Skip the records; their coordinates (not the records) go to the on-failure destination."""
        first, last = records[0][0], records[-1][0]
        info = {
            "shardId": first.shard,
            "startSequenceNumber": first.sequence,
            "endSequenceNumber": last.sequence,
            "approximateArrivalOfFirstRecord": _iso(first.arrival),
            "approximateArrivalOfLastRecord": _iso(last.arrival),
            "batchSize": len(records),
            "streamArn": self.mapping.source_arn,
        }
        record = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.mapping.function_arn,
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "responseContext": {"statusCode": status or 200, "executedVersion": executed, "functionError": error},
            "version": "1.0",
            "timestamp": iso_now(),
            self._stream.batch_info_key: info,
        }
        if self.mapping.on_failure_arn is None:
            self._runtime.ledger.note(self.source, DROPPED, len(records))
            return
        self._runtime.send_to(self.mapping.on_failure_arn, record)
        self._runtime.ledger.note(self.source, DEAD_LETTERED, len(records))


def _iso(epoch: float) -> str:
    """As Lambda writes the arrival times of an on-failure record: UTC, milliseconds, ``Z``."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
