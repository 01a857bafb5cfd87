"""The re-drive's payload: ``{"maxMessages": N}``, anything else an error naming it."""

from __future__ import annotations

import pytest

from pulumi_wasp.handlers.stream_redrive.handler import DEFAULT_MESSAGES, MAX_MESSAGES, message_limit
from pulumi_wasp.handlers.stream_redrive.settings import Settings


def test_an_empty_payload_redrives_the_default_number_of_messages():
    assert message_limit({}) == DEFAULT_MESSAGES == 10


def test_max_messages_sets_how_many_a_run_redrives():
    assert message_limit({"maxMessages": MAX_MESSAGES}) == 1000


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"maxMessages": 0}, r"maxMessages must be an integer 1\.\.1000, got 0"),
        ({"maxMessages": "5"}, r"maxMessages must be an integer 1\.\.1000, got '5'"),
        ({"maxMessages": True}, r"maxMessages must be an integer"),
        ({"max": 5}, r"unknown payload fields \['max'\]"),
        ([], r"the payload must be an object"),
    ],
)
def test_a_bad_payload_is_an_error_naming_the_field(payload, message):
    with pytest.raises(ValueError, match=message):
        message_limit(payload)


def test_a_missing_setting_is_an_error_naming_it():
    with pytest.raises(ValueError, match="lacks ON_FAILURE_QUEUE_URL, TARGET_FUNCTION"):
        Settings.of({"SOURCE_KIND": "kinesis"})
