"""``wasp policy-pack DIR``: a CrossGuard pack directory for the Pulumi CLI (``pulumi preview --policy-pack
DIR``) that serves the rules of this very version of the package, for programs in any language."""

from __future__ import annotations

from pathlib import Path

from pulumi_wasp import __version__

MANIFEST = "PulumiPolicy.yaml"
DESCRIPTION = (
    "Well-Architected rules for serverless and event-driven stacks on AWS (Lambda, SQS/SNS, EventBridge, "
    "Step Functions, API Gateway, DynamoDB, Kinesis, S3)."
)
#: The pack's entry point: the Pulumi CLI runs it (``python -m pulumi.policy``) in the pack's virtualenv.
ENTRY_POINT = '''"""The pack's entry point: ``pulumi preview --policy-pack policies`` runs this file.

The rules ship in the ``pulumi-wasp`` package (``pulumi_wasp.policies``); this directory only tells the CLI
how to run them (``PulumiPolicy.yaml``) and what to install (``requirements.txt``). ``wasp policy-pack DIR``
writes the same three files for any other program.
"""

from pulumi_wasp.policies.pack import serve

serve()
'''


class PackDirectoryError(ValueError):
    """The directory cannot be written as a pack (the message says why)."""


def manifest(version: str = __version__) -> str:
    """``PulumiPolicy.yaml``: a Python pack, its version the package's, its virtualenv ``venv`` in the pack."""
    return (
        f"description: {DESCRIPTION}\n"
        f"version: {version}\n"
        "runtime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n"
    )


def default_requirement(version: str = __version__) -> str:
    return f"pulumi-wasp[policy]=={version}"


def write(directory: Path, requirement: str | None = None) -> list[Path]:
    """Write the pack's three files into ``directory`` (created if absent) and return them.

    ``requirement``: the pip requirement line that installs the rules (default ``pulumi-wasp[policy]==`` this
    version; e.g. a wheel's path or a git URL when the package is not on an index). An existing directory
    is only written when it is empty or already a pack (it has a ``PulumiPolicy.yaml``)."""
    line = default_requirement() if requirement is None else requirement.strip()
    if not line or "\n" in line:
        raise PackDirectoryError(f"--requirement must be one pip requirement line, got {requirement!r}")
    if directory.exists():
        if not directory.is_dir():
            raise PackDirectoryError(f"{directory} exists and is not a directory")
        if any(directory.iterdir()) and not (directory / MANIFEST).is_file():
            raise PackDirectoryError(f"{directory} is not empty and not a policy pack (no {MANIFEST}): not overwritten")
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        MANIFEST: manifest(),
        "__main__.py": ENTRY_POINT,
        "requirements.txt": f"# The rules of pulumi-wasp {__version__}, served by __main__.py.\n{line}\n",
    }
    for name, text in files.items():
        (directory / name).write_text(text)
    return [directory / name for name in files]
