"""Settings from the environment, read once at import so a mis-wired function fails at INIT, not mid-request."""

from __future__ import annotations

import os


class ConfigurationError(RuntimeError):
    """An environment variable the function needs is missing or malformed."""


def require(name: str) -> str:
    """The value of environment variable ``name``; a clear error naming it when unset or empty."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(
            f"Environment variable {name} is not set; the function's infrastructure must define it"
        )
    return value


def integer(name: str, default: int) -> int:
    """Environment variable ``name`` as a positive integer, ``default`` when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"Environment variable {name} must be a positive integer, got {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"Environment variable {name} must be a positive integer, got {raw!r}")
    return value
