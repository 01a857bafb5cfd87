"""cleanup job (nightly): deletes operations-table items whose ``expiresAt`` (epoch seconds) has passed.

Processed markers (``PROCESSED#...``) carry ``expiresAt``: once no redelivery can arrive they only cost storage. The
table's contract has no TTL setting, so the job enforces the retention itself (a TTL on ``expiresAt``, if the
infrastructure adds one, simply leaves it less to do). Reads OPERATIONS_TABLE.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.aws import client
from shared.config import require
from shared.observability import count, entrypoint, logger

OPERATIONS_TABLE = require("OPERATIONS_TABLE")
BATCH_WRITE_LIMIT = 25  # keys per BatchWriteItem call
MAX_UNPROCESSED_RETRIES = 5


def expired_keys(now: int) -> list[dict[str, Any]]:
    paginator = client("dynamodb").get_paginator("scan")
    pages = paginator.paginate(
        TableName=OPERATIONS_TABLE,
        FilterExpression="expiresAt < :now",
        ProjectionExpression="pk, sk",
        ExpressionAttributeValues={":now": {"N": str(now)}},
    )
    return [item for page in pages for item in page["Items"]]


def delete(keys: list[dict[str, Any]]) -> None:
    for start in range(0, len(keys), BATCH_WRITE_LIMIT):
        requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + BATCH_WRITE_LIMIT]]
        for attempt in range(MAX_UNPROCESSED_RETRIES + 1):
            unprocessed = client("dynamodb").batch_write_item(RequestItems={OPERATIONS_TABLE: requests})
            requests = unprocessed.get("UnprocessedItems", {}).get(OPERATIONS_TABLE, [])
            if not requests:
                break
            time.sleep(0.1 * 2**attempt)  # throttled: back off, then resend only what was left over
        else:
            raise RuntimeError(
                f"{len(requests)} expired items were still unprocessed after {MAX_UNPROCESSED_RETRIES} retries"
            )


def purge_expired(now: int) -> int:
    keys = expired_keys(now)
    delete(keys)
    return len(keys)


@entrypoint(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deleted = purge_expired(int(time.time()))
    count("ExpiredItemsDeleted", deleted)
    logger.info("Cleanup finished", extra={"deleted": deleted})
    return {"deleted": deleted}
