"""IAM's condition operators over a request context."""

from __future__ import annotations

import pytest

from pulumi_wasp.localcloud.iam.conditions import UnsupportedOperatorError, holds, unsupported_keys

SOURCE = "arn:aws:sns:us-east-1:123456789012:orders"


def test_every_operator_and_every_key_must_hold() -> None:
    condition = {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:orders"}, "StringEquals": {"aws:SourceAccount": "1"}}
    assert holds(condition, {"aws:SourceArn": SOURCE, "aws:SourceAccount": "1"})
    assert not holds(condition, {"aws:SourceArn": SOURCE, "aws:SourceAccount": "2"})


def test_any_policy_value_may_match() -> None:
    assert holds(
        {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}, {"aws:RequestedRegion": "us-east-1"}
    )


def test_keys_are_case_insensitive() -> None:
    assert holds({"ArnEquals": {"AWS:SourceArn": SOURCE}}, {"aws:SourceArn": SOURCE})


def test_an_arn_wildcard_matches_within_one_part_of_the_arn() -> None:
    assert not holds({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:orders"}}, {"aws:SourceArn": SOURCE})
    assert not holds({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:orders-dlq"}}, {"aws:SourceArn": SOURCE})
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/orders:*"
    assert holds({"ArnLike": {"aws:SourceArn": "arn:aws:logs:us-east-1:*:log-group:*"}}, {"aws:SourceArn": group})


def test_arn_equals_takes_wildcards_as_arn_like_does() -> None:
    assert holds({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:*:ord?rs"}}, {"aws:SourceArn": SOURCE})
    assert not holds({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:*:orders"}}, {"aws:SourceArn": SOURCE})
    assert holds({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:*"}}, {"aws:SourceArn": SOURCE})


def test_a_shorter_arn_pattern_ending_in_a_wildcard_covers_the_rest_of_the_arn() -> None:
    assert holds({"ArnLike": {"aws:SourceArn": "*"}}, {"aws:SourceArn": SOURCE})
    assert holds({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*"}}, {"aws:SourceArn": SOURCE})
    assert not holds({"ArnLike": {"aws:SourceArn": "arn:aws:sqs:*"}}, {"aws:SourceArn": SOURCE})


def test_a_missing_key_fails_a_positive_operator_and_passes_a_negated_one() -> None:
    assert not holds({"StringEquals": {"aws:SourceAccount": "1"}}, {})
    assert holds({"StringNotEquals": {"aws:SourceAccount": "1"}}, {})
    assert holds({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, {})


def test_null_checks_presence() -> None:
    assert holds({"Null": {"aws:SourceArn": "true"}}, {})
    assert not holds({"Null": {"aws:SourceArn": "true"}}, {"aws:SourceArn": SOURCE})


def test_bool_compares_as_iam_writes_booleans() -> None:
    assert holds({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"})
    assert not holds({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"})


def test_numeric_and_date_operators_compare_values() -> None:
    assert holds({"NumericLessThan": {"aws:EpochTime": "200"}}, {"aws:EpochTime": "100"})
    assert holds(
        {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2026-12-01T00:00:00Z"}
    )


def test_an_unknown_operator_is_an_error() -> None:
    with pytest.raises(UnsupportedOperatorError):
        holds({"StringSortOf": {"aws:SourceArn": "x"}}, {"aws:SourceArn": "x"})


def test_keys_outside_the_supported_list_are_named() -> None:
    condition = {"StringEquals": {"aws:SourceArn": "x", "s3:prefix": "uploads/"}}
    assert unsupported_keys(condition) == ["s3:prefix"]
