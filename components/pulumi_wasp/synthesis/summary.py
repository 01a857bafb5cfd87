"""A readable summary of a synthesis: counts by type, outputs and timing, the resource tree on request.

Resources are counted one way everywhere (this summary, the policy preview, the local cloud's deploy line):
the AWS resources the program declares, i.e. its custom resources. Components group them and are counted
apart; registrations are both together, what the Pulumi engine (and the policy pack) sees.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pulumi_wasp.synthesis.recording import RecordedResource, Synthesis
from pulumi_wasp.wording import counted


def _tree(synthesis: Synthesis) -> list[str]:
    children: dict[str, list[RecordedResource]] = {}
    for res in synthesis:
        children.setdefault(res.parent, []).append(res)
    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        for res in children.get(parent, []):
            kind = res.type if res.custom else f"[{res.type}]"
            lines.append(f"{'  ' * depth}{res.name}  {kind}")
            walk(res.urn, depth + 1)

    roots = {res.parent for res in synthesis} - {res.urn for res in synthesis}
    for root in sorted(roots):
        walk(root, 1)
    return lines


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, sort_keys=True)


def resource_counts(resources: Iterable[RecordedResource]) -> str:
    """E.g. "262 AWS resources in 47 components (309 registrations)": see the module's docstring."""
    registered = list(resources)
    custom = sum(1 for r in registered if r.custom)
    return (
        f"{counted(custom, 'AWS resource')} in {counted(len(registered) - custom, 'component')} "
        f"({counted(len(registered), 'registration')})"
    )


def render(synthesis: Synthesis, imports_seconds: float | None = None, tree: bool = False) -> str:
    """The summary; ``tree``: with the resource tree by component (one line per registration)."""
    custom = [r for r in synthesis if r.custom]
    out = [f"Stack {synthesis.project}/{synthesis.stack}: {resource_counts(synthesis)}", ""]
    if tree:
        out.append("Resource tree")
        out.extend(_tree(synthesis))
        out.append("")
    out.append("AWS resources by type")
    for type_, count in sorted(Counter(r.type for r in custom).items(), key=lambda item: (-item[1], item[0])):
        out.append(f"  {count:4d}  {type_}")
    out += ["", "Stack outputs"]
    for key, value in sorted(synthesis.stack_outputs.items()):
        out.append(f"  {key}: {_show(value)}".replace("\n", "\n    "))
    out.append("")
    timing = f"Synthesis: {synthesis.seconds:.2f} s beyond imports"
    if imports_seconds is not None:
        timing += f" (imports {imports_seconds:.2f} s)"
    out.append(timing)
    return "\n".join(out)
