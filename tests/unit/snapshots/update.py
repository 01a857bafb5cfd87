"""The reference system's graph as a golden snapshot: one JSON per stack, ``graph-<stack>.json``.

Each resource is keyed by its URN (type chain and name) and keeps its parent's URN and its inputs in the
engine's wire format. Registration order (concurrent) is not kept, and secret values (the generated
webhook secret) read ``<secret>``: both differ between runs while the graph does not. A dynamic resource's
serialized provider reads ``<dynamic provider>`` (its bytes follow dill's version, not the program).

Regenerate after an intended change, and list the differences in the commit that makes it::

    PYTHONPATH=$PWD/components:$PWD .venv/bin/python -m tests.unit.snapshots.update
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pulumi_wasp.adapters.pulumi import DYNAMIC_PROVIDER_KEY
from pulumi_wasp.synthesis import Synthesis
from pulumi_wasp.synthesis.recording import SECRET_SIGNATURE, SIGNATURE_KEY
from tests.conftest import synthesize_stack

SNAPSHOTS = Path(__file__).resolve().parent
STACKS = ("dev", "prod")
SECRET = "<secret>"
DYNAMIC_PROVIDER = "<dynamic provider>"


def path(stack: str) -> Path:
    return SNAPSHOTS / f"graph-{stack}.json"


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SIGNATURE_KEY) == SECRET_SIGNATURE:
            return SECRET
        return {
            key: DYNAMIC_PROVIDER if key == DYNAMIC_PROVIDER_KEY else _normalise(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    return value


def graph(synthesis: Synthesis) -> dict[str, Any]:
    """URN → parent URN and normalised inputs, for every resource of ``synthesis``."""
    return {
        resource.urn: {"parent": resource.parent, "inputs": _normalise(resource.inputs)}
        for resource in sorted(synthesis, key=lambda r: r.urn)
    }


def render(snapshot: dict[str, Any]) -> str:
    return json.dumps(snapshot, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    for stack in STACKS:
        path(stack).write_text(render(graph(synthesize_stack(stack))))
        print(f"wrote {path(stack)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
