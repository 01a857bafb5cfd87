"""Alias URNs as the Pulumi engine computes them.

The SDK sends alias *specs* when the monitor supports ``aliasSpecs`` (the mock monitor does) and the engine
turns them into URNs in its step generator (``pkg/resource/deploy/step_generator.go``: ``collapseAliasToUrn``,
``inheritedChildAlias``, ``generateAliases``). Two rules make aliases reach down a component tree:

- a spec leaves out what stays the same: name, type and parent default to the resource's own; an explicit
  parent that was itself aliased stands for its old URN;
- every child also answers to its URN under each alias of its parent (and, when its name starts with the
  parent's name, with that prefix renamed as the parent was), combined with each of its own aliases.

The engine applies the second rule with the one alias its parent matched in the old state. Without a state,
every alias of the parent may be the one that matches, so a resource's aliases here are the union over its
parent's aliases: the set the engine could match against any prior state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


def qualified_type(urn: str) -> str:
    """The ``$``-joined type chain of a URN (``parent$child``)."""
    return urn.split("::")[2]


def urn_name(urn: str) -> str:
    return urn.split("::", 3)[3]


def create_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """A URN as the engine builds it: the parent's type chain in front, except the root stack's."""
    if parent and qualified_type(parent) != ROOT_STACK_TYPE:
        type_ = f"{qualified_type(parent)}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def engine_aliases(
    *,
    stack: str,
    project: str,
    type_: str,
    name: str,
    parent: str,
    specs: Sequence[Any],
    aliases_of: Callable[[str], Iterable[str]],
) -> list[str]:
    """Every URN the resource answers to, in the engine's order, without duplicates.

    ``specs`` are the request's ``alias_pb2.Alias`` messages (a URN or a spec); ``aliases_of(urn)`` gives
    the aliases already computed for a resource registered earlier (its parent, or a spec's explicit parent).
    """
    found: dict[str, None] = {}
    own: list[str] = []
    for alias in specs:
        for urn in _collapse(
            alias, stack=stack, project=project, type_=type_, name=name, parent=parent, aliases_of=aliases_of
        ):
            own.append(urn)
            found.setdefault(urn)
    if parent:
        parent_name = urn_name(parent)
        for parent_alias in aliases_of(parent):
            found.setdefault(_inherited(stack, project, type_, name, parent_name, parent_alias))
            for urn in own:
                found.setdefault(
                    _inherited(
                        stack, project, urn.split("::")[2].split("$")[-1], urn_name(urn), parent_name, parent_alias
                    )
                )
    return list(found)


def _collapse(
    alias: Any,
    *,
    stack: str,
    project: str,
    type_: str,
    name: str,
    parent: str,
    aliases_of: Callable[[str], Iterable[str]],
) -> list[str]:
    """The URNs one alias stands for: one, or one per old URN of an explicit parent that was aliased too."""
    if alias.WhichOneof("alias") == "urn":
        return [alias.urn]
    spec = alias.spec
    if spec.noParent:
        parents = [""]
    elif spec.parentUrn:
        parents = [spec.parentUrn, *aliases_of(spec.parentUrn)]
    else:
        parents = [parent]
    return [
        create_urn(spec.stack or stack, spec.project or project, old_parent, spec.type or type_, spec.name or name)
        for old_parent in parents
    ]


def _inherited(stack: str, project: str, child_type: str, child_name: str, parent_name: str, parent_alias: str) -> str:
    """The child's URN under its parent's alias; a ``<parent>-…`` name follows the parent's old name."""
    if child_name.startswith(parent_name):
        child_name = urn_name(parent_alias) + child_name[len(parent_name) :]
    return create_urn(stack, project, parent_alias, child_type, child_name)
