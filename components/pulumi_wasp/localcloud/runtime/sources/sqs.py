"""SQS → Lambda, as an event source mapping polls: batches up to the batch size within the
batching window, partial batch responses (ReportBatchItemFailures), failed messages back on the
queue after the visibility timeout, and the queue's own redrive policy moving a message to its
DLQ after maxReceiveCount receives."""

from __future__ import annotations

import base64
import json
import math
import threading
import time
from typing import TYPE_CHECKING, Any

from pulumi_wasp.localcloud.deploy.registry import MappingSpec
from pulumi_wasp.localcloud.runtime.ledger import ACCEPTED, PROCESSED, RETRIED
from pulumi_wasp.localcloud.runtime.sources.batches import batch_item_failures, matches
from pulumi_wasp.localcloud.runtime.threads import join_until

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.runtime.ports import RuntimePort

#: Lambda's SQS pollers receive at most 10 messages per call.
RECEIVE_MAX = 10
#: Seconds one receive call waits for messages: short, so stop() never waits on a long poll.
POLL_SECONDS = 1


class SqsPoller:
    """One mapping's pollers: a receive loop and up to ``concurrency`` batches in flight."""

    def __init__(self, runtime: RuntimePort, mapping: MappingSpec) -> None:
        self._runtime = runtime
        self.mapping = mapping
        self._queue = runtime.registry.queue_by_arn(mapping.source_arn)
        self._function = runtime.function(mapping.function_arn)
        self._sqs = runtime.emulator.client("sqs")
        self._stop = threading.Event()
        concurrency = min(self._function.concurrency or 1, mapping.max_concurrency or self._function.concurrency or 1)
        self._in_flight = threading.BoundedSemaphore(max(1, concurrency))
        self._thread = threading.Thread(target=self._poll, name=f"sqs-poller-{self._queue.name}", daemon=True)
        attributes = self._sqs.get_queue_attributes(QueueUrl=self._queue.url, AttributeNames=["VisibilityTimeout"])[
            "Attributes"
        ]
        self._visibility_timeout = int(attributes["VisibilityTimeout"])
        self._workers: list[threading.Thread] = []

    @property
    def source(self) -> str:
        return f"sqs {self._queue.name}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Receive no more; returns at once (batches in flight end when the function is closed)."""
        self._stop.set()

    def join(self, deadline: float) -> list[str]:
        running = join_until([self._thread], deadline)
        return running + join_until(list(self._workers), deadline)

    def _poll(self) -> None:
        while not self._stop.is_set():
            if not self._in_flight.acquire(timeout=POLL_SECONDS):
                continue
            try:
                batch = self._collect()
            except Exception:  # denied, or the emulator is going away (shutdown): retry until stopped
                self._in_flight.release()
                if not self._stop.wait(POLL_SECONDS):
                    continue
                return
            if not batch or self._stop.is_set():
                # Received while stopping: left in flight, back on the queue after its visibility timeout.
                self._in_flight.release()
                continue
            worker = threading.Thread(
                target=self._deliver, args=(batch,), name=f"sqs-batch-{self._queue.name}", daemon=True
            )
            self._workers = [w for w in self._workers if w.is_alive()] + [worker]
            worker.start()

    def _collect(self) -> list[dict[str, Any]]:
        """Receive until the batch is full or the batching window (from the first message) closes."""
        batch: list[dict[str, Any]] = []
        window = self._runtime.clock.real(self.mapping.batching_window_seconds)
        closes_at = None
        # The mapping decrypts with the function's role: denied, the messages wait (logged in iam.log). Once per
        # batch: the receives of one batching window are one read.
        self._runtime.emulator.authorize_mapping_read(self.mapping.function_arn, self.mapping.source_arn)
        while not self._stop.is_set() and len(batch) < self.mapping.batch_size:
            wait = POLL_SECONDS if closes_at is None else closes_at - time.monotonic()
            if wait <= 0:
                break
            response = self._sqs.receive_message(
                QueueUrl=self._queue.url,
                MaxNumberOfMessages=min(RECEIVE_MAX, self.mapping.batch_size - len(batch)),
                WaitTimeSeconds=min(POLL_SECONDS, max(0, math.floor(wait))),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            messages = response.get("Messages", [])
            if messages and closes_at is None:
                closes_at = time.monotonic() + window
            batch.extend(messages)
            if closes_at is None and not messages:
                break  # nothing arrived within a poll: let _poll check for stop
            if window == 0 and batch:
                break
        return batch

    def _deliver(self, received: list[dict[str, Any]]) -> None:
        try:
            self._runtime.ledger.messages(self.mapping.source_arn, ACCEPTED, [m["MessageId"] for m in received])
            # Messages no filter matches are deleted without an invocation, as Lambda does.
            messages = [m for m in received if matches(self.mapping.filter_patterns, _filter_view(m))]
            filtered = [m for m in received if m not in messages]
            self._delete(filtered)
            self._runtime.ledger.messages(self.mapping.source_arn, PROCESSED, [m["MessageId"] for m in filtered])
            if not messages:
                return
            ids = [m["MessageId"] for m in messages]
            invocation = self._function.invoke(
                {"Records": [self._record(m) for m in messages]},
                wait_for_slot=self._visibility_timeout,
                version=self._runtime.version_of(self.mapping.function_arn),  # an alias's weights apply per batch
                invoked_arn=self.mapping.function_arn,
            )
            if invocation.aborted:
                return  # stopping: the batch stays in flight, as if the poller had died
            if invocation.failed:
                failed = ids
            elif self.mapping.report_batch_item_failures:
                reported = batch_item_failures(invocation, ids)
                failed = ids if reported is None else reported
            else:
                failed = []
            done = [m for m in messages if m["MessageId"] not in failed]
            self._delete(done)
            self._runtime.ledger.messages(self.mapping.source_arn, PROCESSED, [m["MessageId"] for m in done])
            if failed:
                self._runtime.ledger.note(self.source, RETRIED, len(failed))
                self._retry_later([m for m in messages if m["MessageId"] in failed])
        finally:
            self._in_flight.release()

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), RECEIVE_MAX):
            chunk = messages[start : start + RECEIVE_MAX]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)]
            self._sqs.delete_message_batch(QueueUrl=self._queue.url, Entries=entries)

    def _retry_later(self, messages: list[dict[str, Any]]) -> None:
        """Failed messages reappear once their visibility timeout ends; at a faster local clock
        that is sooner, so the remaining timeout is shortened to match."""
        if self._runtime.clock.speed == 1:
            return
        seconds = max(1, round(self._runtime.clock.real(self._visibility_timeout)))
        for start in range(0, len(messages), RECEIVE_MAX):
            chunk = messages[start : start + RECEIVE_MAX]
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": seconds}
                for i, m in enumerate(chunk)
            ]
            self._sqs.change_message_visibility_batch(QueueUrl=self._queue.url, Entries=entries)

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        """A message as Lambda hands it to the function."""
        attributes = {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        }
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": json.loads(json.dumps(attributes, default=lambda raw: base64.b64encode(raw).decode())),
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self.mapping.source_arn,
            "awsRegion": self._runtime.emulator.region,
        }


def _filter_view(message: dict[str, Any]) -> dict[str, Any]:
    """What a filter pattern sees: the body as JSON when it is JSON."""
    try:
        body = json.loads(message["Body"])
    except ValueError:
        body = message["Body"]
    return {"body": body, "attributes": message.get("Attributes", {})}
