"""Event patterns and SNS filter policies: AWS's grammar and limits, cross-checked against moto's validators.

moto validates SNS filter policies fully (keys, combinations, nesting, operators) and EventBridge
patterns structurally; every case either accepts is accepted by the other, and every rejection moto
makes, these rules make too.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulumi_wasp.adapters.moto import event_pattern_errors, filter_policy_errors
from pulumi_wasp.components.shared.patterns import (
    check_event_pattern,
    check_filter_policy,
    event_pattern_problems,
    filter_policy_problems,
)
from pulumi_wasp.synthesis import Synthesis

# -- EventBridge ------------------------------------------------------------------------------------

VALID_PATTERNS: dict[str, dict[str, Any]] = {
    "exact values": {"source": ["orders"], "detail-type": ["OrderPlaced", "OrderCancelled"]},
    "nested fields": {"detail": {"order": {"total": [{"numeric": [">", 0, "<=", 1000]}]}}},
    "prefix and suffix": {"detail": {"key": [{"prefix": "uploads/"}, {"suffix": {"equals-ignore-case": ".CSV"}}]}},
    "anything-but forms": {
        "detail": {
            "state": [{"anything-but": ["cancelled", "failed"]}],
            "key": [{"anything-but": {"prefix": "tmp/"}}],
            "code": [{"anything-but": 404}],
        }
    },
    "exists, cidr, wildcard, null": {
        "detail": {"id": [{"exists": True}], "ip": [{"cidr": "10.0.0.0/24"}], "path": [{"wildcard": "a/*/b"}]},
        "region": [None],
    },
    "$or": {"$or": [{"source": ["a"]}, {"detail-type": ["b"]}]},
}

INVALID_PATTERNS: dict[str, tuple[dict[str, Any], str, bool]] = {
    # case: (pattern, our message, whether moto rejects it too)
    "an empty list": ({"source": []}, "source is an empty list; it would match nothing", True),
    "a scalar leaf": ({"source": "orders"}, 'source must be a list of values or an object, got "orders"', True),
    "an unknown operator": (
        {"detail": {"x": [{"begins-with": "a"}]}},
        "detail.x[0] uses 'begins-with', which is not one of",
        False,
    ),
    "a numeric string": ({"n": [{"numeric": [">", "1"]}]}, "n[0].numeric compares with numbers (not strings)", False),
    "an inverted range": (
        {"n": [{"numeric": [">", 5, "<", 1]}]},
        "n[0].numeric a range's low bound must be below its high bound",
        False,
    ),
    "exists with a string": ({"x": [{"exists": "yes"}]}, "x[0].exists takes true or false", False),
    "a bad cidr": (
        {"ip": [{"cidr": "10.0.0/33"}]},
        'ip[0].cidr takes an IPv4 or IPv6 CIDR block, got "10.0.0/33"',
        False,
    ),
    "consecutive wildcards": (
        {"k": [{"wildcard": "a**b"}]},
        "k[0].wildcard may not contain consecutive wildcards",
        False,
    ),
    "two operators in one matcher": (
        {"k": [{"prefix": "a", "suffix": "b"}]},
        "k[0] must be a value or an object with exactly one operator",
        False,
    ),
    "a single-alternative $or": ({"$or": [{"a": ["b"]}]}, "$or takes a list of at least two patterns", False),
    "a number beyond 5e9": ({"n": [6e9]}, "n[0] is outside EventBridge's numeric range", False),
}


@pytest.mark.parametrize("case", list(VALID_PATTERNS), ids=list(VALID_PATTERNS))
def test_a_valid_event_pattern_passes_these_rules_and_moto(case: str) -> None:
    pattern = VALID_PATTERNS[case]
    assert (event_pattern_problems(pattern), event_pattern_errors(json.dumps(pattern))) == ([], [])


@pytest.mark.parametrize("case", list(INVALID_PATTERNS), ids=list(INVALID_PATTERNS))
def test_an_invalid_event_pattern_is_reported_and_moto_agrees_where_it_checks(case: str) -> None:
    pattern, message, moto_rejects = INVALID_PATTERNS[case]
    assert any(message in problem for problem in event_pattern_problems(pattern)), event_pattern_problems(pattern)
    assert bool(event_pattern_errors(json.dumps(pattern))) is moto_rejects


def test_an_event_pattern_over_4096_characters_is_reported() -> None:
    (problem,) = event_pattern_problems({"source": ["x" * 4100]})
    assert problem == "the pattern is 4115 characters as JSON; the limit is 4096"


def test_lambda_filters_do_not_accept_wildcard_or_cidr() -> None:
    (problem,) = event_pattern_problems({"k": [{"wildcard": "a*"}]}, lambda_filter=True)
    assert problem.startswith("k[0] uses 'wildcard', which is not one of")


def test_a_bad_event_pattern_fails_naming_the_arg() -> None:
    with pytest.raises(ValueError, match=r"^EventRule 'placed': event_pattern: source is an empty list"):
        check_event_pattern({"source": []}, "EventRule 'placed': event_pattern")


# -- SNS filter policies ------------------------------------------------------------------------------

VALID_POLICIES: dict[str, tuple[dict[str, Any], str]] = {
    "attributes": ({"event": ["OrderPlaced"], "total": [{"numeric": [">=", 0, "<", 100]}]}, "MessageAttributes"),
    "operators": (
        {"a": [{"prefix": "x"}], "b": [{"anything-but": ["y", "z"]}], "c": [{"exists": False}], "d": [None, True]},
        "MessageAttributes",
    ),
    "a nested body policy": (
        {"detail-type": ["OrderConfirmed"], "detail": {"total": [{"numeric": [">", 10]}]}},
        "MessageBody",
    ),
    "149 combinations": ({"a": [str(i) for i in range(149)]}, "MessageAttributes"),
}

INVALID_POLICIES: dict[str, tuple[dict[str, Any], str, str]] = {
    "six keys": (
        {k: ["v"] for k in "abcdef"},
        "MessageAttributes",
        "a filter policy has at most 5 keys, this one has 6",
    ),
    "151 combinations": (
        {"a": [str(i) for i in range(151)]},
        "MessageAttributes",
        "the policy has 151 combinations of values; SNS allows at most 150",
    ),
    "nesting under attributes": (
        {"detail": {"x": ["y"]}},
        "MessageAttributes",
        'detail is nested; only filter_policy_scope="MessageBody" accepts nested keys',
    ),
    "a scalar": ({"a": "b"}, "MessageAttributes", 'a must be a list of values or an object, got "b"'),
    "a numeric string": ({"a": [{"numeric": ["<", "1"]}]}, "MessageAttributes", "a[0].numeric compares with numbers"),
    "an unknown numeric operator": (
        {"a": [{"numeric": ["!=", 1]}]},
        "MessageAttributes",
        "a[0].numeric operators are",
    ),
    "an inverted range": (
        {"a": [{"numeric": [">", 5, "<", 1]}]},
        "MessageAttributes",
        "a[0].numeric a range's low bound must be below its high bound",
    ),
    "an unknown operator": ({"a": [{"wildcard": "x*"}]}, "MessageAttributes", "a[0] uses 'wildcard'"),
    "exists with a string": ({"a": [{"exists": "true"}]}, "MessageAttributes", "a[0].exists takes true or false"),
    "a number beyond 1e9": ({"a": [2e9]}, "MessageAttributes", "a[0] is outside SNS's numeric range"),
}


@pytest.mark.parametrize("case", list(VALID_POLICIES), ids=list(VALID_POLICIES))
def test_a_valid_filter_policy_passes_these_rules_and_moto(case: str) -> None:
    policy, scope = VALID_POLICIES[case]
    assert (filter_policy_problems(policy, scope), filter_policy_errors(policy, scope)) == ([], [])


@pytest.mark.parametrize("case", list(INVALID_POLICIES), ids=list(INVALID_POLICIES))
def test_an_invalid_filter_policy_is_reported_and_moto_rejects_it_too(case: str) -> None:
    policy, scope, message = INVALID_POLICIES[case]
    assert any(message in problem for problem in filter_policy_problems(policy, scope)), filter_policy_problems(
        policy, scope
    )
    assert filter_policy_errors(policy, scope) != []


def test_nested_combinations_count_each_list_by_its_depth_as_aws_documents() -> None:
    # AWS's example: four values three levels deep and three values two levels deep: 3 x 4 x 2 x 3 = 72.
    policy = {"a": {"b": {"c": ["1", "2", "3", "4"]}}, "d": {"e": ["1", "2", "3"]}}
    assert filter_policy_problems(policy, "MessageBody") == []
    wider = {"a": {"b": {"c": [str(i) for i in range(9)]}}, "d": {"e": ["1", "2", "3"]}}
    assert filter_policy_problems(wider, "MessageBody") == [
        "the policy has 162 combinations of values; SNS allows at most 150 (the values of each list multiplied, "
        "nested lists by their depth)"
    ]
    assert filter_policy_errors(wider, "MessageBody") != []


def test_an_unknown_scope_is_reported() -> None:
    assert filter_policy_problems({"a": ["b"]}, "Body") == [
        "filter_policy_scope must be one of MessageAttributes, MessageBody, got 'Body'"
    ]


def test_a_bad_filter_policy_fails_naming_the_arg() -> None:
    with pytest.raises(ValueError, match=r"^Subscriber 'all': filter_policy: a filter policy has at most 5 keys"):
        check_filter_policy({k: ["v"] for k in "abcdef"}, "MessageAttributes", "Subscriber 'all': filter_policy")


# -- the reference system ---------------------------------------------------------------------------


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_every_pattern_and_filter_policy_of_the_reference_stack_passes_both(
    stack_name: str, request: pytest.FixtureRequest
) -> None:
    stack: Synthesis = request.getfixturevalue(f"{stack_name}_stack")
    rules = [
        r.inputs["eventPattern"]
        for r in stack
        if r.type == "aws:cloudwatch/eventRule:EventRule" and "eventPattern" in r.inputs
    ]
    subscriptions = [r.inputs for r in stack if r.type == "aws:sns/topicSubscription:TopicSubscription"]
    policies = [
        (json.loads(s["filterPolicy"]), s.get("filterPolicyScope", "MessageAttributes"))
        for s in subscriptions
        if s.get("filterPolicy")
    ]
    assert rules and policies
    for pattern in rules:
        assert (event_pattern_problems(json.loads(pattern)), event_pattern_errors(pattern)) == ([], [])
    for policy, scope in policies:
        assert (filter_policy_problems(policy, scope), filter_policy_errors(policy, scope)) == ([], [])
