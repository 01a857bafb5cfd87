"""Offline policy preview: the policy pack over a program synthesized under mocks, in-process.

``run_policies(synthesis, policy_config)`` drives the pack's own analyzer servicer with the requests the
Pulumi CLI sends and returns a :class:`PolicyReport`; ``wasp preview`` is the command around it.
"""

from pulumi_wasp.preview.analysis import (
    Diagnostic,
    Exempted,
    NotApplicable,
    PolicyReport,
    Remediation,
    run_policies,
)
from pulumi_wasp.preview.config import ConfigError, reconcile
from pulumi_wasp.preview.pack import LoadedPack, PackError, load_pack

__all__ = [
    "ConfigError",
    "Diagnostic",
    "Exempted",
    "LoadedPack",
    "NotApplicable",
    "PackError",
    "PolicyReport",
    "Remediation",
    "load_pack",
    "reconcile",
    "run_policies",
]
