"""Offline policy preview: the policy pack over a program synthesized under mocks, in-process.

A :class:`PolicySession` drives the pack's own analyzer servicer with the requests the Pulumi CLI sends, at the
points the engine sends them: given to the synthesis engine (``synthesize(..., analyzer=session)``) it remediates
and analyzes each resource as it registers, and ``session.finish(synthesis)`` returns the :class:`PolicyReport`.
``run_policies(synthesis, policy_config)`` replays a finished synthesis (analysis only); ``wasp preview`` is the
command around them.
"""

from pulumi_wasp.preview.analysis import (
    Diagnostic,
    Exempted,
    NotApplicable,
    PolicyReport,
    PolicySession,
    Remediation,
    RemediationTooLateError,
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
    "PolicySession",
    "Remediation",
    "RemediationTooLateError",
    "load_pack",
    "reconcile",
    "run_policies",
]
