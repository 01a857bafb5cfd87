"""``synthesize``: run a user's Pulumi program, a directory or a callable, under realistic mocks."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pulumi.runtime.mocks import Mocks

from pulumi_wasp.synthesis import FakeCloud, FirstDeploy, StackConfig, run_program
from pulumi_wasp.synthesis import synthesize as synthesize_directory
from pulumi_wasp.synthesis.fake_cloud import DEFAULT_REGION
from pulumi_wasp.testing.defaults import DEFAULT_STACK, INLINE_PROJECT
from pulumi_wasp.testing.stack import SynthesizedStack, packaged_pack

if TYPE_CHECKING:
    from pulumi_wasp.preview.analysis import PolicySession

Program = str | os.PathLike[str] | Callable[[], None]
ConfigValue = str | int | float | bool | list[Any] | dict[str, Any]


def synthesize(
    program: Program,
    *,
    stack: str = DEFAULT_STACK,
    config: Mapping[str, ConfigValue] | None = None,
    project: str | None = None,
    first_deploy: bool = False,
    mocks: Mocks | None = None,
    policy_config: Mapping[str, Any] | None = None,
) -> SynthesizedStack:
    """Run ``program`` in-process and return every resource it registered.

    ``program`` is a Pulumi project directory (``Pulumi.yaml``, ``Pulumi.<stack>.yaml``, ``__main__.py``, run
    the way the CLI's language host runs it) or a callable that declares resources (an inline program).

    - ``stack``: whose ``Pulumi.<stack>.yaml`` is read (default ``"dev"``).
    - ``config``: values merged over the stack file's, as ``pulumi config set`` would set them. A key without a
      namespace belongs to the project (``"tableName"`` is ``"<project>:tableName"``); non-string values are
      handed to the program as JSON, as the CLI hands structured config. A key that is secret in the stack file
      stays secret. An inline program's ``aws:region`` defaults to ``us-east-1``.
    - ``project``: an inline program's project name (default ``"test"``); a directory's is its ``Pulumi.yaml``'s.
    - ``first_deploy``: synthesize as a first ``pulumi preview`` would: a resource's outputs are only its
      inputs, and every value computed from another resource's outputs is :data:`UNKNOWN`.
    - ``mocks``: your own :class:`pulumi.runtime.Mocks` instead of :class:`FakeCloud` (realistic ids, ARNs,
      URLs, the caller identity and the stack's ``aws:region``).
    - ``policy_config``: run the packaged policy pack in the engine with this ``--policy-pack-config`` document,
      as ``pulumi up --policy-pack`` runs it (default None: no pack during synthesis). Each resource is analyzed
      as it registers and, where the config sets a policy's level to ``remediate``, created with the remediated
      inputs: the resources' inputs and outputs are the remediated ones, and ``.preview()`` returns that run's
      findings. Invalid config raises :class:`pulumi_wasp.preview.ConfigError` before the program runs.

    Raises :class:`pulumi_wasp.synthesis.ProgramError` when the project files are wrong or the program fails
    (the message says which file or the exception the program raised).

    Example::

        from pulumi_wasp.testing import synthesize

        stack = synthesize("infra", stack="prod", config={"alertEmail": "ops@example.com"})
        assert stack.of_type("aws:sqs/queue:Queue")
    """
    if first_deploy and mocks is not None:
        raise ValueError("synthesize: first_deploy=True uses its own mocks; pass either first_deploy or mocks")
    if callable(program):
        project = project or INLINE_PROJECT
        values = {"aws:region": DEFAULT_REGION, **_qualified(config or {}, project)}
        loaded = StackConfig(Path.cwd(), project, stack, values)
    else:
        if project is not None:
            raise ValueError(
                f"synthesize: project= is for inline programs; {program}'s project is its Pulumi.yaml name"
            )
        loaded = StackConfig.load(program, stack)
        if config:
            loaded = replace(loaded, values={**loaded.values, **_qualified(config, loaded.project)})
    session = _session(policy_config)
    chosen = _mocks(loaded, first_deploy, mocks)
    if callable(program):
        synthesis = run_program(program, loaded, chosen, preview=first_deploy, analyzer=session)
    else:
        synthesis = synthesize_directory(loaded, chosen, preview=first_deploy, analyzer=session)
    return SynthesizedStack(synthesis, session.finish(synthesis) if session else None)


def _session(policy_config: Mapping[str, Any] | None) -> PolicySession | None:
    if policy_config is None:
        return None
    from pulumi_wasp.preview.analysis import PolicySession

    return PolicySession(packaged_pack(), policy_config)


def _mocks(config: StackConfig, first_deploy: bool, given: Mocks | None) -> Mocks:
    if given is not None:
        return given
    return FirstDeploy() if first_deploy else FakeCloud.for_stack(config)


def _qualified(config: Mapping[str, ConfigValue], project: str) -> dict[str, str]:
    values = {}
    for key, value in config.items():
        if not isinstance(key, str) or not key or key.startswith(":") or key.endswith(":"):
            raise ValueError(f"synthesize: config key {key!r} is not 'name' or 'namespace:name'")
        if value is None:
            raise ValueError(f"synthesize: config {key!r} is None; leave the key out to keep the stack file's value")
        # The CLI hands structured config to programs as JSON, scalars as their text.
        values[key if ":" in key else f"{project}:{key}"] = value if isinstance(value, str) else json.dumps(value)
    return values
