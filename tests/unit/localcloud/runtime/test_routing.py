"""Weighted aliases in the local runtime: the share of invocations each version serves."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from pulumi_wasp.localcloud.runtime.routing import VersionRouter

INVOCATIONS = 20_000


def shares(router: VersionRouter, primary: str, weights: dict[str, float]) -> Counter[str]:
    return Counter(router.choose(primary, weights) for _ in range(INVOCATIONS))


def within_five_sigma(count: int, share: float) -> bool:
    """A binomial count within five standard deviations of its mean (a false failure about once in 1.7 million)."""
    mean, sigma = INVOCATIONS * share, math.sqrt(INVOCATIONS * share * (1 - share))
    return abs(count - mean) <= 5 * sigma


def test_a_canary_weight_sends_that_share_of_invocations_to_the_new_version():
    served = shares(VersionRouter(seed=7), "1", {"2": 0.1})
    assert within_five_sigma(served["2"], 0.1), served
    assert served["1"] + served["2"] == INVOCATIONS


def test_several_additional_weights_each_get_their_share():
    served = shares(VersionRouter(seed=11), "1", {"2": 0.2, "3": 0.3})
    assert within_five_sigma(served["2"], 0.2) and within_five_sigma(served["3"], 0.3), served


def test_no_weight_leaves_every_invocation_on_the_aliass_version():
    assert shares(VersionRouter(seed=3), "4", {"5": 0.0}) == Counter({"4": INVOCATIONS})


def test_the_same_seed_routes_the_same_invocations_the_same_way():
    routers = VersionRouter(seed=5), VersionRouter(seed=5)
    assert [routers[0].choose("1", {"2": 0.5}) for _ in range(200)] == [
        routers[1].choose("1", {"2": 0.5}) for _ in range(200)
    ]


def test_weights_summing_above_one_are_an_error():
    with pytest.raises(ValueError, match="summing to at most 1"):
        VersionRouter().choose("1", {"2": 0.7, "3": 0.4})
