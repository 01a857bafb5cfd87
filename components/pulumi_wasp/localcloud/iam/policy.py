"""IAM's evaluation of one request against identity and resource policies (same account).

Explicit Deny in any policy wins; otherwise the request is allowed when an identity policy of the principal
or a resource policy naming it allows it; otherwise it is implicitly denied. A resource policy naming the
account (``arn:aws:iam::<account>:root`` or the bare account id) delegates to IAM: it allows nothing by itself
but its Deny applies to every principal of the account. A KMS key policy is required, as KMS requires it: a key
is used only when its policy allows the principal itself, or names the account (delegating to IAM) and an
identity policy allows too; an identity policy alone never lets a principal use a key. Action and Resource
wildcards (``*``, ``?``), NotAction, NotResource and NotPrincipal are evaluated; policy variables
(``${aws:username}``) are not (a statement using one in its Resource matches only the literal text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

from pulumi_wasp.localcloud.iam.conditions import Context, UnsupportedOperatorError, holds, unsupported_keys


class Effect(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"
    UNSUPPORTED = "unsupported condition"


@dataclass(frozen=True)
class Principal:
    """Who makes a request: a role session (``arn``: its assumed-role ARN) or an AWS service
    (``service``: ``sns.amazonaws.com``) delivering on its own behalf."""

    account: str
    arn: str = ""
    role_arn: str = ""
    service: str = ""

    @property
    def name(self) -> str:
        return self.arn or self.service


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[re.Pattern[str], ...]
    not_actions: tuple[re.Pattern[str], ...]
    resources: tuple[re.Pattern[str], ...]
    not_resources: tuple[re.Pattern[str], ...]
    #: Resource policies only: AWS principals, service principals, NotPrincipal; None: an identity policy.
    principals: tuple[str, ...] | None
    services: tuple[str, ...]
    not_principal: bool
    condition: Mapping[str, Any]
    unsupported: tuple[str, ...]

    def applies_to(self, action: str, resource: str) -> bool:
        if self.actions and not any(p.fullmatch(action) for p in self.actions):
            return False
        if self.not_actions and any(p.fullmatch(action) for p in self.not_actions):
            return False
        if self.resources and not any(p.fullmatch(resource) for p in self.resources):
            return False
        return not (self.not_resources and any(p.fullmatch(resource) for p in self.not_resources))

    def names(self, principal: Principal, *, for_deny: bool) -> bool:
        """A resource policy statement names ``principal`` (an account principal only for Deny: see module)."""
        if self.principals is None:
            return True
        named = _names(self.principals, self.services, principal, for_deny=for_deny or self.not_principal)
        return not named if self.not_principal else named

    def delegates(self, principal: Principal) -> bool:
        """A resource policy statement naming the principal's account (``:root`` or the id): IAM decides."""
        if self.principals is None or self.not_principal or principal.service:
            return False
        return any(arn in (principal.account, f"arn:aws:iam::{principal.account}:root") for arn in self.principals)


def _names(arns: tuple[str, ...], services: tuple[str, ...], principal: Principal, *, for_deny: bool) -> bool:
    if principal.service:
        return principal.service in services or "*" in arns
    for arn in arns:
        if arn == "*" or arn in (principal.arn, principal.role_arn):
            return True
        if for_deny and arn in (principal.account, f"arn:aws:iam::{principal.account}:root"):
            return True
    return False


@dataclass(frozen=True)
class Decision:
    effect: Effect
    #: Where the deciding statement was: "identity-based" or "resource-based" (for the denial message).
    policy_kind: str = ""
    unsupported: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.effect is Effect.ALLOW


@dataclass
class Policies:
    """The compiled policies a decision reads: the principal's identity policies and the resource's policy."""

    identity: list[Statement] = field(default_factory=list)
    resource: list[Statement] = field(default_factory=list)
    #: The resource policy is a KMS key policy: it must allow (see module), an identity Allow alone does not.
    key_policy: bool = False


def evaluate(policies: Policies, principal: Principal, action: str, resource: str, context: Context) -> Decision:
    """IAM's decision for ``principal`` performing ``action`` on ``resource`` with ``context``."""
    action = action.lower()
    allowed: set[str] = set()
    delegated = False
    unsupported: list[str] = []
    for kind, statements in (("identity-based", policies.identity), ("resource-based", policies.resource)):
        for statement in statements:
            deny = statement.effect == "Deny"
            if not statement.applies_to(action, resource):
                continue
            named = statement.names(principal, for_deny=deny)
            delegating = not named and policies.key_policy and not deny and statement.delegates(principal)
            if not named and not delegating:
                continue
            if statement.unsupported:
                unsupported.extend(statement.unsupported)
                continue
            try:
                if not holds(statement.condition, context):
                    continue
            except (UnsupportedOperatorError, ValueError):
                unsupported.extend(_operators(statement.condition))
                continue
            if deny:
                return Decision(Effect.EXPLICIT_DENY, kind)
            if delegating:
                delegated = True
            else:
                allowed.add(kind)
    if unsupported:
        return Decision(Effect.UNSUPPORTED, unsupported=tuple(sorted(set(unsupported))))
    if policies.key_policy:
        return _key_decision(allowed, delegated)
    if allowed:
        return Decision(Effect.ALLOW, "identity-based" if "identity-based" in allowed else "resource-based")
    return Decision(Effect.IMPLICIT_DENY, "identity-based" if principal.arn else "resource-based")


def _key_decision(allowed: set[str], delegated: bool) -> Decision:
    """KMS: the key policy allows the principal, or delegates to the account and an identity policy allows."""
    if "resource-based" in allowed:
        return Decision(Effect.ALLOW, "resource-based")
    if delegated and "identity-based" in allowed:
        return Decision(Effect.ALLOW, "identity-based")
    return Decision(Effect.IMPLICIT_DENY, "identity-based" if delegated else "resource-based")


def _operators(condition: Mapping[str, Any]) -> list[str]:
    return [f"{operator} (operator)" for operator in condition]


# -- Compiling ---------------------------------------------------------------------------------------------------


def compile_document(document: str | Mapping[str, Any] | None, *, resource_policy: bool) -> list[Statement]:
    """A policy document (JSON text, URL-encoded as IAM stores it, or parsed) as statements.

    Raises ValueError naming the problem for a document that is not a policy."""
    if document is None or document == "":
        return []
    parsed = _parse(document) if isinstance(document, str) else document
    raw = parsed.get("Statement", [])
    return [_statement(s, resource_policy) for s in (raw if isinstance(raw, list) else [raw])]


@lru_cache(maxsize=1024)
def _parse(text: str) -> Mapping[str, Any]:
    from urllib.parse import unquote

    for candidate in (text, unquote(text)):
        try:
            parsed = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(parsed, Mapping):
            return parsed
    raise ValueError(f"not a policy document: {text[:80]!r}")


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


@lru_cache(maxsize=8192)
def _wildcard(pattern: str, case: bool) -> re.Pattern[str]:
    text = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(text, re.S if case else re.S | re.I)


def _statement(raw: Mapping[str, Any], resource_policy: bool) -> Statement:
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise ValueError(f"statement {raw.get('Sid', '')!r}: Effect must be Allow or Deny, got {effect!r}")
    principals: tuple[str, ...] | None = None
    services: tuple[str, ...] = ()
    not_principal = "NotPrincipal" in raw
    if resource_policy:
        named = raw.get("NotPrincipal") if not_principal else raw.get("Principal")
        arns, service_names = _principal(named)
        principals, services = tuple(arns), tuple(service_names)
    condition = raw.get("Condition") or {}
    return Statement(
        effect=effect,
        actions=tuple(_wildcard(a.lower(), True) for a in _list(raw.get("Action"))),
        not_actions=tuple(_wildcard(a.lower(), True) for a in _list(raw.get("NotAction"))),
        resources=tuple(_wildcard(r, True) for r in _list(raw.get("Resource"))),
        not_resources=tuple(_wildcard(r, True) for r in _list(raw.get("NotResource"))),
        principals=principals,
        services=services,
        not_principal=not_principal,
        condition=condition,
        unsupported=tuple(unsupported_keys(condition)),
    )


def _principal(named: Any) -> tuple[Iterable[str], Iterable[str]]:
    if named is None:
        return [], []
    if named == "*":
        return ["*"], []
    if not isinstance(named, Mapping):
        raise ValueError(f"Principal must be '*' or an object, got {named!r}")
    return _list(named.get("AWS")), _list(named.get("Service"))
