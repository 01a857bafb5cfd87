"""Load the policy pack the way the Pulumi CLI does, but keep its analyzer in-process instead of serving it.

The CLI runs a pack directory's ``__main__.py`` (``python -m pulumi.policy``), whose ``PolicyPack(...)`` builds
pulumi_policy's analyzer servicer, registers it with a gRPC server and blocks forever. Here the same
construction runs (the packaged pack's :func:`~pulumi_wasp.policies.pack.serve`, or a pack directory's
``__main__.py``), and the registration call hands the servicer back instead of serving it
(:func:`pulumi_wasp.adapters.pulumi_policy.capture_analyzer`).
"""

from __future__ import annotations

import contextlib
import os
import runpy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2, json_format
from pulumi.runtime import proto

from pulumi_wasp import __version__
from pulumi_wasp.adapters.pulumi_policy import AnalyzerServicer, capture_analyzer

LEVELS = {
    proto.ADVISORY: "advisory",
    proto.MANDATORY: "mandatory",
    proto.REMEDIATE: "remediate",
    proto.DISABLED: "disabled",
}
LEVEL_VALUES = {name: value for value, name in LEVELS.items()}
SEVERITIES = {
    proto.POLICY_SEVERITY_UNSPECIFIED: "",
    proto.POLICY_SEVERITY_LOW: "low",
    proto.POLICY_SEVERITY_MEDIUM: "medium",
    proto.POLICY_SEVERITY_HIGH: "high",
    proto.POLICY_SEVERITY_CRITICAL: "critical",
}


class PackError(Exception):
    """The pack could not be loaded (its __main__.py failed or built no PolicyPack)."""


@dataclass(frozen=True)
class Framework:
    """The compliance framework a policy belongs to ("" where the pack leaves a field out)."""

    name: str
    version: str
    reference: str
    specification: str


@dataclass(frozen=True)
class PolicyMeta:
    """What GetAnalyzerInfo tells the CLI about one policy."""

    name: str
    description: str
    level: str
    kind: str
    properties: dict[str, Any]
    required: tuple[str, ...]
    severity: str = ""
    url: str = ""
    framework: Framework = Framework("", "", "", "")
    tags: tuple[str, ...] = ()
    remediation_steps: str = ""


@dataclass(frozen=True)
class LoadedPack:
    name: str
    version: str
    servicer: AnalyzerServicer
    policies: dict[str, PolicyMeta]

    @property
    def label(self) -> str:
        return f"{self.name}@v{self.version}"


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def load_pack(pack_dir: Path | None = None) -> LoadedPack:
    """The packaged pack, or ``pack_dir/__main__.py`` run as the CLI runs it: its analyzer servicer with the
    pack's metadata."""
    where = f"the policy pack in {pack_dir}" if pack_dir else "the packaged policy pack"
    try:
        servicer = capture_analyzer(lambda: _run_pack(pack_dir))
    except Exception as exc:
        raise PackError(f"{where} failed to load: {type(exc).__name__}: {exc}") from exc
    if servicer is None:
        raise PackError(f"{where} did not construct a PolicyPack")
    info = servicer.GetAnalyzerInfo(empty_pb2.Empty(), None)
    policies = {
        p.name: PolicyMeta(
            name=p.name,
            description=p.description,
            level=LEVELS[p.enforcementLevel],
            kind="stack" if p.policy_type == proto.PolicyType.POLICY_TYPE_STACK else "resource",
            properties=json_format.MessageToDict(p.configSchema.properties),
            required=tuple(p.configSchema.required),
            severity=SEVERITIES[p.severity],
            url=p.url,
            framework=Framework(
                p.framework.name, p.framework.version, p.framework.reference, p.framework.specification
            ),
            tags=tuple(p.tags),
            remediation_steps=p.remediation_steps,
        )
        for p in info.policies
    }
    version = _version(pack_dir) if pack_dir else __version__
    return LoadedPack(name=info.name, version=version or info.version, servicer=servicer, policies=policies)


def _run_pack(pack_dir: Path | None) -> None:
    if pack_dir is None:
        from pulumi_wasp.policies.pack import serve

        serve()
    else:
        with _working_directory(pack_dir):
            runpy.run_path(str(pack_dir), run_name="__main__")


def _version(pack_dir: Path) -> str | None:
    """The CLI shows PulumiPolicy.yaml's version rather than the SDK's placeholder."""
    import yaml

    manifest = pack_dir / "PulumiPolicy.yaml"
    if not manifest.is_file():
        return None
    version = (yaml.safe_load(manifest.read_text()) or {}).get("version")
    return str(version) if version else None
