"""IAM: identity and resource policy statements checked against AWS's Service Authorization Reference.

A statement that names an action that does not exist, or an ARN of a kind its action does not take, or a
condition key that never reaches the request context, grants (or denies) nothing, and nothing but AWS says so.
The reference is :mod:`pulumi_wasp.iam_reference`, read only for the services a policy names.

How broad a grant is (``Resource: "*"`` on an action that takes ARNs) is not this rule's concern: ``*`` names
every resource, which is valid IAM; for Lambda execution roles ``lambda-no-wildcard-iam`` reports the breadth.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import iam_reference
from ..iam_reference import Action
from .aws_types import (
    BUCKET_POLICY,
    EVENT_BUS_POLICY,
    IAM_POLICY,
    KMS_KEY,
    QUEUE,
    QUEUE_POLICY,
    ROLE,
    ROLE_POLICY,
    TOPIC,
    TOPIC_POLICY,
)
from .common import (
    MANDATORY,
    Config,
    NotEvaluated,
    Res,
    Text,
    as_list,
    is_unknown,
    json_doc,
    raw,
    resource_rule,
    violation,
)

#: Every resource type whose ``policy`` input is a policy document (a role keeps its own in ``inlinePolicies``).
POLICY_HOLDERS = (
    ROLE_POLICY,
    IAM_POLICY,
    QUEUE_POLICY,
    TOPIC_POLICY,
    BUCKET_POLICY,
    KMS_KEY,
    QUEUE,
    TOPIC,
    EVENT_BUS_POLICY,
)


@dataclass(frozen=True)
class _Statement:
    res: Res
    #: Where it is, e.g. ``policy Statement[2] (Sid "ReadOrders")``.
    where: str
    body: dict[str, Any]

    @property
    def verb(self) -> str:
        return "denies" if self.body.get("Effect") == "Deny" else "grants"

    def finding(self, found: str, wanted: str, fix: str) -> str:
        return violation(self.res, self.where, Text(found), wanted, fix)


@resource_rule(
    "iam-statements-valid",
    types=[ROLE, *POLICY_HOLDERS],
    description="IAM statements (role, managed, queue, topic, bucket, key and bus policies) name actions, ARNs and "
    "condition keys that AWS's Service Authorization Reference accepts together, so each grants what it says.",
    level=MANDATORY,
    fix="Name existing actions; give each action ARNs of a resource type it accepts (actions that accept only "
    'Resource "*" in a statement of their own); use condition keys the action or its resource types support.',
    pillar="security",
    anchors="Parliament (UNKNOWN_ACTION, RESOURCE_MISMATCH, UNKNOWN_CONDITION_FOR_ACTION), IAM Access Analyzer "
    "policy validation; not AwsSolutions-IAM5 (wildcards: lambda-no-wildcard-iam)",
)
def statements_valid(res: Res, config: Config) -> Iterator[str]:
    messages: list[str] = []
    unknown: list[str] = []
    for where, text in _documents(res):
        if is_unknown(text):
            unknown.append(f"{where} is not known yet")
            continue
        document = json_doc(text)
        if not isinstance(document, dict):
            messages.append(
                violation(res, where, Text("not a JSON policy document"), "a policy document", "fix the JSON")
            )
            continue
        for statement in _statements(res, where, document):
            if _holds_unknown(statement.body):
                unknown.append(f"{statement.where} holds a value not known yet")
                continue
            messages.extend(_check(statement))
    if unknown and not messages:
        raise NotEvaluated(f"{res.label}: {'; '.join(unknown)}")
    yield from messages


def _documents(res: Res) -> Iterator[tuple[str, Any]]:
    """(where, document as JSON text or data) for each policy document of ``res``."""
    if res.type == ROLE:
        for index, inline in enumerate(as_list(raw(res.get("inlinePolicies")))):
            if isinstance(inline, dict) and inline.get("policy"):
                yield f"inlinePolicies[{inline.get('name') or index}]", inline["policy"]
        return
    policy = res.get("policy")
    if policy:
        yield "policy", raw(policy)


def _statements(res: Res, where: str, document: Any) -> Iterator[_Statement]:
    body = document.get("Statement") if isinstance(document, dict) else None
    for index, statement in enumerate(as_list(body)):
        if isinstance(statement, dict):
            sid = f' (Sid "{statement["Sid"]}")' if statement.get("Sid") else ""
            yield _Statement(res, f"{where} Statement[{index}]{sid}", statement)


def _holds_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_holds_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_unknown(item) for item in value)
    return is_unknown(value)


# -- The checks ----------------------------------------------------------------------------------------------


def _check(statement: _Statement) -> Iterator[str]:
    negated = "NotAction" in statement.body
    named = [a for a in as_list(statement.body.get("NotAction" if negated else "Action")) if isinstance(a, str)]
    resolved: list[tuple[str, list[Action]]] = []
    for action in named:
        matched, problem = _resolve(statement, action)
        if problem:
            yield problem
        elif matched:
            resolved.append((action, matched))
    if negated or "NotResource" in statement.body:
        # The statement applies to every action (resource) but those named: no pairing to hold to the reference.
        yield from _condition_keys_exist(statement)
        return
    yield from _resources(statement, resolved)
    if "*" in named:
        yield from _condition_keys_exist(statement)
    else:
        yield from _condition_keys(statement, resolved)


def _resolve(statement: _Statement, action: str) -> tuple[list[Action], str | None]:
    """The reference's actions ``action`` stands for, or the finding that it stands for none."""
    if action == "*":
        return [], None
    prefix, colon, name = action.partition(":")
    if not colon or not prefix or not name:
        return [], statement.finding(
            f"action {action!r}", '"<service prefix>:<action>"', "write the action as service:Action"
        )
    service = iam_reference.service(prefix)
    if service is None:
        return [], statement.finding(
            f"action {action!r}",
            f"an action of a service the Service Authorization Reference lists (it has no prefix {prefix!r})",
            "correct the service prefix (e.g. sqs, dynamodb, logs)",
        )
    matched = service.matching(name)
    if matched:
        return matched, None
    if iam_reference.has_wildcard(name):
        return [], statement.finding(
            f"wildcard action {action!r}",
            f"a pattern that matches at least one {prefix} action (it matches none, so it {statement.verb} nothing)",
            "correct the pattern or name the actions",
        )
    close = difflib.get_close_matches(name.lower(), list(service.actions), n=1)
    hint = f" (did you mean {prefix}:{service.actions[close[0]].name}?)" if close else ""
    return [], statement.finding(
        f"action {action!r}",
        f"an action the Service Authorization Reference lists for {prefix}{hint}",
        "name an existing action",
    )


def _resources(statement: _Statement, resolved: list[tuple[str, list[Action]]]) -> Iterator[str]:
    resources = [r for r in as_list(statement.body.get("Resource")) if isinstance(r, str)]
    if not resources:
        return
    star = "*" in resources
    arns = []
    for arn in (r for r in resources if r != "*"):
        # A wildcard may stand for the missing parts ("arn:aws:sqs:*"); otherwise an ARN has six.
        if arn.startswith("arn:") and (arn.count(":") >= 5 or "*" in arn):
            arns.append(arn)
        else:
            yield statement.finding(
                f"Resource {arn!r}", 'an ARN (arn:partition:service:region:account:resource) or "*"', "write the ARN"
            )
    for action, matched in resolved:
        if all(a.star_only for a in matched):
            if not star:
                yield statement.finding(
                    f"action {action!r} on {_shown(arns)}",
                    f'Resource "*": {_names(matched)} accepts no resource type, only "*", so this statement '
                    f"{statement.verb} nothing for it",
                    f'move {action} into a statement of its own with Resource "*"',
                )
            continue
        scoped = [a for a in matched if not a.star_only]
        for arn in arns:
            if not any(iam_reference.accepts(a, arn) for a in scoped):
                yield statement.finding(
                    f"action {action!r} on {arn!r}",
                    f"an ARN of a resource type {action} accepts ({_accepted(scoped)}); on this ARN the statement "
                    f"{statement.verb} nothing",
                    f"give {action} the ARN of the resource it acts on, or drop it from this statement",
                )


def _condition_keys(statement: _Statement, resolved: list[tuple[str, list[Action]]]) -> Iterator[str]:
    for operator, key in _condition_entries(statement):
        if iam_reference.is_global_condition_key(key):
            continue
        for action, matched in resolved:
            if any(a.accepts_condition(key) for a in matched):
                continue
            if len(matched) == 1 and operator.endswith("IfExists"):
                continue  # absent from the request context, the condition holds: nothing is lost
            yield statement.finding(
                f"condition key {key!r} with action {action!r}",
                f"an aws: global key or one the reference lists for {action} or its resource types "
                f"({_keys(matched)}); this key never reaches {action}'s request context",
                f"use a supported key, or move {action} into a statement without this condition",
            )


def _condition_keys_exist(statement: _Statement) -> Iterator[str]:
    """For statements that apply to actions they do not name: each key is global or one its service lists."""
    for _, key in _condition_entries(statement):
        prefix = key.partition(":")[0]
        service = iam_reference.service(prefix)
        if iam_reference.is_global_condition_key(key) or (service is not None and service.knows_condition(key)):
            continue
        yield statement.finding(
            f"condition key {key!r}",
            "an aws: global key or a condition key the Service Authorization Reference lists",
            "correct the key",
        )


def _condition_entries(statement: _Statement) -> Iterator[tuple[str, str]]:
    condition = statement.body.get("Condition")
    if not isinstance(condition, dict):
        return
    for operator, keys in condition.items():
        if isinstance(keys, dict):
            for key in keys:
                yield str(operator), str(key)


# -- Message parts --------------------------------------------------------------------------------------------


def _names(actions: list[Action]) -> str:
    return actions[0].qualified if len(actions) == 1 else f"each of the {len(actions)} actions it matches"


def _shown(arns: list[str]) -> str:
    return repr(arns[0]) if len(arns) == 1 else repr(arns)


def _accepted(actions: list[Action]) -> str:
    types = {rt.name: rt.arn for a in actions for rt in a.resource_types}
    return "; ".join(f"{name}: {arn}" for name, arn in sorted(types.items()))


def _keys(actions: list[Action]) -> str:
    keys = sorted(
        {k for a in actions for k in (*a.condition_keys, *(k for rt in a.resource_types for k in rt.condition_keys))}
    )
    return ", ".join(keys) if keys else "none"


RULES = (statements_valid,)
