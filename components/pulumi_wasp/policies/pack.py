"""The packaged CrossGuard pack: the one place that builds the ``PolicyPack`` from :data:`RULES`.

A pack directory's ``__main__.py`` (this repo's ``policies/``, or one written by ``wasp policy-pack DIR``)
only calls :func:`serve`; under the Pulumi CLI (``python -m pulumi.policy <engine> <dir>``) constructing the
``PolicyPack`` starts pulumi_policy's analyzer server, and the offline preview intercepts that registration.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, PolicyPack

from pulumi_wasp.policies import PACK_NAME, RULES
from pulumi_wasp.policies.common import compose

DESCRIPTION = "Well-Architected rules for serverless and event-driven stacks on AWS."


def serve() -> None:
    """Construct the pack; under the CLI this serves it and never returns."""
    PolicyPack(
        name=PACK_NAME,
        description=DESCRIPTION,
        enforcement_level=EnforcementLevel.ADVISORY,
        policies=compose(RULES),
    )
