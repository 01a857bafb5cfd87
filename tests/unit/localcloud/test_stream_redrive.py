"""Which re-drive function a name picks (a consumer, its queue, the function), and the lines the verb prints."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from pulumi_wasp.localcloud.stream_redrive import report_lines, targets
from pulumi_wasp.localcloud.verbs import VerbError

QUEUE = "http://127.0.0.1:1/123456789012/clickstream-on-failure-dlq-1a2b"


class Lambda:
    """list_functions of a stack with one re-drive function and one ordinary function."""

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_functions"
        functions = [
            {
                "FunctionName": "dev-clickstream-redrive",
                "Timeout": 300,
                "Environment": {"Variables": {"ON_FAILURE_QUEUE_URL": QUEUE, "TARGET_FUNCTION": "arn:clickstream"}},
            },
            {"FunctionName": "dev-clickstream", "Timeout": 10, "Environment": {"Variables": {"GREETING": "hi"}}},
        ]
        return type("Pages", (), {"paginate": lambda self: [{"Functions": functions}]})()


class FakeCloud:
    endpoints: ClassVar[dict[str, dict[str, str]]] = {
        "functions": {
            "clickstream-redrive-function": "dev-clickstream-redrive",
            "clickstream-function": "dev-clickstream",
        },
        "queues": {},
        "dlqs": {"clickstream-on-failure-dlq": QUEUE},
    }

    def client(self, service: str) -> Any:
        return Lambda()


@pytest.mark.parametrize(
    "name",
    ["clickstream", "clickstream-redrive", "clickstream-redrive-function", "clickstream-on-failure-dlq", QUEUE],
)
def test_a_consumer_its_queue_or_its_function_name_the_redrive_function(name: str) -> None:
    assert targets(FakeCloud())[name] == ("dev-clickstream-redrive", 300)  # type: ignore[arg-type]


def test_functions_without_the_redrive_settings_are_not_targets() -> None:
    assert "clickstream-function" not in targets(FakeCloud())  # type: ignore[arg-type]


def test_an_unknown_name_is_an_error_listing_the_targets() -> None:
    from pulumi_wasp.localcloud.stream_redrive import redrive

    with pytest.raises(VerbError, match="no stream consumer or on-failure queue matches 'clicks'; known: clickstream"):
        redrive(FakeCloud(), "clicks", None)  # type: ignore[arg-type]


def test_the_report_says_per_message_what_was_redriven_what_could_not_be_fetched_and_what_failed() -> None:
    coordinates = {"shardId": "shard-1", "startSequenceNumber": "10", "endSequenceNumber": "12"}
    report = {
        "function": "dev-clickstream-redrive",
        "received": 3,
        "redriven": [{**coordinates, "records": 3, "from": "stream"}],
        "unfetchable": [{**coordinates, "reason": "the stream no longer holds the range's first record 10"}],
        "failed": [{**coordinates, "batchItemFailures": ["11"]}],
        "kept": 2,
    }
    assert report_lines(report) == [
        "dev-clickstream-redrive: 3 on-failure messages received",
        "  re-driven    shard-1 10..12: 3 records from the stream",
        "  unfetchable  shard-1 10..12: the stream no longer holds the range's first record 10 (kept in the queue)",
        "  failed again shard-1 10..12: the consumer reported ['11'] as failed (kept in the queue)",
        "1 message re-driven, 2 kept in the queue",
    ]
