"""EventBridge event patterns, Lambda filter patterns and SNS filter policies, checked at synthesis.

Each is checked against its grammar and limits as AWS documents them, so a pattern AWS would reject
fails the program naming the arg, not the deploy (the tests cross-check these rules against moto's
own validators; components cannot rely on moto, which only the ``local`` extra installs).

Sources: EventBridge user guide "Creating event patterns", "Comparison operators for use in event
patterns" and quotas (event pattern size: 2,048 characters by default, adjustable to 4,096, which
PutRule's EventPattern allows at most; numeric matching between -5.0e9 and 5.0e9); Lambda developer
guide "Event filtering" (the same syntax without ``wildcard`` and ``cidr``, a pattern of at most
4,096 characters); SNS developer guide "Filter policy constraints" (at most 5 keys, 150 combinations,
256 KB, numbers between -1e9 and 1e9, no nesting under the MessageAttributes scope) and "Amazon SNS
message filtering operators".
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from typing import Any

EVENT_PATTERN_MAX_CHARS = 4096
LAMBDA_FILTER_MAX_CHARS = 4096
EVENT_NUMERIC_LIMIT = 5.0e9
FILTER_POLICY_MAX_KEYS = 5
FILTER_POLICY_MAX_COMBINATIONS = 150
FILTER_POLICY_MAX_BYTES = 256 * 1024
FILTER_NUMERIC_LIMIT = 1.0e9
SCOPES = ("MessageAttributes", "MessageBody")

_NUMERIC_OPERATORS = ("<", "<=", "=", ">", ">=")


def check_event_pattern(pattern: Any, arg: str) -> None:
    """Raise ValueError naming ``arg`` when EventBridge would reject ``pattern``."""
    _raise(arg, event_pattern_problems(pattern))


def check_lambda_filter(pattern: Any, arg: str) -> None:
    """Raise ValueError naming ``arg`` when Lambda would reject the event filter ``pattern``."""
    _raise(arg, event_pattern_problems(pattern, lambda_filter=True))


def check_filter_policy(policy: Any, scope: str, arg: str) -> None:
    """Raise ValueError naming ``arg`` when SNS would reject ``policy`` under ``scope``."""
    _raise(arg, filter_policy_problems(policy, scope))


def _raise(arg: str, problems: list[str]) -> None:
    if problems:
        raise ValueError(f"{arg}: {'; '.join(problems)}")


# -- EventBridge (and Lambda event filtering) -------------------------------------------------------


def event_pattern_problems(pattern: Any, *, lambda_filter: bool = False) -> list[str]:
    """Every way ``pattern`` breaks EventBridge's pattern grammar (Lambda's subset with ``lambda_filter``)."""
    if not isinstance(pattern, Mapping) or not pattern:
        return ["a pattern is a non-empty object"]
    problems: list[str] = []
    limit = LAMBDA_FILTER_MAX_CHARS if lambda_filter else EVENT_PATTERN_MAX_CHARS
    size = len(json.dumps(pattern, separators=(",", ":")))
    if size > limit:
        problems.append(f"the pattern is {size} characters as JSON; the limit is {limit}")
    _EventPattern(problems, lambda_filter).object(pattern, "")
    return problems


class _EventPattern:
    def __init__(self, problems: list[str], lambda_filter: bool) -> None:
        self.problems = problems
        self.operators = {"prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case"}
        if not lambda_filter:
            self.operators |= {"wildcard", "cidr"}

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path or 'the pattern'} {message}")

    def object(self, pattern: Mapping[str, Any], path: str) -> None:
        for key, value in pattern.items():
            here = f"{path}.{key}" if path else str(key)
            if key == "$or":
                if not isinstance(value, list) or len(value) < 2:
                    self.problem(here, "takes a list of at least two patterns")
                    continue
                for index, alternative in enumerate(value):
                    if not isinstance(alternative, Mapping) or not alternative:
                        self.problem(f"{here}[{index}]", "must be a non-empty object")
                    else:
                        self.object(alternative, path)
            elif isinstance(value, Mapping):
                if not value:
                    self.problem(here, "is an empty object; match a field inside it or remove it")
                else:
                    self.object(value, here)
            elif isinstance(value, list):
                if not value:
                    self.problem(here, "is an empty list; it would match nothing")
                for index, matcher in enumerate(value):
                    self.matcher(matcher, f"{here}[{index}]")
            else:
                self.problem(here, f"must be a list of values or an object, got {json.dumps(value)}")

    def matcher(self, matcher: Any, path: str) -> None:
        if matcher is None or isinstance(matcher, str | bool):
            return
        if isinstance(matcher, int | float):
            self.number(matcher, path)
            return
        if not isinstance(matcher, Mapping) or len(matcher) != 1:
            self.problem(path, "must be a value or an object with exactly one operator")
            return
        ((operator, operand),) = matcher.items()
        if operator not in self.operators:
            self.problem(path, f"uses {operator!r}, which is not one of {', '.join(sorted(self.operators))}")
            return
        here = f"{path}.{operator}"
        if operator in ("prefix", "suffix"):
            if not (isinstance(operand, str) or self.ignore_case(operand)):
                self.problem(here, 'takes a string or {"equals-ignore-case": "<string>"}')
        elif operator == "equals-ignore-case":
            if not isinstance(operand, str):
                self.problem(here, "takes a string")
        elif operator == "wildcard":
            self.wildcard(operand, here)
        elif operator == "exists":
            if not isinstance(operand, bool):
                self.problem(here, "takes true or false")
        elif operator == "cidr":
            self.cidr(operand, here)
        elif operator == "numeric":
            self.numeric(operand, here, EVENT_NUMERIC_LIMIT)
        else:
            self.anything_but(operand, here)

    def ignore_case(self, operand: Any) -> bool:
        return (
            isinstance(operand, Mapping)
            and list(operand) == ["equals-ignore-case"]
            and isinstance(operand["equals-ignore-case"], str)
        )

    def wildcard(self, operand: Any, path: str) -> None:
        if not isinstance(operand, str):
            self.problem(path, "takes a string")
        elif "**" in operand:
            self.problem(path, "may not contain consecutive wildcards (**)")

    def cidr(self, operand: Any, path: str) -> None:
        if not _is_cidr(operand):
            self.problem(path, f"takes an IPv4 or IPv6 CIDR block, got {json.dumps(operand)}")

    def number(self, value: float, path: str) -> None:
        if not -EVENT_NUMERIC_LIMIT <= value <= EVENT_NUMERIC_LIMIT:
            self.problem(path, f"is outside EventBridge's numeric range (-5.0e9 to 5.0e9): {value}")

    def numeric(self, operand: Any, path: str, limit: float) -> None:
        problem = numeric_problem(operand, limit)
        if problem:
            self.problem(path, problem)

    def anything_but(self, operand: Any, path: str) -> None:
        if isinstance(operand, str | int | float) and not isinstance(operand, bool):
            return
        if isinstance(operand, list):
            kinds = {str if isinstance(item, str) else float if _is_number(item) else None for item in operand}
            if not operand or None in kinds or len(kinds) > 1:
                self.problem(path, "takes a non-empty list of strings or of numbers")
            return
        if isinstance(operand, Mapping) and len(operand) == 1:
            ((inner, value),) = operand.items()
            strings = isinstance(value, str) or (
                isinstance(value, list) and value and all(isinstance(item, str) for item in value)
            )
            if inner in ("prefix", "suffix") and isinstance(value, str):
                return
            if inner in ("equals-ignore-case", "wildcard") and inner in self.operators and strings:
                return
        self.problem(path, "takes a value, a list of values, or one of prefix, suffix, equals-ignore-case, wildcard")


def _is_cidr(value: Any) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except (TypeError, ValueError):
        return False
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numeric_problem(operand: Any, limit: float) -> str | None:
    """Why a ``numeric`` operand is malformed: ``[op, n]`` or ``[">"|">=", low, "<"|"<=", high]``."""
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        return 'takes [operator, number] or [">"/">=", low, "<"/"<=", high]'
    operators, numbers = operand[0::2], operand[1::2]
    if any(op not in _NUMERIC_OPERATORS for op in operators):
        return f"operators are {', '.join(_NUMERIC_OPERATORS)}"
    if not all(_is_number(number) for number in numbers):
        return "compares with numbers (not strings)"
    if any(not -limit <= number <= limit for number in numbers):
        return f"numbers are between -{limit:.1e} and {limit:.1e}"
    if len(operand) == 4:
        if operators[0] not in (">", ">=") or operators[1] not in ("<", "<="):
            return 'a range is [">" or ">=", low, "<" or "<=", high]'
        if numbers[0] >= numbers[1]:
            return "a range's low bound must be below its high bound"
    return None


# -- SNS filter policies -----------------------------------------------------------------------------


def filter_policy_problems(policy: Any, scope: str) -> list[str]:
    """Every way ``policy`` breaks SNS's filter policy grammar and limits under ``scope``."""
    if scope not in SCOPES:
        return [f"filter_policy_scope must be one of {', '.join(SCOPES)}, got {scope!r}"]
    if not isinstance(policy, Mapping) or not policy:
        return ["a filter policy is a non-empty object"]
    problems: list[str] = []
    size = len(json.dumps(policy).encode())
    if size > FILTER_POLICY_MAX_BYTES:
        problems.append(f"the policy is {size} bytes as JSON; the limit is {FILTER_POLICY_MAX_BYTES} (256 KB)")
    if len(policy) > FILTER_POLICY_MAX_KEYS:
        problems.append(f"a filter policy has at most {FILTER_POLICY_MAX_KEYS} keys, this one has {len(policy)}")
    combinations = _FilterPolicy(problems, scope).object(policy, "", depth=1)
    if combinations > FILTER_POLICY_MAX_COMBINATIONS:
        problems.append(
            f"the policy has {combinations} combinations of values; SNS allows at most "
            f"{FILTER_POLICY_MAX_COMBINATIONS} (the values of each list multiplied, nested lists by their depth)"
        )
    return problems


class _FilterPolicy:
    _OPERATORS = ("anything-but", "equals-ignore-case", "exists", "numeric", "prefix", "suffix", "cidr")

    def __init__(self, problems: list[str], scope: str) -> None:
        self.problems = problems
        self.scope = scope

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path} {message}")

    def object(self, policy: Mapping[str, Any], path: str, depth: int) -> int:
        """Checks ``policy``; returns its combinations (AWS's count: list lengths times their depth)."""
        combinations = 1
        for key, value in policy.items():
            here = f"{path}.{key}" if path else str(key)
            if key == "$or" and isinstance(value, list):
                if len(value) < 2 or not all(isinstance(item, Mapping) and item for item in value):
                    self.problem(here, "takes a list of at least two non-empty objects")
                    continue
                for alternative in value:
                    combinations *= self.object(alternative, path, depth + 1)
                combinations *= len(value) * depth
            elif isinstance(value, Mapping):
                if self.scope == "MessageAttributes":
                    self.problem(here, 'is nested; only filter_policy_scope="MessageBody" accepts nested keys')
                elif not value:
                    self.problem(here, "is an empty object")
                else:
                    combinations *= self.object(value, here, depth + 1)
            elif isinstance(value, list):
                if not value:
                    self.problem(here, "is an empty list; it would match nothing")
                for index, matcher in enumerate(value):
                    self.matcher(matcher, f"{here}[{index}]")
                combinations *= max(len(value), 1) * depth
            else:
                self.problem(here, f"must be a list of values or an object, got {json.dumps(value)}")
        return combinations

    def matcher(self, matcher: Any, path: str) -> None:
        if matcher is None or isinstance(matcher, str | bool):
            return
        if _is_number(matcher):
            if not -FILTER_NUMERIC_LIMIT < matcher < FILTER_NUMERIC_LIMIT:
                self.problem(path, f"is outside SNS's numeric range (-1e9 to 1e9): {matcher}")
            return
        if not isinstance(matcher, Mapping) or len(matcher) != 1:
            self.problem(path, "must be a string, number, true, false, null, or an object with one operator")
            return
        ((operator, operand),) = matcher.items()
        here = f"{path}.{operator}"
        if operator not in self._OPERATORS:
            self.problem(path, f"uses {operator!r}, which is not one of {', '.join(self._OPERATORS)}")
        elif operator == "exists" and not isinstance(operand, bool):
            self.problem(here, "takes true or false")
        elif operator == "numeric":
            problem = numeric_problem(operand, FILTER_NUMERIC_LIMIT)
            if problem:
                self.problem(here, problem)
        elif operator in ("prefix", "suffix", "equals-ignore-case") and not isinstance(operand, str):
            self.problem(here, "takes a string")
        elif operator == "cidr" and not _is_cidr(operand):
            self.problem(here, f"takes an IPv4 or IPv6 CIDR block, got {json.dumps(operand)}")
        elif operator == "anything-but" and not _anything_but(operand):
            self.problem(here, 'takes a value, a list of values, or {"prefix": …} / {"suffix": …}')


def _anything_but(operand: Any) -> bool:
    if operand is None or isinstance(operand, str | bool) or _is_number(operand):
        return True
    if isinstance(operand, list):
        return bool(operand) and all(isinstance(item, str) or _is_number(item) for item in operand)
    return (
        isinstance(operand, Mapping)
        and len(operand) == 1
        and next(iter(operand)) in ("prefix", "suffix")
        and isinstance(next(iter(operand.values())), str)
    )
