"""The stream re-drive: replays what a stream consumer's on-failure queue points at.

An operator invokes it (``{"maxMessages": N}``, default DEFAULT_MESSAGES). For each on-failure record it receives,
it fetches the records the record names — from the stream while it retains them, else, for an event store that
names its append-time attribute, from the table — and invokes the consumer synchronously with them, shaped and
filtered as the mapping delivered them. A message is deleted only once its whole batch was fetched and the
consumer reported no failure; any other is kept in the queue (visible again when the run ends) and reported, the
records that could not be fetched logged with their coordinates. The consumer must be idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config
from botocore.exceptions import ClientError

from .fetch import BatchInfo, Fetched, from_stream, from_table
from .settings import Settings

DEFAULT_MESSAGES = 10
MAX_MESSAGES = 1000
#: SQS's largest receive.
RECEIVE_BATCH = 10
#: Left to the run after a consumer invocation could take its whole timeout: keeping what is left and answering.
SPARE_SECONDS = 10
#: Lambda's longest timeout: how long an invocation of a consumer whose timeout is not known yet may last.
LONGEST_TIMEOUT_SECONDS = 900

logger = Logger()


@cache
def client(service_name: str) -> Any:
    if service_name == "lambda":
        # A synchronous invocation lasts up to the consumer's timeout, and is never retried by the client: a retry
        # would deliver the batch twice in one run.
        timeout = (Settings.of().target_timeout_seconds or LONGEST_TIMEOUT_SECONDS) + SPARE_SECONDS
        return boto3.client("lambda", config=Config(read_timeout=timeout, retries={"total_max_attempts": 1}))
    return boto3.client(service_name)


def message_limit(event: Any) -> int:
    if not isinstance(event, dict):
        raise ValueError(f'the payload must be an object such as {{"maxMessages": 10}}, got {event!r}')
    unknown = sorted(set(event) - {"maxMessages"})
    if unknown:
        raise ValueError(f"unknown payload fields {unknown}: the payload takes maxMessages only")
    limit = event.get("maxMessages", DEFAULT_MESSAGES)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_MESSAGES:
        raise ValueError(f"maxMessages must be an integer 1..{MAX_MESSAGES}, got {limit!r}")
    return limit


class Run:
    """One re-drive run over at most ``limit`` messages; ``remaining_seconds`` is the invocation's time left."""

    def __init__(
        self, settings: Settings, clients: Callable[[str], Any], remaining_seconds: Callable[[], float]
    ) -> None:
        self.settings, self.clients, self.remaining_seconds = settings, clients, remaining_seconds
        self.sqs = clients("sqs")
        self.report: dict[str, Any] = {"received": 0, "redriven": [], "unfetchable": [], "failed": [], "kept": 0}
        self.kept: list[str] = []  # receipt handles, made visible again at the end
        self.target_timeout = settings.target_timeout_seconds

    def __call__(self, limit: int) -> dict[str, Any]:
        if self.target_timeout is None:  # an existing consumer given by its ARN alone
            configuration = self.clients("lambda").get_function_configuration(
                FunctionName=self.settings.target_function
            )
            self.target_timeout = int(configuration["Timeout"])
        if not self._time_for_one():
            raise ValueError(
                f"the re-drive has {self.remaining_seconds():.0f} s, not more than the consumer's timeout "
                f"({self.target_timeout} s) + {SPARE_SECONDS} s: raise RedriveArgs.timeout_seconds"
            )
        try:
            while self.report["received"] < limit and self._time_for_one():
                messages = self.sqs.receive_message(
                    QueueUrl=self.settings.queue_url,
                    MaxNumberOfMessages=min(RECEIVE_BATCH, limit - self.report["received"]),
                    VisibilityTimeout=max(1, int(self.remaining_seconds())),
                    WaitTimeSeconds=0,
                ).get("Messages", [])
                if not messages:
                    break
                self.report["received"] += len(messages)
                for index, message in enumerate(messages):
                    if not self._time_for_one():
                        self.report["stopped"] = "the run's time is nearly up: run it again for the rest"
                        self.kept += [m["ReceiptHandle"] for m in messages[index:]]
                        return self.report
                    self._one(message)
            return self.report
        finally:
            self._release()

    def _time_for_one(self) -> bool:
        assert self.target_timeout is not None
        return self.remaining_seconds() > self.target_timeout + SPARE_SECONDS

    def _one(self, message: dict[str, Any]) -> None:
        entry: dict[str, Any] = {"messageId": message["MessageId"]}
        try:
            info = BatchInfo.of(json.loads(message["Body"]))
        except ValueError as error:  # JSONDecodeError included
            self._keep(message, "unfetchable", {**entry, "reason": str(error), "fetched": 0})
            return
        entry |= info.coordinates()
        if info.stream_arn == self.settings.stream_arn:
            fetched = self._fetch(info)
        elif self.settings.table is not None and _table_of(info.stream_arn) == _table_of(self.settings.stream_arn):
            fetched = from_table(self.settings, self.clients, info)  # a stream of the store's since re-enabled
        else:
            reason = f"the record names {info.stream_arn}; this re-drive reads {self.settings.stream_arn}"
            self._keep(message, "unfetchable", {**entry, "reason": reason, "fetched": 0})
            return
        if fetched.records:
            failure = self._invoke(fetched.records)
            if failure:
                self._keep(message, "failed", {**entry, "from": fetched.source, **failure})
                return
        if fetched.missing:
            unfetchable = {**entry, "from": fetched.source, "reason": fetched.missing, "fetched": len(fetched.records)}
            self._keep(message, "unfetchable", unfetchable)
            return
        self.sqs.delete_message(QueueUrl=self.settings.queue_url, ReceiptHandle=message["ReceiptHandle"])
        self.report["redriven"].append({**entry, "records": len(fetched.records), "from": fetched.source})

    def _fetch(self, info: BatchInfo) -> Fetched:
        fetched = from_stream(self.settings, self.clients, info)
        if fetched.missing and self.settings.table is not None:
            from_store = from_table(self.settings, self.clients, info)
            if not from_store.missing or len(from_store.records) > len(fetched.records):
                return from_store
        return fetched

    def _invoke(self, batch: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Deliver ``batch`` in chunks of the mapping's batch size; what failed, or None."""
        size = self.settings.batch_size
        for start in range(0, len(batch), size):
            chunk = batch[start : start + size]
            try:
                response = self.clients("lambda").invoke(
                    FunctionName=self.settings.target_function,
                    InvocationType="RequestResponse",
                    Payload=json.dumps({"Records": chunk}).encode(),
                )
            except ClientError as error:
                detail = error.response.get("Error", {})
                return {"error": f"Invoke answered {detail.get('Code')}: {detail.get('Message')}"}
            payload = response["Payload"].read().decode() or "null"
            if response.get("FunctionError"):
                return {"error": f"the consumer failed ({response['FunctionError']}): {payload[:500]}"}
            failures = _item_failures(json.loads(payload))
            if failures:
                return {"batchItemFailures": failures}
        return None

    def _keep(self, message: dict[str, Any], kind: str, entry: dict[str, Any]) -> None:
        self.report[kind].append(entry)
        self.report["kept"] += 1
        self.kept.append(message["ReceiptHandle"])
        what = "could not be fetched" if kind == "unfetchable" else "failed again"
        logger.error(f"stream records {what}; the on-failure message stays in the queue", extra={"redrive": entry})

    def _release(self) -> None:
        for handle in self.kept:
            try:
                self.sqs.change_message_visibility(
                    QueueUrl=self.settings.queue_url, ReceiptHandle=handle, VisibilityTimeout=0
                )
            except ClientError:  # still kept: visible again once the receive's visibility timeout ends
                logger.exception("could not make a kept message visible again")


def _table_of(stream_arn: str) -> str:
    """The table of a DynamoDB stream's ARN (``<table ARN>/stream/<label>``)."""
    return stream_arn.split("/stream/", 1)[0]


def _item_failures(response: Any) -> list[str]:
    """The item identifiers a consumer's partial batch response names (none for a complete success)."""
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return []
    return [str(item.get("itemIdentifier")) for item in response["batchItemFailures"] if isinstance(item, dict)]


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    limit = message_limit(event)
    run = Run(Settings.of(), client, lambda: context.get_remaining_time_in_millis() / 1000)
    report = run(limit)
    logger.info("re-drive done", extra={"report": {k: len(v) if isinstance(v, list) else v for k, v in report.items()}})
    return report
