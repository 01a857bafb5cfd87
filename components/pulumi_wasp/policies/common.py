"""What every rule shares: the rule record, unknown-value handling, exemptions, message wording and
resource matching through property dependencies and ARNs.

A rule module declares :class:`Rule` records (a small check function plus its description, level,
remediation, pillar and config); :func:`compose` turns them into pulumi_policy policies bound to one
:class:`ExemptionBook`, preceded by the advisory ``exemptions`` policy that reports every exemption.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    proxy,
)

from pulumi_wasp.adapters.pulumi_policy import (
    TARGET,
    DictProxy,
    ListProxy,
    UnknownValueError,
    remediation,
    replaced_inputs,
)

from . import metadata

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

EXEMPTIONS_POLICY = "exemptions"
EXEMPT_TAG_PREFIX = "policy-exempt:"
MIN_REASON_LENGTH = 10
# Message prefixes the preview (and anyone grepping CLI output) recognises.
EXEMPTED = "exempted from"
NOT_EVALUATED = "not evaluated"

Config = Mapping[str, Any]


class NotEvaluated(Exception):  # noqa: N818 - an outcome, like pulumi_policy's UnknownValueError
    """A value the rule needs is not known yet (first preview): the rule is not evaluated, never violated."""


# -- Reading properties ---------------------------------------------------------------------------------


def raw(value: Any) -> Any:
    """Plain JSON data from pulumi_policy's unknown-checking proxies (unknowns stay as their sentinels)."""
    # Exact type checks: ABC isinstance checks dominate the cost of walking large stacks.
    kind = type(value)
    if kind is DictProxy or kind is ListProxy:
        value = value[TARGET]
        kind = type(value)
    if kind is dict or (kind is not str and isinstance(value, Mapping)):
        return {key: raw(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [raw(item) for item in value]
    return value


def raw_get(props: Mapping[str, Any], key: str) -> Any:
    """``props[key]`` without the unknown check (for indexes that skip unknowns themselves)."""
    target = props[TARGET] if type(props) is DictProxy else props
    return target.get(key)


class Res:
    """One resource as a rule sees it: inputs (per-resource rules) or outputs (stack rules)."""

    __slots__ = ("_tags", "deps", "name", "props", "provider_props", "type", "urn")

    def __init__(
        self,
        name: str,
        type_: str,
        urn: str,
        props: Mapping[str, Any],
        deps: Mapping[str, Sequence[str]] | None = None,
        provider_props: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.type = type_
        self.urn = urn
        self.props = props
        self.deps = deps or {}
        self.provider_props = provider_props or {}
        self._tags: dict[str, Any] | None = None

    @property
    def tags(self) -> dict[str, Any]:
        """The resource's tags as plain data ({} when unknown)."""
        if self._tags is None:
            try:
                tags = self.get("tags")
            except UnknownValueError:
                tags = None
            self._tags = raw(tags) if isinstance(tags, Mapping) else {}
        return self._tags

    @property
    def label(self) -> str:
        return f"{self.name} ({self.type})"

    def get(self, *path: str | int, default: Any = None) -> Any:
        """The value at ``path`` or ``default`` when any step is missing; raises UnknownValueError on unknowns."""
        value: Any = self.props
        for step in path:
            if isinstance(step, int):
                if not isinstance(value, Sequence) or isinstance(value, str) or step >= len(value):
                    return default
            elif not isinstance(value, Mapping) or step not in value:
                return default
            value = value[step]
        return default if value is None else value

    def known(self, *path: str) -> Any:
        """Like :meth:`get` but a physical identifier the rule cannot do without: missing means not evaluated."""
        value = self.get(*path)
        if value is None:
            raise NotEvaluated(f"{self.label}: {'.'.join(path)} is not known yet")
        return value


def number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def number_or(value: Any, default: float) -> float:
    """A number, or the AWS default that applies when it is not set."""
    found = number(value)
    return default if found is None else found


def json_doc(value: Any) -> Any:
    """A JSON document given as a string (policies, redrive policies, ASL) or already as data."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return raw(value)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return [value]


TLS_WANTED = 'a Deny statement for {"Bool": {"aws:SecureTransport": "false"}}'


def denies_insecure_transport(doc: object) -> bool:
    """The policy document has a Deny statement for requests without TLS (``aws:SecureTransport`` false)."""
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    for statement in as_list(statements):
        if not isinstance(statement, dict) or statement.get("Effect") != "Deny":
            continue
        condition = statement.get("Condition") or {}
        secure = (condition.get("Bool") or {}).get("aws:SecureTransport") if isinstance(condition, dict) else None
        if str(secure).lower() == "false":
            return True
    return False


def alarm_metrics(alarm: Res) -> Iterator[tuple[object, dict[str, object], str]]:
    """(metric name, dimensions, property) of a metric alarm's metric and of each of its metric queries."""
    yield alarm.get("metricName"), raw(alarm.get("dimensions")) or {}, "dimensions"
    for query in as_list(alarm.get("metricQueries")):
        metric = raw(query).get("metric") or {}
        yield metric.get("metricName"), metric.get("dimensions") or {}, "metricQueries"


# -- Messages -----------------------------------------------------------------------------------------


class Text(str):
    """A found value that is already prose (e.g. "Action \"*\""): shown as is, not quoted."""


def show(value: Any) -> str:
    """A found value as a message shows it."""
    if value is None:
        return "not set"
    if isinstance(value, Text):
        return str(value)
    value = raw(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else str(value)


def violation(res: Res, prop: str, found: Any, wanted: str, fix: str) -> str:
    """The one message shape: resource, property, value found, value wanted, fix."""
    return f"{res.label}: {prop} is {show(found)}; wanted {wanted}. Fix: {fix}"


def not_evaluated_line(res: Res | None, why: str) -> str:
    return f"{NOT_EVALUATED} ({res.urn if res else 'stack'}): {why}"


NOT_EVALUATED_RE = re.compile(rf"^{NOT_EVALUATED} \((?P<urn>[^)]*)\): (?P<why>.*)$")


# -- Rules ----------------------------------------------------------------------------------------------

ResourceCheck = Callable[[Res, Config], Iterable[str]]
#: A remediation: the inputs to change (top-level keys and their new values), or None when nothing applies.
ResourceFix = Callable[[Res, Config], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Finding:
    """A stack rule's violation: the resource to attach it to (None: the stack) and the message."""

    res: Res | None
    message: str


@dataclass(frozen=True)
class Rule:
    """One catalogue rule: its check and everything users read about it.

    ``types`` are the resource types the rule judges (its subjects: exemptions apply to them).
    ``config`` is the JSON schema of each config key, each with a ``default``.
    ``remediate`` (resource rules only) rewrites the resource's own inputs when pack config sets the policy's
    level to ``remediate``; off otherwise.
    """

    name: str
    description: str
    level: EnforcementLevel
    types: frozenset[str]
    fix: str
    pillar: str
    anchors: str
    check: ResourceCheck | None = None
    stack_check: Callable[[Stack, Config], Iterable[Finding]] | None = None
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    remediate: ResourceFix | None = None

    def __post_init__(self) -> None:
        if self.remediate is not None and self.stack_check is not None:
            raise ValueError(f"{self.name}: stack policies cannot remediate (pulumi_policy remediates one resource)")

    @property
    def kind(self) -> str:
        return "stack" if self.stack_check else "resource"

    def settings(self, given: Config | None) -> dict[str, Any]:
        """The schema defaults overlaid with the configured values (the CLI sends both; tests may send neither)."""
        return {**{key: spec["default"] for key, spec in self.config.items()}, **(given or {})}

    def schema(self) -> PolicyConfigSchema | None:
        return PolicyConfigSchema(properties={k: dict(v) for k, v in self.config.items()}) if self.config else None


def resource_rule(name: str, *, types: Iterable[str], **fields: Any) -> Callable[[ResourceCheck], Rule]:
    """Decorator: the decorated function is the per-resource check of a new rule."""

    def wrap(check: ResourceCheck) -> Rule:
        return Rule(name=name, types=frozenset(types), check=check, **fields)

    return wrap


def stack_rule(
    name: str, *, types: Iterable[str], **fields: Any
) -> Callable[[Callable[[Stack, Config], Iterable[Finding]]], Rule]:
    """Decorator: the decorated function is the whole-stack check of a new rule."""

    def wrap(check: Callable[[Stack, Config], Iterable[Finding]]) -> Rule:
        return Rule(name=name, types=frozenset(types), stack_check=check, **fields)

    return wrap


def integer(default: int, minimum: int = 0, maximum: int | None = None, description: str = "") -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "integer", "default": default, "minimum": minimum, "description": description}
    if maximum is not None:
        spec["maximum"] = maximum
    return spec


def string_list(default: Sequence[str], description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "default": list(default), "description": description}


#: Environments the production-only rules judge by default (a resource's environment tag names its stack's).
PRODUCTION_ENVIRONMENTS = ("prod", "production")


def environments_config(subjects: str, fallback: str = "") -> dict[str, dict[str, Any]]:
    """The config of a rule that judges only the ``subjects`` of some environments: which environments, and
    the tag naming a subject's (``fallback`` says what stands in when the tag is missing)."""
    where = f"a {subjects[:-1]}'s environment is its environment tag{fallback}"
    return {
        "environments": string_list(
            PRODUCTION_ENVIRONMENTS, f'Environments whose {subjects} the rule judges ("*": every one); {where}.'
        ),
        "environment_tag": {
            "type": "string",
            "minLength": 1,
            "default": "environment",
            "description": f"The tag naming a {subjects[:-1]}'s environment.",
        },
    }


def environment_of(res: Res, tag: str) -> str:
    """The environment ``res`` serves by its ``tag`` tag ("" without the tag). Unknown tags, or an unknown tag,
    raise UnknownValueError: the subject is not evaluated rather than taken for another environment."""
    return str(res.get("tags", tag) or "")


def in_environments(environment: str, config: Config) -> bool:
    """``environment`` is one of the configured ``environments`` (see :func:`environments_config`)."""
    wanted = set(config["environments"])
    return "*" in wanted or environment in wanted


# -- Exemptions -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exemption:
    rule: str
    reason: str
    source: str


def exemption_message(res: Res, exemption: Exemption) -> str:
    return f"{EXEMPTED} {exemption.rule}: {res.label}: {exemption.reason} (via {exemption.source})"


EXEMPTION_RE = re.compile(rf"^{EXEMPTED} (?P<rule>\S+): .*?: (?P<reason>.*) \(via (?P<source>[^()]*)\)$", re.S)


def exemption_entry_schema() -> dict[str, Any]:
    """The JSON schema of one configured exemption (the CLI validates it too)."""
    reason = {"type": "string", "minLength": MIN_REASON_LENGTH, "description": "Why the rule does not apply."}
    regex = {"type": "string", "format": "regex", "minLength": 1}
    return {
        "type": "object",
        "properties": {"urn_pattern": regex, "name_pattern": regex, "reason": reason},
        "required": ["reason"],
        "oneOf": [{"required": ["urn_pattern"]}, {"required": ["name_pattern"]}],
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class _Pattern:
    field: str
    regex: re.Pattern[str]
    source: str
    reason: str


class ExemptionBook:
    """The exemptions in force for one pack instance.

    Nothing is exempt until the ``exemptions`` policy has run (it runs first for every resource and loads the
    configured patterns): an exemption therefore takes effect only where it is also reported, and disabling
    the ``exemptions`` policy turns every exemption off rather than hiding them.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = {rule.name: rule for rule in rules}
        # The rules judging each type, in pack order (report runs for every resource: no scan of every rule).
        self._judging: dict[str, list[Rule]] = {}
        for rule in rules:
            for type_ in rule.types:
                self._judging.setdefault(type_, []).append(rule)
        self._order = {name: index for index, name in enumerate(self.rules)}
        self._patterns: dict[str, list[_Pattern]] | None = None
        self._loaded_from: Config | None = None

    def load(self, config: Config | None) -> None:
        config = config or {}
        if self._patterns is not None and config == self._loaded_from:
            return  # the same config as the previous resource's: most calls
        patterns: dict[str, list[_Pattern]] = {}
        for rule, entries in (config or {}).items():
            for index, entry in enumerate(entries or []):
                for field_name in ("urn_pattern", "name_pattern"):
                    if field_name in entry:
                        source = f"config exemptions.{rule}[{index}].{field_name} {entry[field_name]!r}"
                        pattern = _Pattern(field_name, re.compile(entry[field_name]), source, entry["reason"])
                        patterns.setdefault(rule, []).append(pattern)
        self._patterns = patterns
        self._loaded_from = json.loads(json.dumps(config))  # a copy: later changes to the caller's are new

    def find(self, rule: str, res: Res) -> Exemption | None:
        """The exemption of ``res`` from ``rule``, if one is in force."""
        if self._patterns is None:
            return None
        tag = res.tags.get(EXEMPT_TAG_PREFIX + rule)
        if isinstance(tag, str) and len(tag.strip()) >= MIN_REASON_LENGTH:
            return Exemption(rule, tag.strip(), f"tag {EXEMPT_TAG_PREFIX}{rule}")
        for pattern in self._patterns.get(rule, ()):
            if pattern.regex.search(res.urn if pattern.field == "urn_pattern" else res.name):
                return Exemption(rule, pattern.reason, pattern.source)
        return None

    def report(self, res: Res) -> Iterator[str]:
        """Every exemption of ``res`` and every exemption tag on it that is ignored, as advisory messages."""
        tagged = [key[len(EXEMPT_TAG_PREFIX) :] for key in res.tags if key.startswith(EXEMPT_TAG_PREFIX)]
        judging = self._judging.get(res.type, [])
        if tagged:
            extra = {name for name in tagged if name in self.rules} - {rule.name for rule in judging}
            judging = sorted([*judging, *(self.rules[name] for name in extra)], key=lambda r: self._order[r.name])
        for rule in judging:
            exemption = self.find(rule.name, res)
            if exemption:
                yield exemption_message(res, exemption)
        for key, value in res.tags.items():
            if not key.startswith(EXEMPT_TAG_PREFIX):
                continue
            rule_name = key[len(EXEMPT_TAG_PREFIX) :]
            if rule_name not in self.rules:
                known = "see the pack's README for policy names"
                yield f"{res.label}: tag {key} names no policy of this pack, so it exempts nothing ({known})"
            elif not isinstance(value, str) or len(value.strip()) < MIN_REASON_LENGTH:
                yield violation(
                    res,
                    f"tags.{key}",
                    value,
                    f"a reason of at least {MIN_REASON_LENGTH} characters",
                    f"write why {rule_name} does not apply as the tag's value; until then the rule still applies",
                )


# -- Stack view: matching through property dependencies and ARNs --------------------------------------------

# Output properties that carry a resource's physical identity (never its logical name).
IDENTITY_PROPS = ("arn", "id", "name", "url", "bucket", "invokeArn", "qualifiedArn", "streamArn")


class StackIndex:
    """One AnalyzeStack request's resources and the lookups rules match them by, built once for all stack rules."""

    def __init__(self, resources: Sequence[PolicyResource]) -> None:
        self.resources = [
            Res(
                r.name,
                r.resource_type,
                r.urn,
                r.props,
                {prop: [dep.urn for dep in deps] for prop, deps in r.property_dependencies.items()},
            )
            for r in resources
        ]
        self.by_urn = {res.urn: res for res in self.resources}
        self._by_type: dict[str, list[Res]] = {}
        for res in self.resources:
            self._by_type.setdefault(res.type, []).append(res)
        self._by_identity: dict[str, list[Res]] | None = None
        self._referrers: dict[str, list[tuple[Res, str]]] | None = None

    def of_type(self, *types: str) -> list[Res]:
        return [res for type_ in types for res in self._by_type.get(type_, ())]

    def targets(self, res: Res, prop: str, *types: str) -> list[Res]:
        """What ``res.prop`` points at: its property dependencies, else known identifiers in its value."""
        found = [self.by_urn[urn] for urn in res.deps.get(prop, ()) if urn in self.by_urn]
        if not found:
            found = [hit for text in _strings(res.get(prop)) for hit in self.identified_by(text)]
        return _unique(r for r in found if not types or r.type in types)

    def mentions(self, res: Res, prop: str, *types: str) -> list[Res]:
        """Everything ``res.prop`` points at: its property dependencies and the known identifiers in its value.

        Unlike :meth:`targets`, a value built from one resource's output that names another (``fn.arn`` plus
        ``":live"`` is the alias's ARN) counts both."""
        found = [self.by_urn[urn] for urn in res.deps.get(prop, ()) if urn in self.by_urn]
        found += [hit for text in _strings(res.get(prop)) for hit in self.identified_by(text)]
        return _unique(r for r in found if not types or r.type in types)

    def referrers(self, target: Res, *types: str) -> list[tuple[Res, str]]:
        """Resources (and the property) that point at ``target``, by property dependency or by its identifiers."""
        if self._referrers is None:
            self._referrers = self._index_referrers()
        return [(res, prop) for res, prop in self._referrers.get(target.urn, ()) if not types or res.type in types]

    def identified_by(self, text: str) -> list[Res]:
        if self._by_identity is None:
            self._by_identity = {}
            for res in self.resources:
                for prop in IDENTITY_PROPS:
                    value = raw_get(res.props, prop)
                    if isinstance(value, str) and value not in _UNKNOWNS:
                        self._by_identity.setdefault(value, []).append(res)
        return self._by_identity.get(text, [])

    def _index_referrers(self) -> dict[str, list[tuple[Res, str]]]:
        index: dict[str, list[tuple[Res, str]]] = {}
        for res in self.resources:
            seen: set[tuple[str, str]] = set()
            for prop, urns in res.deps.items():
                for urn in urns:
                    seen.add((urn, prop))
            for prop, value in raw(res.props).items():
                for text in _strings(value):
                    for hit in self.identified_by(text):
                        if hit is not res:
                            seen.add((hit.urn, prop))
            for urn, prop in sorted(seen):
                index.setdefault(urn, []).append((res, prop))
        return index


class StackIndexCache:
    """Shares one :class:`StackIndex` between the stack rules of an AnalyzeStack call.

    The servicer hands each stack policy its own copies of the same resources; a new Analyze pass (the
    ``exemptions`` policy runs first in each) starts a new generation, so a later stack is indexed afresh.
    """

    def __init__(self) -> None:
        self._generation = 0
        self._key: tuple[int, tuple[str, ...]] | None = None
        self._index: StackIndex | None = None

    def analyzing(self) -> None:
        if self._key is not None and self._key[0] == self._generation:
            self._generation += 1

    def get(self, resources: Sequence[PolicyResource]) -> StackIndex:
        key = (self._generation, tuple(r.urn for r in resources))
        if self._index is None or key != self._key:
            self._index, self._key = StackIndex(resources), key
        return self._index


class Stack:
    """The stack as one stack rule sees it: the shared index, plus the rule's exemptions and unknowns."""

    def __init__(self, index: StackIndex, rule: str, book: ExemptionBook) -> None:
        self.index = index
        self.rule = rule
        self.book = book
        self.by_urn = index.by_urn
        self.of_type = index.of_type
        self.targets = index.targets
        self.mentions = index.mentions
        self.referrers = index.referrers
        self.identified_by = index.identified_by
        self.not_evaluated: list[str] = []

    def each(self, types: Iterable[str], check: Callable[[Res], Iterable[str]]) -> Iterator[Finding]:
        """Run ``check`` on every non-exempt subject; unknown values make that subject "not evaluated"."""
        for res in self.of_type(*types):
            if self.book.find(self.rule, res):
                continue
            try:
                messages = list(check(res))
            except (UnknownValueError, NotEvaluated) as exc:
                self.not_evaluated.append(not_evaluated_line(res, _why(exc)))
                continue
            yield from (Finding(res, message) for message in messages)

    def exempt(self, res: Res) -> bool:
        return self.book.find(self.rule, res) is not None

    def tls_only(self, types: Iterable[str], policy_type: str, prop: str, what: str, fix: str) -> Iterator[Finding]:
        """Each subject whose inline ``policy``, and every ``policy_type`` resource pointing at it through
        ``prop``, fails to deny requests without TLS."""

        def check(res: Res) -> Iterator[str]:
            docs = [json_doc(res.get("policy"))]
            docs += [json_doc(p.get("policy")) for p, via in self.referrers(res, policy_type) if via == prop]
            if not any(denies_insecure_transport(doc) for doc in docs):
                yield violation(res, what, None, TLS_WANTED, fix)

        return self.each(types, check)


_UNKNOWNS = frozenset(
    (
        proxy.UNKNOWN_BOOLEAN_VALUE,
        proxy.UNKNOWN_NUMBER_VALUE,
        proxy.UNKNOWN_STRING_VALUE,
        proxy.UNKNOWN_ARRAY_VALUE,
        proxy.UNKNOWN_ASSET_VALUE,
        proxy.UNKNOWN_ARCHIVE_VALUE,
        proxy.UNKNOWN_OBJECT_VALUE,
    )
)


def is_unknown(value: Any) -> bool:
    """``value`` is one of the engine's sentinels for a value computed once the resources exist."""
    return isinstance(value, str) and value in _UNKNOWNS


def _strings(value: Any) -> Iterator[str]:
    """Every string inside ``value``, including inside JSON documents held in strings (policies, redrives)."""
    return _plain_strings(raw(value))


def _plain_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value in _UNKNOWNS:
            return
        yield value
        if value[:1] in "{[":
            doc = json_doc(value)
            if doc is not None:
                yield from _plain_strings(doc)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _plain_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _plain_strings(item)


def _unique(items: Iterable[Res]) -> list[Res]:
    seen: dict[str, Res] = {}
    for res in items:
        seen.setdefault(res.urn, res)
    return list(seen.values())


def _why(exc: Exception) -> str:
    if isinstance(exc, UnknownValueError):
        return f"{exc.message} (computed when the resources exist)"
    return f"{exc} (computed when the resources exist)"


# -- Policies -----------------------------------------------------------------------------------------------


def _published(name: str, pillar: str) -> dict[str, Any]:
    """The metadata every policy publishes besides its description and level (see :mod:`.metadata`)."""
    return {
        "severity": metadata.severity(name),
        "framework": metadata.framework(pillar),
        "url": metadata.url(name),
        "tags": [pillar],
    }


class ResourcePolicy(ResourceValidationPolicy):
    """A per-resource rule as CrossGuard runs it."""

    def __init__(self, rule: Rule, book: ExemptionBook) -> None:
        super().__init__(
            rule.name,
            rule.description,
            enforcement_level=rule.level,
            config_schema=rule.schema(),
            remediation_steps=rule.fix,
            remediate=remediation(self._remediate) if rule.remediate else None,
            **_published(rule.name, rule.pillar),
        )
        self.rule = rule
        self.book = book

    def validate(self, args: ResourceValidationArgs, report_violation: ReportViolation) -> None:  # type: ignore[override]
        if args.resource_type not in self.rule.types:
            return
        provider = args.provider.props if args.provider else None
        res = Res(args.name, args.resource_type, args.urn, args.props, provider_props=provider)
        if self.book.find(self.rule.name, res):
            return  # the exemptions policy reports it
        assert self.rule.check is not None
        try:
            messages = list(self.rule.check(res, self.rule.settings(args.get_config())))
        except (UnknownValueError, NotEvaluated) as exc:
            args.not_applicable(not_evaluated_line(res, _why(exc)))
            return
        for message in messages:
            report_violation(message, None)

    def _remediate(self, args: ResourceValidationArgs) -> Mapping[str, Any] | None:
        """The resource's inputs with the rule's fix applied; None leaves them as they are."""
        if args.resource_type not in self.rule.types:
            return None
        provider = args.provider.props if args.provider else None
        res = Res(args.name, args.resource_type, args.urn, args.props, provider_props=provider)
        # The engine remediates and analyzes the root stack first, so the exemptions policy has loaded the
        # configured exemptions by now; with that policy disabled nothing is exempt, here as in validate.
        if self.book.find(self.rule.name, res):
            return None  # an exemption is a decision: a fix never overrides it
        assert self.rule.remediate is not None
        try:
            changes = self.rule.remediate(res, self.rule.settings(args.get_config()))
        except (UnknownValueError, NotEvaluated) as exc:
            args.not_applicable(not_evaluated_line(res, _why(exc)))
            return None
        return replaced_inputs(args.props, changes) if changes else None


class StackPolicy(StackValidationPolicy):
    """A whole-stack rule as CrossGuard runs it."""

    def __init__(self, rule: Rule, book: ExemptionBook, indexes: StackIndexCache) -> None:
        super().__init__(
            rule.name,
            rule.description,
            enforcement_level=rule.level,
            config_schema=rule.schema(),
            remediation_steps=rule.fix,
            **_published(rule.name, rule.pillar),
        )
        self.rule = rule
        self.book = book
        self.indexes = indexes

    def validate(self, args: StackValidationArgs, report_violation: ReportViolation) -> None:  # type: ignore[override]
        stack = Stack(self.indexes.get(args.resources), self.rule.name, self.book)
        assert self.rule.stack_check is not None
        try:
            findings = list(self.rule.stack_check(stack, self.rule.settings(args.get_config())))
        except (UnknownValueError, NotEvaluated) as exc:
            stack.not_evaluated.append(not_evaluated_line(None, _why(exc)))
            findings = []
        for finding in findings:
            report_violation(finding.message, finding.res.urn if finding.res else None)
        if stack.not_evaluated:
            # Violations already reported stay; the rest of the stack is listed as not evaluated.
            args.not_applicable("\n".join(stack.not_evaluated))


class ExemptionsPolicy(ResourceValidationPolicy):
    """Reports every exemption (and every ignored exemption tag) as an advisory diagnostic.

    It must run before the rules for each resource: :func:`compose` puts it first.
    """

    def __init__(self, book: ExemptionBook, indexes: StackIndexCache) -> None:
        entries = {"type": "array", "items": exemption_entry_schema()}
        super().__init__(
            EXEMPTIONS_POLICY,
            "Exemptions in force: each names the rule, the resource and the reason.",
            enforcement_level=ADVISORY,
            config_schema=PolicyConfigSchema(properties={name: dict(entries) for name in book.rules}),
            remediation_steps=(
                "Nothing to fix: review that each reason still holds. Exempt with a resource tag "
                f"'{EXEMPT_TAG_PREFIX}<policy>' whose value is the reason (at least {MIN_REASON_LENGTH} characters), "
                'or in pack config: {"exemptions": {"<policy>": [{"name_pattern": "...", "reason": "..."}]}}.'
            ),
            **_published(EXEMPTIONS_POLICY, "operational-excellence"),
        )
        self.book = book
        self.indexes = indexes

    def validate(self, args: ResourceValidationArgs, report_violation: ReportViolation) -> None:  # type: ignore[override]
        self.indexes.analyzing()
        self.book.load(args.get_config())
        for message in self.book.report(Res(args.name, args.resource_type, args.urn, args.props)):
            report_violation(message, None)


def compose(*groups: Sequence[Rule]) -> list[Policy]:
    """The pack's policies: the exemptions reporter first, then every rule, bound to one exemption book."""
    rules = [rule for group in groups for rule in group]
    names = [rule.name for rule in rules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"duplicate policy names: {', '.join(duplicates)}")
    book, indexes = ExemptionBook(rules), StackIndexCache()
    policies: list[Policy] = [ExemptionsPolicy(book, indexes)]
    for rule in rules:
        policies.append(StackPolicy(rule, book, indexes) if rule.stack_check else ResourcePolicy(rule, book))
    return policies
