"""The harness's lookup errors: each says what was looked for and what exists."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: How many of the existing names an error lists, the closest to the one looked for first.
CLOSEST_SHOWN = 5


class NotFoundError(LookupError):
    """Nothing matched a lookup (a resource, a property, a stack output, a policy)."""


class AmbiguousError(LookupError):
    """Several matched where the lookup expects exactly one."""


def closest(wanted: str, candidates: Iterable[str], count: int = CLOSEST_SHOWN) -> list[str]:
    """Up to ``count`` distinct candidates, the most similar to ``wanted`` first."""
    unique = sorted(set(candidates))
    ranked = difflib.get_close_matches(wanted, unique, n=count, cutoff=0.0)
    return ranked or unique[:count]


def not_found(looked_for: str, wanted: str, candidates: Iterable[str], where: str = "") -> NotFoundError:
    """``NotFoundError`` for ``wanted`` with the closest of ``candidates``: ``looked_for`` names what it is,
    ``where`` (e.g. ``"in the inputs of ..."``) where it was looked for."""
    names = sorted(set(candidates))
    place = f" {where}" if where else ""
    if not names:
        return NotFoundError(f"no {looked_for} {wanted!r}{place}: there are none")
    shown = ", ".join(repr(name) for name in closest(wanted, names))
    return NotFoundError(f"no {looked_for} {wanted!r}{place}; closest of {len(names)}: {shown}")
