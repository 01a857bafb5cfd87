"""Plain Python values from the engine's wire format.

The records keep every property as the engine receives it (what the Pulumi CLI hands a policy): secrets,
unknowns, assets, archives and resource references are JSON objects tagged with a signature key. ``plain``
unwraps them, so a test compares values rather than encodings.
"""

from __future__ import annotations

from typing import Any, Final

from pulumi_wasp.synthesis.recording import UNKNOWN as UNKNOWN_WIRE

# The signatures of Pulumi's property-value wire protocol (the same in every language SDK).
SIGNATURE_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE: Final = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIGNATURE: Final = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIGNATURE: Final = "d0e6a833031e9bbcd3f4e8bde6ca49a4"


class _Unknown:
    """A value not known until the resource exists (a computed output in a first-deploy preview)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


#: What :func:`plain` gives for a value the engine does not know yet.
UNKNOWN: Final = _Unknown()


def plain(value: Any) -> Any:
    """``value`` with every wire encoding unwrapped, recursively.

    Secrets become their value, unknowns :data:`UNKNOWN`, resource references their URN and output values
    their value; assets and archives stay the JSON objects the engine sees (their ``path``, ``text`` or
    ``assets``), with the signature key removed. Whole numbers become ``int``: the wire carries every number
    as a double (``memorySize`` arrives as ``256.0``), the program gave an integer.

    Example::

        from pulumi_wasp.testing import plain

        plain({"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "s3cr3t"})
        # -> "s3cr3t"
    """
    if isinstance(value, str):
        return UNKNOWN if value == UNKNOWN_WIRE else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    if not isinstance(value, dict):
        return value
    signature = value.get(SIGNATURE_KEY)
    if signature == SECRET_SIGNATURE:
        return plain(value.get("value"))
    if signature == RESOURCE_SIGNATURE:
        return value["urn"]
    if signature == OUTPUT_SIGNATURE:
        return plain(value["value"]) if "value" in value else UNKNOWN
    return {key: plain(item) for key, item in value.items() if key != SIGNATURE_KEY}


def is_secret(value: Any) -> bool:
    """Whether the wire value is a secret (the engine would encrypt it in the state)."""
    if isinstance(value, dict):
        signature = value.get(SIGNATURE_KEY)
        return signature == SECRET_SIGNATURE or (signature == OUTPUT_SIGNATURE and bool(value.get("secret")))
    return False
