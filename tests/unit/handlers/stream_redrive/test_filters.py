"""The re-drive's Lambda event filtering: what the mapping would have delivered, and what it cannot evaluate."""

from __future__ import annotations

import pytest

from pulumi_wasp.handlers.stream_redrive.filters import matches, unsupported

RECORD = {"eventName": "INSERT", "dynamodb": {"NewImage": {"type": {"S": "OrderPlaced"}, "total": 12}}}


@pytest.mark.parametrize(
    "pattern",
    [
        {"eventName": ["INSERT"]},
        {"dynamodb": {"NewImage": {"type": {"S": [{"prefix": "Order"}]}}}},
        {"dynamodb": {"NewImage": {"type": {"S": [{"suffix": "Placed"}]}}}},
        {"dynamodb": {"NewImage": {"type": {"S": [{"equals-ignore-case": "orderplaced"}]}}}},
        {"dynamodb": {"NewImage": {"total": [{"numeric": [">", 10, "<=", 12]}]}}},
        {"eventName": [{"anything-but": ["REMOVE", "MODIFY"]}]},
        {"dynamodb": {"OldImage": [{"exists": False}]}},
        {"dynamodb": {"NewImage": [{"exists": True}]}},
    ],
)
def test_a_record_matching_the_pattern_is_delivered(pattern):
    assert matches([pattern], RECORD)


@pytest.mark.parametrize(
    "pattern",
    [
        {"eventName": ["REMOVE"]},
        {"dynamodb": {"NewImage": {"type": {"S": [{"prefix": "Payment"}]}}}},
        {"dynamodb": {"NewImage": {"total": [{"numeric": [">", 12]}]}}},
        {"eventName": [{"anything-but": "INSERT"}]},
        {"dynamodb": {"OldImage": [{"exists": True}]}},
        {"dynamodb": {"NewImage": {"total": ["12"]}}},  # a string never equals a number
    ],
)
def test_a_record_not_matching_the_pattern_is_not_delivered(pattern):
    assert not matches([pattern], RECORD)


def test_any_matching_pattern_delivers_and_no_pattern_delivers_everything():
    assert matches([{"eventName": ["REMOVE"]}, {"eventName": ["INSERT"]}], RECORD)
    assert matches([], RECORD)


def test_what_the_filters_cannot_evaluate_is_named_with_its_path():
    assert unsupported({"$or": [{"a": [1]}]}) == ["$or is not supported"]
    assert unsupported({"data": {"ip": [{"cidr": "10.0.0.0/24"}]}}) == ["data.ip: 'cidr' is not supported"]
    assert unsupported({"data": {"type": ["click", {"prefix": "c"}]}}) == []
