"""What the component tells the re-drive function, through its environment (names in ``ENVIRONMENT``)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Every variable the component sets; TARGET_ROLE_ARN for Kinesis (its records name the consumer's role);
#: TARGET_TIMEOUT_SECONDS when the component knows it (else the function reads it); the table's only for an event
#: store that names its append-time attribute.
ENVIRONMENT = (
    "ON_FAILURE_QUEUE_URL",
    "TARGET_FUNCTION",
    "SOURCE_KIND",
    "STREAM_ARN",
    "BATCH_SIZE",
    "FILTER_PATTERNS",
)
TABLE_ENVIRONMENT = ("TABLE_NAME", "TABLE_KEYS", "APPENDED_AT_ATTRIBUTE", "STREAM_VIEW_TYPE", "TABLE_MARGIN_SECONDS")
SOURCE_KINDS = ("kinesis", "dynamodb")


@dataclass(frozen=True)
class TableSettings:
    name: str
    keys: tuple[str, ...]
    appended_at_attribute: str
    view_type: str
    margin_seconds: float


@dataclass(frozen=True)
class Settings:
    queue_url: str
    target_function: str
    target_role: str
    target_timeout_seconds: int | None
    source_kind: str
    stream_arn: str
    batch_size: int
    filter_patterns: list[dict[str, Any]]
    region: str
    table: TableSettings | None

    @classmethod
    def of(cls, environment: Mapping[str, str] = os.environ) -> Settings:
        missing = [name for name in ENVIRONMENT if not environment.get(name)]
        if missing:
            raise ValueError(f"the re-drive function's environment lacks {', '.join(missing)} (set by the component)")
        kind = environment["SOURCE_KIND"]
        if kind not in SOURCE_KINDS:
            raise ValueError(f"SOURCE_KIND must be one of {', '.join(SOURCE_KINDS)}, got {kind!r}")
        if kind == "kinesis" and not environment.get("TARGET_ROLE_ARN"):
            raise ValueError("a Kinesis re-drive's environment lacks TARGET_ROLE_ARN (set by the component)")
        table = None
        if environment.get("TABLE_NAME"):
            absent = [name for name in TABLE_ENVIRONMENT if not environment.get(name)]
            if absent:
                raise ValueError(f"TABLE_NAME is set but {', '.join(absent)} are not (set by the component)")
            table = TableSettings(
                name=environment["TABLE_NAME"],
                keys=tuple(environment["TABLE_KEYS"].split(",")),
                appended_at_attribute=environment["APPENDED_AT_ATTRIBUTE"],
                view_type=environment["STREAM_VIEW_TYPE"],
                margin_seconds=float(environment["TABLE_MARGIN_SECONDS"]),
            )
        return cls(
            queue_url=environment["ON_FAILURE_QUEUE_URL"],
            target_function=environment["TARGET_FUNCTION"],
            target_role=environment.get("TARGET_ROLE_ARN", ""),
            target_timeout_seconds=int(environment["TARGET_TIMEOUT_SECONDS"])
            if environment.get("TARGET_TIMEOUT_SECONDS")
            else None,
            source_kind=kind,
            stream_arn=environment["STREAM_ARN"],
            batch_size=int(environment["BATCH_SIZE"]),
            filter_patterns=json.loads(environment["FILTER_PATTERNS"]),
            region=environment.get("AWS_REGION") or environment.get("AWS_DEFAULT_REGION") or "",
            table=table,
        )
