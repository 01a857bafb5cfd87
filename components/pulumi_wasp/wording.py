"""How every message of the toolkit says a count: ``counted(1, "API")`` is "1 API", ``counted(2, "API")``
"2 APIs", ``counted(0, "schedule")`` "0 schedules" (English: only exactly one is singular)."""

from __future__ import annotations

#: Plurals that adding "s" or "es" does not make.
IRREGULAR = {"entry": "entries", "policy": "policies", "registry": "registries", "property": "properties"}


def plural(noun: str) -> str:
    """The plural of ``noun``; of a phrase, its last word's ("event source mapping" → "event source mappings")."""
    head, _, last = noun.rpartition(" ")
    if last in IRREGULAR:
        word = IRREGULAR[last]
    elif last.endswith(("s", "x", "ch", "sh")):
        word = last + "es"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def counted(count: int, noun: str, plural_form: str | None = None) -> str:
    """``count`` and ``noun``, the noun plural unless the count is exactly 1 (``plural_form`` when irregular)."""
    return f"{count} {noun if count == 1 else plural_form or plural(noun)}"
