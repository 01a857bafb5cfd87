"""IAM condition operators, and the condition keys the local cloud can evaluate from a request.

An applicable statement that names a key outside :data:`SUPPORTED_KEYS` is not guessed at: the request is
denied and the key is named in the denial (:mod:`pulumi_wasp.localcloud.iam.policy`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

#: The keys a request context carries locally (IAM compares keys case-insensitively): the principal's
#: (its ARN, account, type), the delivering service's (``aws:SourceArn`` /
#: ``aws:SourceAccount`` of an SNS, EventBridge, S3 or Scheduler delivery, ``aws:PrincipalServiceName``),
#: the request's (region, time, ``aws:SecureTransport``: the SDKs reach AWS over TLS only; loopback HTTP
#: stands in for that endpoint, so it is true as on AWS), the resource's account, and the keys a request
#: sets itself (``cloudwatch:namespace`` of PutMetricData; ``kms:ViaService``, ``kms:CallerAccount`` and the
#: encryption context of the KMS calls SQS, SNS, S3, Kinesis and Step Functions make with a resource's customer-managed
#: key for its caller or a state machine's role; S3's ``aws:s3:arn`` context is not set: a statement naming it is
#: denied as unsupported). ``kms:EncryptionContext:SourceArn`` is the context of CloudWatch Logs' vended log
#: delivery, which the local cloud does not emulate: no KMS call it evaluates carries it, as none of those does on
#: AWS, so a statement conditioned on it does not apply to them.
SUPPORTED = (
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalType",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalServiceName",
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SecureTransport",
    "aws:RequestedRegion",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:ResourceAccount",
    "cloudwatch:namespace",
    "kms:ViaService",
    "kms:CallerAccount",
    "kms:EncryptionContext:aws:sqs:arn",
    "kms:EncryptionContext:aws:sns:topicArn",
    "kms:EncryptionContext:aws:kinesis:arn",
    "kms:EncryptionContext:aws:states:stateMachineArn",
    "kms:EncryptionContext:SourceArn",
    "kms:EncryptionContext:aws:lambda:FunctionArn",
    "kms:EncryptionContext:aws:logs:arn",
    "kms:EncryptionContext:aws:dynamodb:tableName",
    "kms:EncryptionContext:aws:dynamodb:subscriberId",
)
SUPPORTED_KEYS = frozenset(key.lower() for key in SUPPORTED)

Context = Mapping[str, str | list[str]]


class UnsupportedOperatorError(ValueError):
    """A condition operator IAM does not define."""


def _strings(values: Any) -> list[str]:
    items = values if isinstance(values, list) else [values]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items]


@lru_cache(maxsize=4096)
def _like(pattern: str, case: bool = True) -> re.Pattern[str]:
    # IAM's * and ? (no character classes), and policy variables are not expanded locally.
    text = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(text, re.S if case else re.S | re.I)


def _arn_like(value: str, pattern: str) -> bool:
    """ArnEquals and ArnLike: "each of the six colon-delimited components of the ARN is checked separately" (a
    wildcard never spans a colon of the first five; the resource part keeps its own colons), IAM's condition
    operators reference,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html."""
    values, patterns = value.split(":", 5), pattern.split(":", 5)
    if len(patterns) < len(values) and pattern.endswith("*"):
        # A pattern of fewer parts ending in a wildcard ("*", "arn:aws:sqs:*") covers the rest of the ARN.
        return _like(pattern).fullmatch(value) is not None
    return len(values) == len(patterns) and all(_like(p).fullmatch(v) for v, p in zip(values, patterns, strict=True))


def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> float:
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


_Compare = Callable[[str, str], bool]
_COMPARISONS: dict[str, _Compare] = {
    "stringequals": lambda v, p: v == p,
    "stringequalsignorecase": lambda v, p: v.lower() == p.lower(),
    "stringlike": lambda v, p: _like(p).fullmatch(v) is not None,
    "arnequals": _arn_like,
    "arnlike": _arn_like,
    "numericequals": lambda v, p: _number(v) == _number(p),
    "numericlessthan": lambda v, p: _number(v) < _number(p),
    "numericlessthanequals": lambda v, p: _number(v) <= _number(p),
    "numericgreaterthan": lambda v, p: _number(v) > _number(p),
    "numericgreaterthanequals": lambda v, p: _number(v) >= _number(p),
    "dateequals": lambda v, p: _date(v) == _date(p),
    "datelessthan": lambda v, p: _date(v) < _date(p),
    "datelessthanequals": lambda v, p: _date(v) <= _date(p),
    "dategreaterthan": lambda v, p: _date(v) > _date(p),
    "dategreaterthanequals": lambda v, p: _date(v) >= _date(p),
    "bool": lambda v, p: v.lower() == p.lower(),
    "binaryequals": lambda v, p: v == p,
}
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
    "numericnotequals": "numericequals",
    "datenotequals": "dateequals",
}


def condition_keys(condition: Mapping[str, Any]) -> list[str]:
    """Every key a statement's Condition block names."""
    return [key for block in condition.values() if isinstance(block, Mapping) for key in block]


def unsupported_keys(condition: Mapping[str, Any]) -> list[str]:
    return sorted({key for key in condition_keys(condition) if key.lower() not in SUPPORTED_KEYS})


def holds(condition: Mapping[str, Any], context: Context) -> bool:
    """Every operator of the block holds (AND), each key of an operator holds (AND), any of its
    policy values matches (OR), as IAM evaluates a Condition. Keys are looked up case-insensitively."""
    lowered = {k.lower(): v for k, v in context.items()}
    return all(_operator_holds(operator, block, lowered) for operator, block in condition.items())


def _operator_holds(operator: str, block: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    name = operator.lower()
    qualifier = ""
    for prefix in ("forallvalues:", "foranyvalue:"):
        if name.startswith(prefix):
            qualifier, name = prefix[:-1], name[len(prefix) :]
    if_exists = name.endswith("ifexists")
    name = name.removesuffix("ifexists")
    for key, policy_values in block.items():
        present = context.get(key.lower())
        if name == "null":
            expected = _strings(policy_values)[0] == "true"
            if (present is None) != expected:
                return False
            continue
        negated = name in _NEGATED
        compare = _COMPARISONS.get(_NEGATED.get(name, name))
        if compare is None:
            raise UnsupportedOperatorError(operator)
        if present is None:
            # A missing key: only IfExists and the negated operators hold, as IAM documents.
            if not (if_exists or negated):
                return False
            continue
        values = _strings(present)
        patterns = _strings(policy_values)

        def matches(value: str, compare: _Compare = compare, patterns: list[str] = patterns) -> bool:
            return any(compare(value, pattern) for pattern in patterns)

        result = all(matches(v) for v in values) if qualifier == "forallvalues" else any(matches(v) for v in values)
        if negated:
            result = not result
        if not result:
            return False
    return True
