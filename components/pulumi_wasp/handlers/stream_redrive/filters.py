"""Lambda's event filtering, for the re-drive to rebuild exactly the batch the mapping delivered.

An on-failure record names a range of sequence numbers; records of that range the mapping's filters rejected were
never delivered and must not be now. The operators supported are the ones :func:`unsupported` does not name;
the component refuses, at synthesis, a filter this module cannot evaluate.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Sequence
from typing import Any

OPERATORS = ("anything-but", "equals-ignore-case", "exists", "numeric", "prefix", "suffix")
_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def unsupported(pattern: Any, path: str = "") -> list[str]:
    """What in ``pattern`` this module cannot evaluate (``$or``, wildcard, cidr …), each with its path."""
    problems: list[str] = []
    if not isinstance(pattern, dict):
        return [f"{path or 'pattern'} is not an object"]
    for key, value in pattern.items():
        where = f"{path}.{key}" if path else key
        if key.startswith("$"):
            problems.append(f"{where} is not supported")
        elif isinstance(value, dict):
            problems += unsupported(value, where)
        elif isinstance(value, list):
            for matcher in value:
                if isinstance(matcher, dict):
                    problems += [f"{where}: {op!r} is not supported" for op in matcher if op not in OPERATORS]
        else:
            problems.append(f"{where}: a pattern value is an object or a list, got {value!r}")
    return problems


def kinesis_view(record: dict[str, Any]) -> dict[str, Any]:
    """What Kinesis filters see: the record's ``kinesis`` part, ``data`` decoded when it is JSON."""
    view = dict(record["kinesis"])
    with contextlib.suppress(ValueError):  # not JSON: patterns on data never match, metadata patterns still do
        view["data"] = json.loads(base64.b64decode(view["data"]))
    return view


def matches(patterns: Sequence[dict[str, Any]], view: dict[str, Any]) -> bool:
    """A record is delivered when any pattern matches it (every record when there is none)."""
    return not patterns or any(_object(pattern, view) for pattern in patterns)


def _object(pattern: dict[str, Any], value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    for key, expected in pattern.items():
        present = key in value
        if isinstance(expected, dict):
            if not present or not _object(expected, value[key]):
                return False
        elif not _field(expected, present, value.get(key)):
            return False
    return True


def _field(matchers: list[Any], present: bool, value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    for matcher in matchers:
        if isinstance(matcher, dict) and "exists" in matcher:
            if matcher["exists"] == present:
                return True
        elif present and any(_value(matcher, v) for v in values):
            return True
    return False


def _value(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        return (matcher == value and type(matcher) is type(value)) or _numbers_equal(matcher, value)
    [(operator, operand)] = matcher.items()
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(operand)
    if operator == "suffix":
        return isinstance(value, str) and value.endswith(operand)
    if operator == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == str(operand).lower()
    if operator == "numeric":
        return _numeric(operand, value)
    if operator == "anything-but":
        return not _anything(operand, value)
    raise ValueError(f"filter operator {operator!r} is not supported")


def _numbers_equal(matcher: Any, value: Any) -> bool:
    numbers = (int, float)
    return (
        isinstance(matcher, numbers)
        and isinstance(value, numbers)
        and not isinstance(matcher, bool)
        and not isinstance(value, bool)
        and matcher == value
    )


def _numeric(operand: list[Any], value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    pairs = zip(operand[::2], operand[1::2], strict=True)
    return all(_COMPARE[operator](value, bound) for operator, bound in pairs)


def _anything(operand: Any, value: Any) -> bool:
    """Whether ``value`` is one of what ``anything-but`` excludes."""
    if isinstance(operand, dict):
        return _value(operand, value)
    excluded = operand if isinstance(operand, list) else [operand]
    return any(_value(item, value) for item in excluded)
