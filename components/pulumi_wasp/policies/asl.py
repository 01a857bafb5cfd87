"""The Amazon States Language checked as Step Functions checks it when a state machine is created.

Structure (the fields each state type accepts, their types and ranges) and semantics (StartAt and
every transition name a state of the same machine, every state is reachable, each state ends or moves
on exactly once, Choice rules have one comparison with an operand of the right type, ``States.ALL``
stands alone and last, paths are JSONPath under JSONPath and absent under JSONata, Parallel branches
and Map processors are machines checked the same way).

Source: the States Language specification (https://states-language.net/spec.html) and the Step
Functions developer guide (state types, "Choice rules", "Error handling", "Transforming data with
JSONata", quotas: state names up to 80 characters, a definition up to 1,048,576 bytes). Pure Python
on purpose: the pack runs without moto; the tests cross-check this validator against moto's
(LocalStack's ANTLR) parser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, TypeGuard

MAX_DEFINITION_BYTES = 1_048_576
MAX_STATE_NAME = 80

JSONPATH, JSONATA = "JSONPath", "JSONata"
_QUERY_LANGUAGES = (JSONPATH, JSONATA)

# Fields of every state, and those only one query language accepts (developer guide, "JSONata").
_COMMON = {"Type", "Comment", "QueryLanguage"}
_FLOW = {"Next", "End"}
_PATHS = {"InputPath", "OutputPath"}
_JSONPATH_ONLY = {
    "InputPath",
    "OutputPath",
    "ResultPath",
    "Parameters",
    "ResultSelector",
    "ItemsPath",
    "ItemSelector",
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCountPath",
    "ErrorPath",
    "CausePath",
    "Iterator",
}
_JSONATA_ONLY = {"Arguments", "Output", "Items"}
_ERROR_HANDLING = {"Retry", "Catch"}

_FIELDS: dict[str, set[str]] = {
    "Pass": _COMMON | _FLOW | _PATHS | {"ResultPath", "Parameters", "Result", "Assign", "Output"},
    "Task": _COMMON
    | _FLOW
    | _PATHS
    | _ERROR_HANDLING
    | {
        "Resource",
        "ResultPath",
        "Parameters",
        "ResultSelector",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
        "Credentials",
        "Assign",
        "Arguments",
        "Output",
    },
    "Choice": _COMMON | _PATHS | {"Choices", "Default", "Assign", "Output"},
    "Wait": _COMMON | _FLOW | _PATHS | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath", "Assign", "Output"},
    "Succeed": _COMMON | _PATHS | {"Output"},
    "Fail": _COMMON | {"Error", "ErrorPath", "Cause", "CausePath"},
    "Parallel": _COMMON
    | _FLOW
    | _PATHS
    | _ERROR_HANDLING
    | {"Branches", "ResultPath", "Parameters", "ResultSelector", "Assign", "Arguments", "Output"},
    "Map": _COMMON
    | _FLOW
    | _PATHS
    | _ERROR_HANDLING
    | {
        "ItemProcessor",
        "Iterator",
        "ItemsPath",
        "Items",
        "ItemSelector",
        "Parameters",
        "ItemReader",
        "ItemBatcher",
        "ResultWriter",
        "ResultPath",
        "ResultSelector",
        "MaxConcurrency",
        "MaxConcurrencyPath",
        "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath",
        "ToleratedFailureCount",
        "ToleratedFailureCountPath",
        "Label",
        "Assign",
        "Output",
    },
}
_REQUIRED = {"Task": ("Resource",), "Choice": ("Choices",), "Parallel": ("Branches",)}
_TOP_LEVEL = {"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"}
_BRANCH = {"StartAt", "States", "Comment", "QueryLanguage"}
_PROCESSOR = _BRANCH | {"ProcessorConfig"}
_RETRIER = {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy"}
_CATCHER = {"ErrorEquals", "Next", "ResultPath", "Assign", "Output", "Comment"}

# Choice rule comparison operators by operand type (developer guide, "Choice rules").
_STRING_OPS = {
    "StringEquals",
    "StringLessThan",
    "StringGreaterThan",
    "StringLessThanEquals",
    "StringGreaterThanEquals",
    "StringMatches",
}
_NUMERIC_OPS = {
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThan",
    "NumericLessThanEquals",
    "NumericGreaterThanEquals",
}
_TIMESTAMP_OPS = {
    "TimestampEquals",
    "TimestampLessThan",
    "TimestampGreaterThan",
    "TimestampLessThanEquals",
    "TimestampGreaterThanEquals",
}
_TYPE_TESTS = {"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"}
_PATH_OPS = {f"{op}Path" for op in _STRING_OPS - {"StringMatches"} | _NUMERIC_OPS | _TIMESTAMP_OPS | {"BooleanEquals"}}
_OPERATORS = _STRING_OPS | _NUMERIC_OPS | _TIMESTAMP_OPS | _TYPE_TESTS | _PATH_OPS | {"BooleanEquals"}
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_JSONATA_EXPRESSION = re.compile(r"^\{%.*%\}$", re.DOTALL)


def validate(definition: Any) -> list[str]:
    """Every way ``definition`` (the JSON text or the parsed document) breaks the States Language."""
    if isinstance(definition, str):
        if len(definition.encode()) > MAX_DEFINITION_BYTES:
            return [f"the definition is {len(definition.encode())} bytes; the limit is {MAX_DEFINITION_BYTES}"]
        try:
            definition = json.loads(definition)
        except ValueError as error:
            return [f"the definition is not JSON: {error}"]
    checker = _Checker()
    checker.machine(definition, "", _TOP_LEVEL, JSONPATH)
    return checker.errors


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self._names: dict[str, str] = {}  # state name -> where it was first defined

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path or 'definition'}: {message}")

    # -- machines ------------------------------------------------------------------------------------

    def machine(self, doc: Any, path: str, fields: set[str], language: str) -> None:
        if not isinstance(doc, Mapping):
            self.error(path, "must be an object with StartAt and States")
            return
        self.unknown_fields(doc, path, fields)
        language = self.query_language(doc, path, language)
        if "TimeoutSeconds" in doc and not (_is_int(doc["TimeoutSeconds"]) and doc["TimeoutSeconds"] > 0):
            self.error(_join(path, "TimeoutSeconds"), "must be a positive integer")
        states = doc.get("States")
        if not isinstance(states, Mapping) or not states:
            self.error(_join(path, "States"), "must be a non-empty object of states")
            return
        start = doc.get("StartAt")
        if not isinstance(start, str):
            self.error(_join(path, "StartAt"), "must be the name of a state")
        elif start not in states:
            self.error(_join(path, "StartAt"), f"names {start!r}, which is not a state of this machine")
        states_path = _join(path, "States")
        targets: dict[str, list[str]] = {}
        for name, state in states.items():
            here = _join(states_path, name)
            self.state_name(name, here)
            targets[name] = self.state(state, here, language)
            for target, where in _transitions(state):
                if target not in states:
                    self.error(f"{here}.{where}", f"names {target!r}, which is not a state of this machine")
        if not any(_terminal(state) for state in states.values()):
            self.error(states_path, "no state ends the machine (End: true, Succeed or Fail)")
        for name in _unreachable(start, targets, states):
            self.error(_join(states_path, name), "is not reachable from StartAt")

    def state_name(self, name: str, path: str) -> None:
        if len(name) > MAX_STATE_NAME:
            self.error(path, f"state names have at most {MAX_STATE_NAME} characters, this one has {len(name)}")
        if name in self._names:
            self.error(path, f"state name {name!r} is already used at {self._names[name]}; names must be unique")
        else:
            self._names[name] = path

    def query_language(self, doc: Mapping[str, Any], path: str, inherited: str) -> str:
        language = doc.get("QueryLanguage", inherited)
        if language not in _QUERY_LANGUAGES:
            self.error(_join(path, "QueryLanguage"), f"must be {JSONPATH!r} or {JSONATA!r}")
            return inherited
        if inherited == JSONATA and language == JSONPATH:
            self.error(_join(path, "QueryLanguage"), "a JSONata machine cannot contain JSONPath states")
        return str(language)

    def unknown_fields(self, doc: Mapping[str, Any], path: str, allowed: set[str]) -> None:
        for key in doc:
            if key not in allowed:
                self.error(_join(path, key), "is not a field here")

    # -- states --------------------------------------------------------------------------------------

    def state(self, state: Any, path: str, language: str) -> list[str]:
        """Check one state; returns the names it can transition to."""
        if not isinstance(state, Mapping):
            self.error(path, "must be an object")
            return []
        kind = state.get("Type")
        if kind not in _FIELDS:
            self.error(_join(path, "Type"), f"must be one of {', '.join(sorted(_FIELDS))}")
            return []
        language = self.query_language(state, path, language)
        allowed = _FIELDS[kind] - (_JSONATA_ONLY if language == JSONPATH else _JSONPATH_ONLY)
        self.unknown_fields(state, path, allowed)
        for field in _REQUIRED.get(kind, ()):
            if field not in state:
                self.error(_join(path, field), f"is required in a {kind} state")
        if "Next" in _FIELDS[kind]:
            self.flow(state, path)
        self.paths(state, path, language)
        getattr(self, f"_{kind.lower()}")(state, path, language)
        for key in ("Retry", "Catch"):
            if key in state:
                self.handlers(state[key], _join(path, key), key == "Catch", language)
        return [target for target, _ in _transitions(state)]

    def flow(self, state: Mapping[str, Any], path: str) -> None:
        has_next, end = "Next" in state, state.get("End")
        if has_next and end is not None:
            self.error(path, "has both Next and End; a state either moves on or ends")
        elif not has_next and end is not True:
            self.error(path, 'needs "Next" or "End": true')
        if end is not None and end is not True:
            self.error(_join(path, "End"), "must be true when set")
        if has_next and not isinstance(state["Next"], str):
            self.error(_join(path, "Next"), "must be the name of a state")

    def paths(self, state: Mapping[str, Any], path: str, language: str) -> None:
        if language != JSONPATH:
            return
        for key in ("InputPath", "OutputPath", "ResultPath"):
            if key in state and state[key] is not None and not _is_path(state[key]):
                self.error(_join(path, key), "must be null or a JSONPath starting with $")
        for key in ("Parameters", "ResultSelector", "ItemSelector"):
            if key in state:
                self.payload_template(state[key], _join(path, key))
        for key in state:
            nullable = key in ("InputPath", "OutputPath", "ResultPath")
            if key.endswith("Path") and not nullable and not _is_path(state[key]):
                self.error(_join(path, key), "must be a JSONPath starting with $")

    def payload_template(self, template: Any, path: str) -> None:
        """Keys ending in ``.$`` take a path or an intrinsic function (``States.…``), recursively."""
        if isinstance(template, Mapping):
            for key, value in template.items():
                here = _join(path, key)
                if key.endswith(".$"):
                    if not (isinstance(value, str) and (_is_path(value) or value.startswith("States."))):
                        self.error(here, "a key ending in .$ takes a JSONPath or an intrinsic function")
                else:
                    self.payload_template(value, here)
        elif isinstance(template, list):
            for index, value in enumerate(template):
                self.payload_template(value, _join(path, index))

    def _pass(self, state: Mapping[str, Any], path: str, language: str) -> None:
        return

    def _succeed(self, state: Mapping[str, Any], path: str, language: str) -> None:
        return

    def _fail(self, state: Mapping[str, Any], path: str, language: str) -> None:
        for plain, dynamic in (("Error", "ErrorPath"), ("Cause", "CausePath")):
            if plain in state and dynamic in state:
                self.error(path, f"has both {plain} and {dynamic}; set one")
            if plain in state and not isinstance(state[plain], str):
                self.error(_join(path, plain), "must be a string")

    def _task(self, state: Mapping[str, Any], path: str, language: str) -> None:
        resource = state.get("Resource")
        if "Resource" in state and not (isinstance(resource, str) and resource.startswith("arn:")):
            self.error(_join(path, "Resource"), "must be an ARN (arn:…)")
        self.exclusive(state, path, "TimeoutSeconds", "TimeoutSecondsPath")
        self.exclusive(state, path, "HeartbeatSeconds", "HeartbeatSecondsPath")
        for key in ("TimeoutSeconds", "HeartbeatSeconds"):
            self.positive(state, path, key, language)
        timeout, heartbeat = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
        if _is_int(timeout) and _is_int(heartbeat) and heartbeat >= timeout:
            self.error(_join(path, "HeartbeatSeconds"), "must be smaller than TimeoutSeconds")

    def _wait(self, state: Mapping[str, Any], path: str, language: str) -> None:
        given = [key for key in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if key in state]
        if len(given) != 1:
            self.error(path, "a Wait state has exactly one of Seconds, SecondsPath, Timestamp, TimestampPath")
        seconds = state.get("Seconds")
        if "Seconds" in state and not (_is_int(seconds) and seconds >= 0) and not _jsonata(seconds, language):
            self.error(_join(path, "Seconds"), "must be a non-negative integer")
        stamp = state.get("Timestamp")
        if "Timestamp" in state and not (
            isinstance(stamp, str) and (_RFC3339.match(stamp) or _jsonata(stamp, language))
        ):
            self.error(_join(path, "Timestamp"), "must be an RFC 3339 timestamp (2026-01-01T00:00:00Z)")

    def _choice(self, state: Mapping[str, Any], path: str, language: str) -> None:
        choices = state.get("Choices")
        if "Choices" in state and (not isinstance(choices, list) or not choices):
            self.error(_join(path, "Choices"), "must be a non-empty list of choice rules")
            return
        for index, rule in enumerate(choices or []):
            here = _join(_join(path, "Choices"), index)
            if language == JSONATA:
                self.jsonata_choice(rule, here)
            else:
                self.choice_rule(rule, here, top=True)
        if "Default" in state and not isinstance(state["Default"], str):
            self.error(_join(path, "Default"), "must be the name of a state")

    def jsonata_choice(self, rule: Any, path: str) -> None:
        if not isinstance(rule, Mapping):
            self.error(path, "must be an object")
            return
        self.unknown_fields(rule, path, {"Condition", "Next", "Assign", "Output", "Comment"})
        condition = rule.get("Condition")
        if not (isinstance(condition, bool) or (isinstance(condition, str) and _JSONATA_EXPRESSION.match(condition))):
            self.error(_join(path, "Condition"), "must be a JSONata expression {% … %} or a boolean")
        if not isinstance(rule.get("Next"), str):
            self.error(_join(path, "Next"), "is required: the state this rule chooses")

    def choice_rule(self, rule: Any, path: str, top: bool) -> None:
        if not isinstance(rule, Mapping):
            self.error(path, "must be an object")
            return
        if top and not isinstance(rule.get("Next"), str):
            self.error(_join(path, "Next"), "is required in a top-level choice rule")
        if not top and "Next" in rule:
            self.error(_join(path, "Next"), "is only allowed in a top-level choice rule")
        logical = [key for key in ("And", "Or", "Not") if key in rule]
        operators = [key for key in rule if key in _OPERATORS]
        extra = {"Next", "Comment"} | ({"Assign"} if top else set())
        if logical:
            self.unknown_fields(rule, path, set(logical) | extra)
            if len(logical) > 1:
                self.error(path, f"has {' and '.join(logical)}; a rule has one boolean operator")
            for key in logical:
                inner = rule[key]
                if key == "Not":
                    self.choice_rule(inner, _join(path, key), top=False)
                elif not isinstance(inner, list) or not inner:
                    self.error(_join(path, key), "must be a non-empty list of choice rules")
                else:
                    for index, item in enumerate(inner):
                        self.choice_rule(item, _join(_join(path, key), index), top=False)
            return
        self.unknown_fields(rule, path, _OPERATORS | {"Variable"} | extra)
        if not _is_path(rule.get("Variable")):
            self.error(_join(path, "Variable"), "must be a JSONPath starting with $")
        if len(operators) != 1:
            self.error(path, f"needs exactly one comparison operator, found {len(operators)}")
        for op in operators:
            self.operand(op, rule[op], _join(path, op))

    def operand(self, op: str, value: Any, path: str) -> None:
        if op in _PATH_OPS:
            ok, wanted = _is_path(value), "a JSONPath starting with $"
        elif op in _STRING_OPS:
            ok, wanted = isinstance(value, str), "a string"
        elif op in _NUMERIC_OPS:
            ok, wanted = _is_number(value), "a number"
        elif op in _TIMESTAMP_OPS:
            ok, wanted = isinstance(value, str) and bool(_RFC3339.match(value)), "an RFC 3339 timestamp"
        else:  # BooleanEquals and the type tests
            ok, wanted = isinstance(value, bool), "true or false"
        if not ok:
            self.error(path, f"takes {wanted}")

    def _parallel(self, state: Mapping[str, Any], path: str, language: str) -> None:
        branches = state.get("Branches")
        if "Branches" in state and (not isinstance(branches, list) or not branches):
            self.error(_join(path, "Branches"), "must be a non-empty list of state machines")
            return
        for index, branch in enumerate(branches or []):
            self.machine(branch, _join(_join(path, "Branches"), index), _BRANCH, language)

    def _map(self, state: Mapping[str, Any], path: str, language: str) -> None:
        processors = [key for key in ("ItemProcessor", "Iterator") if key in state]
        if len(processors) != 1:
            self.error(path, "a Map state has exactly one of ItemProcessor (or the older Iterator)")
        for key in processors:
            self.machine(state[key], _join(path, key), _PROCESSOR if key == "ItemProcessor" else _BRANCH, language)
        concurrency = state.get("MaxConcurrency")
        if "MaxConcurrency" in state and not (
            (_is_int(concurrency) and concurrency >= 0) or _jsonata(concurrency, language)
        ):
            self.error(_join(path, "MaxConcurrency"), "must be a non-negative integer")
        share = state.get("ToleratedFailurePercentage")
        if "ToleratedFailurePercentage" in state and not (
            (_is_number(share) and 0 <= share <= 100) or _jsonata(share, language)
        ):
            self.error(_join(path, "ToleratedFailurePercentage"), "must be a number from 0 to 100")

    # -- shared pieces -------------------------------------------------------------------------------

    def exclusive(self, state: Mapping[str, Any], path: str, first: str, second: str) -> None:
        if first in state and second in state:
            self.error(path, f"has both {first} and {second}; set one")

    def positive(self, state: Mapping[str, Any], path: str, key: str, language: str) -> None:
        value = state.get(key)
        if key in state and not (_is_int(value) and value > 0) and not _jsonata(value, language):
            self.error(_join(path, key), "must be a positive integer")

    def handlers(self, handlers: Any, path: str, catch: bool, language: str) -> None:
        if not isinstance(handlers, list):
            self.error(path, "must be a list")
            return
        fields = _CATCHER if catch else _RETRIER | {"Comment"}
        for index, handler in enumerate(handlers):
            here = _join(path, index)
            if not isinstance(handler, Mapping):
                self.error(here, "must be an object")
                continue
            allowed = fields - (_JSONATA_ONLY if language == JSONPATH else {"ResultPath"})
            self.unknown_fields(handler, here, allowed)
            errors = handler.get("ErrorEquals")
            if not isinstance(errors, list) or not errors or not all(isinstance(e, str) and e for e in errors):
                self.error(_join(here, "ErrorEquals"), "must be a non-empty list of error names")
            elif "States.ALL" in errors:
                if len(errors) > 1:
                    self.error(_join(here, "ErrorEquals"), "States.ALL must appear alone")
                if index != len(handlers) - 1:
                    self.error(_join(here, "ErrorEquals"), f"States.ALL must be in the last {path.rsplit('.', 1)[-1]}")
            if catch:
                if not isinstance(handler.get("Next"), str):
                    self.error(_join(here, "Next"), "is required: the state the catcher moves to")
                if (
                    "ResultPath" in handler
                    and handler["ResultPath"] is not None
                    and not _is_path(handler["ResultPath"])
                ):
                    self.error(_join(here, "ResultPath"), "must be null or a JSONPath starting with $")
            else:
                self.retrier(handler, here)

    def retrier(self, retrier: Mapping[str, Any], path: str) -> None:
        for key in ("IntervalSeconds", "MaxDelaySeconds"):
            value = retrier.get(key)
            if key in retrier and not (_is_int(value) and 0 < value <= 99_999_999):
                self.error(_join(path, key), "must be an integer from 1 to 99999999")
        attempts = retrier.get("MaxAttempts")
        if "MaxAttempts" in retrier and not (_is_int(attempts) and 0 <= attempts <= 99_999_999):
            self.error(_join(path, "MaxAttempts"), "must be an integer from 0 to 99999999")
        rate = retrier.get("BackoffRate")
        if "BackoffRate" in retrier and not (_is_number(rate) and rate >= 1.0):
            self.error(_join(path, "BackoffRate"), "must be a number of at least 1.0")
        if "JitterStrategy" in retrier and retrier["JitterStrategy"] not in ("FULL", "NONE"):
            self.error(_join(path, "JitterStrategy"), 'must be "FULL" or "NONE"')


def _is_path(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("$")


def _jsonata(value: Any, language: str) -> bool:
    return language == JSONATA and isinstance(value, str) and bool(_JSONATA_EXPRESSION.match(value))


def _terminal(state: Any) -> bool:
    return isinstance(state, Mapping) and (state.get("End") is True or state.get("Type") in ("Succeed", "Fail"))


def _transitions(state: Any) -> Iterator[tuple[str, str]]:
    """(target, where) for every transition a state declares: Next, Default, Choices, Catch."""
    if not isinstance(state, Mapping):
        return
    for key in ("Next", "Default"):
        if isinstance(state.get(key), str):
            yield state[key], key
    for key in ("Choices", "Catch"):
        items = state.get(key)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, Mapping) and isinstance(item.get("Next"), str):
                yield item["Next"], f"{key}[{index}].Next"


def _unreachable(start: Any, targets: Mapping[str, list[str]], states: Mapping[str, Any]) -> list[str]:
    if not isinstance(start, str) or start not in states:
        return []
    seen, todo = {start}, [start]
    while todo:
        for target in targets.get(todo.pop(), []):
            if target in states and target not in seen:
                seen.add(target)
                todo.append(target)
    return [name for name in states if name not in seen]
