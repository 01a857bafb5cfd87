"""A synthesized stack and its lookups by type, name, parent and component."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pulumi_wasp.synthesis.recording import Synthesis
from pulumi_wasp.testing.errors import AmbiguousError, NotFoundError, not_found
from pulumi_wasp.testing.resource import Resource
from pulumi_wasp.testing.wire import plain

if TYPE_CHECKING:
    from pulumi_wasp.preview.analysis import PolicyReport
    from pulumi_wasp.preview.pack import LoadedPack
    from pulumi_wasp.testing.findings import PolicyFindings

# ``package:module:Type``: what a type token looks like, so a misspelt one fails instead of matching nothing.
_TYPE_TOKEN = re.compile(r"^[A-Za-z0-9_.-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_]+$")

Component = Resource | str


class SynthesizedStack:
    """The resources one program registered, under the harness's mocks, in registration order.

    Example::

        stack = synthesize("infra", stack="dev")
        orders = stack.named("orders")                          # a component, by its logical name
        queue = stack.one("aws:sqs/queue:Queue", within=orders, name="orders-queue")
        assert queue.input("sqsManagedSseEnabled") is True
        assert not stack.preview().mandatory
    """

    def __init__(self, synthesis: Synthesis, policy_report: PolicyReport | None = None) -> None:
        #: The engine's own result (records in wire format, stack outputs, timing).
        self.synthesis = synthesis
        #: The pack's report when it ran in the engine (``synthesize(..., policy_config=...)``), else None.
        self.policy_report = policy_report
        self.resources = [Resource(record) for record in synthesis.resources]
        self._by_urn = {res.urn: res for res in self.resources}
        self._below: dict[str, frozenset[str]] | None = None

    @property
    def project(self) -> str:
        return self.synthesis.project

    @property
    def stack(self) -> str:
        return self.synthesis.stack

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def __repr__(self) -> str:
        return f"<SynthesizedStack {self.project}/{self.stack}: {len(self)} resources>"

    # -- stack outputs --------------------------------------------------------------------
    @property
    def exports(self) -> dict[str, Any]:
        """The stack outputs (``pulumi.export``) as plain values."""
        return plain(self.synthesis.stack_outputs)

    def export(self, name: str) -> Any:
        """One stack output as a plain value; :class:`NotFoundError` lists the exported names."""
        exports = self.exports
        if name not in exports:
            raise not_found("stack output", name, exports)
        return exports[name]

    # -- lookups --------------------------------------------------------------------------
    def by_urn(self, urn: str) -> Resource:
        if urn not in self._by_urn:
            raise not_found("resource with URN", urn, self._by_urn)
        return self._by_urn[urn]

    def of_type(self, type: str) -> list[Resource]:
        """Every resource of the type token (``aws:lambda/function:Function``), possibly none.

        A token that is not ``package:module:Type`` raises ``ValueError``: a typo must not match nothing.
        """
        _check_token(type)
        return [res for res in self.resources if res.type == type]

    def named(self, name: str, type: str | None = None) -> Resource:
        """The one resource with this logical name (and type, when a name repeats across types).

        :class:`NotFoundError` lists the closest names; :class:`AmbiguousError` the types that share the name.
        """
        if type is not None:
            _check_token(type)
        found = [res for res in self.resources if res.name == name and (type is None or res.type == type)]
        if len(found) == 1:
            return found[0]
        if found:
            types = ", ".join(sorted(res.type for res in found))
            raise AmbiguousError(f"{len(found)} resources named {name!r} ({types}): pass type= to choose one")
        pool = self.resources if type is None else [res for res in self.resources if res.type == type]
        raise not_found("resource named", name, [res.name for res in pool], where=f"of type {type}" if type else "")

    def one(self, type: str, *, name: str | None = None, within: Component | None = None) -> Resource:
        """The one resource of ``type`` (named ``name``, under the component ``within``, when given).

        Raises :class:`NotFoundError` or :class:`AmbiguousError` listing the resources of that type that exist.
        """
        pool = self.in_component(within, type=type) if within is not None else self.of_type(type)
        where = f" under {self._component(within)}" if within is not None else ""
        found = [res for res in pool if name is None or res.name == name]
        if len(found) == 1:
            return found[0]
        if name is not None and not found:
            raise not_found(f"{type} named", name, [res.name for res in pool], where=where.strip())
        if not found:
            raise NotFoundError(f"no {type}{where}; types there: {', '.join(self._types(within)) or 'none'}")
        names = ", ".join(sorted(repr(res.name) for res in found))
        raise AmbiguousError(f"{len(found)} resources of {type}{where} ({names}): pass name= to choose one")

    def parent(self, resource: Resource) -> Resource | None:
        """The parent of ``resource``, or None when its parent is the root stack."""
        return self._by_urn.get(resource.parent_urn)

    def children(self, resource: Component) -> list[Resource]:
        """The resources whose parent is ``resource`` (a resource, or a component by its logical name)."""
        urn = self._component(resource).urn
        return [res for res in self.resources if res.parent_urn == urn]

    def in_component(self, component: Component, *, type: str | None = None) -> list[Resource]:
        """Every descendant of ``component`` (a resource, or a component by its logical name): its children,
        theirs, and so on, in registration order, optionally only those of ``type``."""
        if type is not None:
            _check_token(type)
        owner = self._component(component)
        descendants = self._descendants()[owner.urn]
        return [res for res in self.resources if res.urn in descendants and (type is None or res.type == type)]

    def components(self, type: str | None = None) -> list[Resource]:
        """The component resources (not cloud resources), optionally only those of ``type``."""
        if type is not None:
            _check_token(type)
        return [res for res in self.resources if not res.custom and (type is None or res.type == type)]

    # -- policies -------------------------------------------------------------------------
    def preview(self, policy_config: Mapping[str, Any] | None = None) -> PolicyFindings:
        """The packaged policy pack's findings on this stack, as ``pulumi preview --policy-pack`` reports them.

        Without ``policy_config``, a stack synthesized with one (``synthesize(..., policy_config=...)``) returns
        that run's findings: the pack ran as the resources registered, its remediations included. Otherwise the
        pack runs now over the resources as they were created, with ``policy_config`` (the
        ``--policy-pack-config`` document, ``{"<policy>": "<level>" | {...}}``); an unknown policy or key raises
        :class:`pulumi_wasp.preview.ConfigError`, and a level ``remediate``
        :class:`~pulumi_wasp.preview.RemediationTooLateError` (remediations apply as resources register: give
        the config to ``synthesize``).
        """
        from pulumi_wasp.preview.analysis import run_policies
        from pulumi_wasp.testing.findings import PolicyFindings

        if policy_config is None and self.policy_report is not None:
            return PolicyFindings(self.policy_report, self)
        report = run_policies(self.synthesis, policy_config, packaged_pack())
        return PolicyFindings(report, self)

    # -- helpers --------------------------------------------------------------------------
    def _component(self, component: Component) -> Resource:
        if isinstance(component, Resource):
            if component.urn not in self._by_urn:
                raise NotFoundError(f"{component} is not a resource of this stack ({self.project}/{self.stack})")
            return component
        components = [res for res in self.resources if not res.custom]
        found = [res for res in components if res.name == component]
        # A component's own children often share its name (``uploads`` composes a bucket ``uploads``):
        # the name means the outermost of them.
        outermost = [res for res in found if not any(res.urn in self._descendants()[other.urn] for other in found)]
        if len(outermost) == 1:
            return outermost[0]
        if outermost:
            types = ", ".join(sorted(res.type for res in outermost))
            raise AmbiguousError(
                f"{len(outermost)} components named {component!r} ({types}): pass the resource instead"
            )
        raise not_found("component named", component, [res.name for res in components])

    def _types(self, within: Component | None) -> list[str]:
        pool = self.in_component(within) if within is not None else self.resources
        return sorted({res.type for res in pool})

    def _descendants(self) -> dict[str, frozenset[str]]:
        """URN -> the URNs below it, computed once: lookups stay linear in the stack's size."""
        if self._below is not None:
            return self._below
        children: dict[str, list[str]] = {}
        for res in self.resources:
            children.setdefault(res.parent_urn, []).append(res.urn)
        below: dict[str, frozenset[str]] = {}

        def collect(urn: str) -> frozenset[str]:
            if urn not in below:
                found: set[str] = set()
                for child in children.get(urn, ()):
                    found.add(child)
                    found |= collect(child)
                below[urn] = frozenset(found)
            return below[urn]

        for res in self.resources:
            collect(res.urn)
        self._below = below
        return below


def _check_token(type: str) -> None:
    if not _TYPE_TOKEN.match(type):
        raise ValueError(f"{type!r} is not a type token (package:module:Type, e.g. aws:sqs/queue:Queue)")


@functools.cache
def packaged_pack() -> LoadedPack:
    """The packaged pack, loaded once per process: its analyzer is reconfigured on every run."""
    from pulumi_wasp.preview.pack import load_pack

    return load_pack()
