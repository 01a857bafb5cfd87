"""Deprecated aliases of renamed public names (docs/public-api.md: one minor version, a DeprecationWarning)."""

from __future__ import annotations

import warnings
from typing import Any


def renamed_attribute(old: str, new: str, since: str) -> property:
    """A read-only property ``old`` returning the attribute ``new``, warning that ``old`` is deprecated."""

    def read(self: Any) -> Any:
        warnings.warn(
            f"{type(self).__name__}.{old} is deprecated since {since}: use {type(self).__name__}.{new}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(self, new)

    return property(read, doc=f"Deprecated since {since}: :attr:`{new}`.")
