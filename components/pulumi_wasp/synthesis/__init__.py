"""One synthesis engine for the unit tests, the policy preview and the local cloud.

A Pulumi Python program runs in-process under a :class:`RecordingMonitor`; only the
:class:`~pulumi.runtime.Mocks` that produce each resource's outputs differ between consumers
(faked for tests and the preview, unknown for a first-deploy preview, the emulator for the
local cloud). Transforms run as the Pulumi engine runs them (:mod:`pulumi_wasp.synthesis.transforms`), and a
policy pack, when given, as ``--policy-pack`` runs in it: its remediations change the inputs before the mocks
create the resource (:mod:`pulumi_wasp.synthesis.analyzer`).
"""

from pulumi_wasp.synthesis.analyzer import Analyzer
from pulumi_wasp.synthesis.fake_cloud import FakeCloud, FirstDeploy
from pulumi_wasp.synthesis.program import ProgramError, StackConfig, run_program, synthesize, synthesize_inline
from pulumi_wasp.synthesis.recording import EngineOptions, RecordedResource, RecordingMonitor, Synthesis
from pulumi_wasp.synthesis.transforms import TransformError

__all__ = [
    "Analyzer",
    "EngineOptions",
    "FakeCloud",
    "FirstDeploy",
    "ProgramError",
    "RecordedResource",
    "RecordingMonitor",
    "StackConfig",
    "Synthesis",
    "TransformError",
    "run_program",
    "synthesize",
    "synthesize_inline",
]
