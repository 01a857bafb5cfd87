"""Exemptions the components declare on what they create: the policy pack's ``policy-exempt:<rule>`` tag, whose value
is the reason. The pack reports an exempted resource with that reason instead of a finding (policies.common)."""

from __future__ import annotations

import re

#: The pack's exemption tag prefix (its rule name follows).
EXEMPT_TAG_PREFIX = "policy-exempt:"
#: The pack's shortest accepted reason, and AWS's longest tag value.
REASON_LENGTH = (10, 256)
#: The characters AWS accepts in a tag value.
_TAG_VALUE = re.compile(r"^[\w\s.:/=+\-@]*$")


def exemption_problem(reason: str) -> str | None:
    """Why ``reason`` cannot be an exemption tag's value, or None."""
    low, high = REASON_LENGTH
    if not low <= len(reason.strip()) <= high or not _TAG_VALUE.match(reason):
        return f"must be a reason of {low}..{high} characters (letters, digits, spaces and _ . : / = + - @)"
    return None


def exemption_tag(rule: str, reason: str) -> dict[str, str]:
    """The tag exempting a resource from ``rule`` with ``reason`` (check it first with :func:`exemption_problem`)."""
    return {EXEMPT_TAG_PREFIX + rule: reason.strip()}
