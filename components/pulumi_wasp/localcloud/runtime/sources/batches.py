"""What every polled event source shares: partial batch responses and event filtering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pulumi_wasp.adapters.moto import matches_event_pattern
from pulumi_wasp.localcloud.runtime.functions import Invocation


def batch_item_failures(invocation: Invocation, item_ids: Sequence[str]) -> list[str] | None:
    """The item ids (message ids, sequence numbers) a successful invocation reported as failed.

    [] for a complete success (no or an empty ``batchItemFailures``); None when the response
    names an item that is not in the batch or has no identifier: Lambda then treats the whole
    batch as failed.
    """
    try:
        response = invocation.result
    except ValueError:
        return None
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return []
    failures = response["batchItemFailures"]
    if not isinstance(failures, list):
        return None
    ids = [item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures]
    if any(not isinstance(i, str) or i not in item_ids for i in ids):
        return None
    return [str(i) for i in ids]


def matches(patterns: Sequence[dict[str, Any]], view: dict[str, Any]) -> bool:
    """Lambda's event filtering: a record is delivered when any filter pattern matches it (the
    pattern syntax is EventBridge's, evaluated by the emulator's own matcher)."""
    return not patterns or any(matches_event_pattern(pattern, view) for pattern in patterns)
