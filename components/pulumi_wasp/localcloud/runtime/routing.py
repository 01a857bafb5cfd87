"""Weighted aliases: which version serves an invocation of an alias whose routing configuration sends a share of
the traffic to another version (what CodeDeploy sets during a canary or linear shift)."""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping


class VersionRouter:
    """Lambda's choice per invocation: each additional version with its weight's probability, the alias's own
    version otherwise. Seeded, so a local run that shifts traffic is reproducible."""

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)  # noqa: S311 - a traffic split, not a secret
        self._lock = threading.Lock()

    def choose(self, primary: str, weights: Mapping[str, float]) -> str:
        """The version that serves one invocation. ``weights`` (version → share, 0..1) sum to below 1, as Lambda
        requires of AdditionalVersionWeights; the rest goes to ``primary``."""
        total = sum(weights.values())
        if any(not 0.0 <= share <= 1.0 for share in weights.values()) or total > 1.0:
            raise ValueError(f"AdditionalVersionWeights must be shares 0..1 summing to at most 1, got {dict(weights)}")
        with self._lock:
            draw = self._random.random()
        for version, share in sorted(weights.items()):
            if draw < share:
                return version
            draw -= share
        return primary
