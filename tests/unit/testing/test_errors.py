"""The lookup errors: what was looked for, and the closest of what exists."""

from __future__ import annotations

from pulumi_wasp.testing import AmbiguousError, NotFoundError
from pulumi_wasp.testing.errors import CLOSEST_SHOWN, closest, not_found


def test_closest_ranks_by_similarity_and_shows_at_most_five():
    names = ["orders-queue", "orders-dlq", "orders-table", "payments", "shipping", "billing", "audit"]
    found = closest("orders-queu", names)
    assert found[0] == "orders-queue"
    assert len(found) == CLOSEST_SHOWN == 5


def test_closest_falls_back_to_the_first_names_when_none_is_similar():
    assert closest("zzz", ["b", "a"]) in (["a", "b"], ["b", "a"])


def test_not_found_says_what_where_and_how_many_exist():
    error = not_found("key", "memry", ["memorySize", "timeout"], where="in the inputs of f")
    assert isinstance(error, NotFoundError) and isinstance(error, LookupError)
    assert str(error) == "no key 'memry' in the inputs of f; closest of 2: 'memorySize', 'timeout'"


def test_not_found_says_when_there_is_nothing_at_all():
    assert str(not_found("stack output", "url", [])) == "no stack output 'url': there are none"


def test_ambiguous_is_a_lookup_error():
    assert issubclass(AmbiguousError, LookupError)
