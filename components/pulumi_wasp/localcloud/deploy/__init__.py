"""Deploy: run the Pulumi program under :class:`MotoCloud`, whose ``new_resource`` creates each
resource in the emulator and answers with the emulator's real ids, ARNs and URLs.

One adapter module per AWS service, each exporting ``RESOURCES`` (type token → creator). A type
on :data:`outcome.NOT_EMULATED` is recorded in ``Registry.skipped`` with its reason; a type
without an adapter, or one the emulator refuses, in ``Registry.refused`` with the error. Both are
answered with synthesis' fake outputs, so the program still completes and every failure is
known; :attr:`Deployment.succeeded` (:mod:`outcome`) is the one verdict on the deploy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from pulumi_wasp.localcloud.deploy import (
    apigateway,
    appautoscaling,
    cloudwatch,
    dynamodb,
    events,
    iam,
    kinesis,
    kms,
    lambda_,
    s3,
    scheduler,
    secretsmanager,
    sfn,
    sns,
    sqs,
    wafv2,
)
from pulumi_wasp.localcloud.deploy.context import Creator, DeployContext, Outputs
from pulumi_wasp.localcloud.deploy.outcome import NOT_EMULATED, DeployError, DeployOutcome, outcome
from pulumi_wasp.localcloud.deploy.registry import Registry, Skipped
from pulumi_wasp.localcloud.emulator import Emulator
from pulumi_wasp.synthesis import FakeCloud, StackConfig, Synthesis, synthesize

if TYPE_CHECKING:
    from pulumi_wasp.preview.analysis import PolicyReport, PolicySession

ADAPTERS = (
    apigateway,
    appautoscaling,
    cloudwatch,
    dynamodb,
    events,
    iam,
    kinesis,
    kms,
    lambda_,
    s3,
    scheduler,
    secretsmanager,
    sfn,
    sns,
    sqs,
    wafv2,
)
CREATORS: dict[str, Creator] = {token: creator for module in ADAPTERS for token, creator in module.RESOURCES.items()}
WARM_UP: dict[str, str] = {service: operation for module in ADAPTERS for service, operation in module.WARM_UP.items()}

#: Called after each custom resource: (type token, logical name, skipped reason or None).
Progress = Callable[[str, str, str | None], None]


class MotoCloud(Mocks):
    """Mocks whose resources exist: each one is created in the emulator."""

    def __init__(self, context: DeployContext, progress: Progress | None = None) -> None:
        self.context = context
        self._progress = progress
        self._fake = FakeCloud(region=context.region, account_id=context.account_id)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, Outputs]:
        if not args.custom:
            return "", {}
        creator = CREATORS.get(args.typ)
        registry = self.context.registry
        reason: str | None = None
        resource_id: str | None
        if args.typ in NOT_EMULATED:
            reason = NOT_EMULATED[args.typ]
            registry.skip(Skipped(args.typ, args.name, reason))
        elif creator is None:
            reason = "the local cloud has no adapter for this type"
            registry.refuse(Skipped(args.typ, args.name, reason))
        else:
            try:
                resource_id, computed = creator(self.context, args)
            except (ClientError, BotoCoreError, NotImplementedError, KeyError, ValueError) as exc:
                reason = f"the emulator refused it: {type(exc).__name__}: {exc}"
                registry.refuse(Skipped(args.typ, args.name, reason))
        if reason is not None:
            resource_id, computed = self._fake.new_resource(args)
        else:
            self.context.registry.count(args.typ)
        if self._progress is not None:
            self._progress(args.typ, args.name, reason)
        # Inputs echoed, computed outputs over them: what the engine would report after create.
        return resource_id, {**args.inputs, **computed}

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return self._fake.call(args)


@dataclass
class Deployment:
    """A deployed stack: what the program registered, the emulator it lives in, and the registry."""

    synthesis: Synthesis
    emulator: Emulator
    registry: Registry
    program_dir: Path
    seconds: float
    #: The policy pack's report when it ran in the deploy (``--policy-config``), else None.
    policy_report: PolicyReport | None = None

    @property
    def outcome(self) -> DeployOutcome:
        """What was created, left out by design (:data:`NOT_EMULATED`) and failed, with causes."""
        return outcome(self.synthesis, self.registry)

    @property
    def succeeded(self) -> bool:
        """The one definition of a successful local deploy: every resource of the program was
        created in the emulator, except those of a type on :data:`NOT_EMULATED` (listed with their
        reasons). Every tool that deploys (``run``, ``serve``, ``wasp local run``, the bench) goes
        by this; :meth:`raise_for_failure` turns it into :class:`DeployError`."""
        return self.outcome.succeeded

    def raise_for_failure(self) -> None:
        """Raise :class:`DeployError` (carrying the outcome) unless the deploy :attr:`succeeded`."""
        result = self.outcome
        if not result.succeeded:
            raise DeployError(result)

    @property
    def outputs(self) -> dict[str, Any]:
        return self.synthesis.stack_outputs


def deploy(
    program_dir: str | Path,
    stack: str,
    emulator: Emulator,
    progress: Progress | None = None,
    policies: PolicySession | None = None,
) -> Deployment:
    """Run the program of ``program_dir`` for ``stack`` against the (started) emulator.

    With ``policies`` the pack runs as ``pulumi up --policy-pack`` runs it: each resource is remediated and
    analyzed as it registers, and created in the emulator with the remediated inputs; its report is the
    deployment's ``policy_report``."""
    config = StackConfig.load(program_dir, stack)
    region = config.values.get("aws:region")
    if region and region != emulator.region:
        raise ValueError(f"stack {stack!r} is configured for {region}, the emulator runs {emulator.region}")
    context = DeployContext(emulator, Registry(), config.program_dir, WARM_UP)
    started = time.perf_counter()
    synthesis = synthesize(config, MotoCloud(context, progress), analyzer=policies)
    report = policies.finish(synthesis) if policies is not None else None
    return Deployment(synthesis, emulator, context.registry, config.program_dir, time.perf_counter() - started, report)
