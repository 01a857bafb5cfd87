"""A readable summary of a synthesis: the resource tree by component, counts, outputs, timing."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from pulumi_wasp.synthesis.recording import RecordedResource, Synthesis


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


def render(synthesis: Synthesis, imports_seconds: float | None = None) -> str:
    custom = [r for r in synthesis if r.custom]
    out = [
        f"Stack {synthesis.project}/{synthesis.stack}: {len(custom)} resources in {len(synthesis) - len(custom)} components",
        "",
    ]
    out.append("Resource tree")
    out.extend(_tree(synthesis))
    out += ["", "Resources by type"]
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
