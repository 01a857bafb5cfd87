"""Test your own Pulumi program: synthesize it under realistic mocks, look its resources up, run the policy pack.

``synthesize`` runs a program directory (``Pulumi.yaml`` + ``Pulumi.<stack>.yaml``) or a callable in-process,
under :class:`FakeCloud` (ids, ARNs, URLs, the caller identity and the stack's region as AWS would answer them),
and returns a :class:`SynthesizedStack`: lookups by type, name, parent and component, inputs in the wire format
a policy receives, and ``.preview()`` for the policy pack's findings. The pytest fixtures ``wasp_synthesize``
and ``wasp_stack`` come with the ``testing`` extra (see :mod:`pulumi_wasp.testing.plugin`).

Example::

    from pulumi_wasp.testing import synthesize

    def test_orders_queue_feeds_the_worker():
        stack = synthesize("infra", stack="dev")
        queue = stack.one("aws:sqs/queue:Queue", within="orders", name="orders-queue")
        mapping = stack.one("aws:lambda/eventSourceMapping:EventSourceMapping", within="orders")
        assert mapping.input("eventSourceArn") == queue.output("arn")
        assert stack.preview().passed

Names are imported on first use, so loading the pytest plugin does not import pulumi.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulumi_wasp.preview.analysis import Diagnostic
    from pulumi_wasp.synthesis import FakeCloud, FirstDeploy, ProgramError
    from pulumi_wasp.testing.defaults import DEFAULT_STACK
    from pulumi_wasp.testing.errors import AmbiguousError, NotFoundError
    from pulumi_wasp.testing.findings import PolicyFindings
    from pulumi_wasp.testing.program import synthesize
    from pulumi_wasp.testing.resource import Resource
    from pulumi_wasp.testing.stack import SynthesizedStack
    from pulumi_wasp.testing.wire import UNKNOWN, is_secret, plain

_EXPORTS = {
    "DEFAULT_STACK": "pulumi_wasp.testing.defaults",
    "UNKNOWN": "pulumi_wasp.testing.wire",
    "AmbiguousError": "pulumi_wasp.testing.errors",
    "Diagnostic": "pulumi_wasp.preview.analysis",
    "FakeCloud": "pulumi_wasp.synthesis",
    "FirstDeploy": "pulumi_wasp.synthesis",
    "NotFoundError": "pulumi_wasp.testing.errors",
    "PolicyFindings": "pulumi_wasp.testing.findings",
    "ProgramError": "pulumi_wasp.synthesis",
    "Resource": "pulumi_wasp.testing.resource",
    "SynthesizedStack": "pulumi_wasp.testing.stack",
    "is_secret": "pulumi_wasp.testing.wire",
    "plain": "pulumi_wasp.testing.wire",
    "synthesize": "pulumi_wasp.testing.program",
}

__all__ = [
    "DEFAULT_STACK",
    "UNKNOWN",
    "AmbiguousError",
    "Diagnostic",
    "FakeCloud",
    "FirstDeploy",
    "NotFoundError",
    "PolicyFindings",
    "ProgramError",
    "Resource",
    "SynthesizedStack",
    "is_secret",
    "plain",
    "synthesize",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pulumi_wasp.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
