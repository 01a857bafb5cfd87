"""pulumi-wasp: Well-Architected serverless and event-driven patterns for Pulumi (Python) on AWS.

The components are the public API at the top level (``from pulumi_wasp import QueueProcessor``); the tools
live in subpackages: :mod:`pulumi_wasp.synthesis` (the engine), :mod:`pulumi_wasp.testing` (the test harness),
:mod:`pulumi_wasp.preview` (the offline policy preview), :mod:`pulumi_wasp.policies` (the CrossGuard rules)
and :mod:`pulumi_wasp.localcloud` (the embedded local cloud). The components are imported on first use, so
the tools that do not need pulumi_aws (the local cloud's verbs, the CLI's help) start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:
    from pulumi_wasp.components import *  # noqa: F403

_COMPONENTS = "pulumi_wasp.components"


def __getattr__(name: str) -> Any:
    components = importlib.import_module(_COMPONENTS)
    if name in components.__all__:
        return getattr(components, name)
    raise AttributeError(f"module 'pulumi_wasp' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *importlib.import_module(_COMPONENTS).__all__])
