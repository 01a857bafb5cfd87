"""Counts in messages: singular for exactly one, plural otherwise, phrases by their last word."""

from __future__ import annotations

import pytest

from pulumi_wasp.wording import counted


@pytest.mark.parametrize(
    ("count", "noun", "said"),
    [
        (1, "API", "1 API"),
        (2, "API", "2 APIs"),
        (0, "schedule", "0 schedules"),
        (1, "error", "1 error"),
        (2, "function", "2 functions"),
        (1, "event source mapping", "1 event source mapping"),
        (3, "event source mapping", "3 event source mappings"),
        (2, "bus", "2 buses"),
        (2, "policy", "2 policies"),
    ],
)
def test_a_count_agrees_with_its_noun(count: int, noun: str, said: str) -> None:
    assert counted(count, noun) == said


def test_an_irregular_plural_is_given_once() -> None:
    assert counted(2, "child", "children") == "2 children"
    assert counted(1, "child", "children") == "1 child"
