"""The local cloud: emulator, deploy and runtime started together, stopped together."""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from pulumi_wasp.localcloud import STATE_DIR, faults, rotation
from pulumi_wasp.localcloud.control import ControlServer
from pulumi_wasp.localcloud.deploy import Deployment, Progress, deploy
from pulumi_wasp.localcloud.deploy.outcome import DeployError, PolicyViolationError
from pulumi_wasp.localcloud.emulator import CREDENTIALS, REGION, Emulator
from pulumi_wasp.localcloud.runtime.engine import Runtime
from pulumi_wasp.localcloud.runtime.faults import DEFAULT_SEED, FaultSpec
from pulumi_wasp.localcloud.runtime.functions import Zygote
from pulumi_wasp.localcloud.runtime.reload import ReloadReport
from pulumi_wasp.synthesis import StackConfig
from pulumi_wasp.wording import counted

if TYPE_CHECKING:
    from pulumi_wasp.preview.analysis import PolicySession

#: Called once per finished step: (step, seconds, detail, succeeded).
StepReport = Callable[[str, float, str, bool], None]

#: Previous runs whose logs and function folders a start keeps (logs.1/ is the last run's).
KEPT_RUNS = 5


@dataclass
class LocalCloud:
    """``with LocalCloud(program_dir) as cloud:`` deploys the stack into a fresh emulator and runs it."""

    program_dir: Path
    stack: str = "dev"
    speed: float = 1.0
    on_step: StepReport | None = None
    on_resource: Progress | None = None
    #: Logs, function task roots and endpoints.json; <program>/.localcloud when None.
    state: Path | None = None
    #: Hot reload: a change to a function's code folders reaches its next invocation.
    reload: bool = False
    #: Told of each function reloaded (the function's own log says it too).
    on_reload: ReloadReport | None = None
    #: Faults injected from the start (serve/run --fault), and the seed of those that name none.
    faults: list[tuple[str, FaultSpec]] = field(default_factory=list)
    fault_seed: int = DEFAULT_SEED
    #: Enforce IAM (localcloud/README.md "IAM"); ``--no-iam`` turns it off.
    iam: bool = True
    #: The policy pack in the deploy (``--policy-config``): remediated inputs are deployed, a mandatory
    #: violation fails the deploy, as with ``pulumi up --policy-pack``. None (the default): no pack.
    policies: PolicySession | None = None
    emulator: Emulator | None = field(default=None, init=False)
    deployment: Deployment | None = field(default=None, init=False)
    runtime: Runtime | None = field(default=None, init=False)
    zygote: Zygote | None = field(default=None, init=False)
    control: ControlServer | None = field(default=None, init=False)
    #: Secrets the program created without a value, given one here (as an operator would).
    seeded_secrets: list[str] = field(default_factory=list, init=False)
    #: Secrets rotated when the cloud started (RotateImmediately), secret ARN → the new version's id.
    rotated_secrets: dict[str, str] = field(default_factory=dict, init=False)

    @property
    def state_dir(self) -> Path:
        return self.state or self.program_dir / STATE_DIR

    def start(self) -> LocalCloud:
        """Call from the main thread (the runtime's processes are tied to the thread that starts them).

        Raises :class:`DeployError` when the deploy did not succeed (``Deployment.succeeded``), and
        :class:`PolicyViolationError` when the policy pack (:attr:`policies`) found mandatory violations, with
        everything started so far stopped: no runtime, no endpoints for a partial or refused stack."""
        prepare_state_dir(self.state_dir)
        config = StackConfig.load(self.program_dir, self.stack)
        try:
            # First: the zygote's imports run in their own process while this one deploys.
            self.zygote = Zygote(self.state_dir / "logs" / "runtime.log")
            self.zygote.start()
            self._step("emulator", lambda: self._start_emulator(config.values.get("aws:region", REGION)))
            self._step("deploy", self._deploy)
            self._step("runtime", self._start_runtime)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.control is not None:
            self.control.stop()
            self.control = None
        if self.runtime is not None:
            self.runtime.stop()
            self.runtime = None
        if self.deployment is not None:
            for api in self.deployment.registry.apis.values():
                api.listener.close()
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
        if self.zygote is not None:
            self.zygote.stop()
            self.zygote = None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- steps -----------------------------------------------------------------------------------
    def _step(self, name: str, action: Callable[[], str]) -> None:
        started = time.perf_counter()
        try:
            detail = action()
        except DeployError as failed:
            self._report(name, time.perf_counter() - started, failed.outcome.summary, ok=False)
            raise
        except PolicyViolationError as refused:
            self._report(name, time.perf_counter() - started, str(refused), ok=False)
            raise
        self._report(name, time.perf_counter() - started, detail, ok=True)

    def _report(self, name: str, seconds: float, detail: str, *, ok: bool) -> None:
        if self.on_step is not None:
            self.on_step(name, seconds, detail, ok)

    def _start_emulator(self, region: str) -> str:
        self.emulator = Emulator(region, log_file=self.state_dir / "logs" / "emulator.log", iam=self.iam).start()
        return self.emulator.url

    def _deploy(self) -> str:
        assert self.emulator is not None
        self.deployment = deploy(self.program_dir, self.stack, self.emulator, self.on_resource, self.policies)
        self.deployment.raise_for_failure()
        report = self.deployment.policy_report
        if report is not None and report.mandatory:
            raise PolicyViolationError(report)
        self._seed_secrets()
        return self.deployment.outcome.summary

    def _seed_secrets(self) -> None:
        assert self.emulator is not None and self.deployment is not None
        client = self.emulator.client("secretsmanager")
        # A secret that rotates when the cloud starts gets its first value from its rotation function.
        rotating = {r.secret_arn for r in self.deployment.registry.rotations.values() if r.immediately}
        for arn in self.deployment.registry.secrets.values():
            if arn in rotating:
                continue
            try:
                client.get_secret_value(SecretId=arn)
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
                client.put_secret_value(SecretId=arn, SecretString=secrets.token_urlsafe(32))
                self.seeded_secrets.append(arn)

    def _start_runtime(self) -> str:
        assert self.deployment is not None and self.zygote is not None
        self.runtime = Runtime(
            self.deployment,
            self.state_dir,
            self.zygote,
            self.speed,
            self.reload,
            self.on_reload,
            routing_seed=self.fault_seed,
        )
        faults.install(self.runtime, self.faults, self.fault_seed)
        self.runtime.start()
        for spec in self.deployment.registry.rotations.values():
            if spec.immediately:
                self.rotated_secrets[spec.secret_arn] = rotation.rotate(self.runtime, spec)
        self.control = ControlServer(self.runtime)
        self.control.start()
        rotated = f", {counted(len(self.rotated_secrets), 'secret')} rotated" if self.rotated_secrets else ""
        return (
            f"{counted(len(self.runtime.functions), 'function')}, "
            f"{counted(len(self.runtime.pollers), 'event source mapping')}, "
            f"{counted(len(self.runtime.schedules.schedules), 'schedule')}, {counted(len(self.runtime.gateways), 'API')}"
            f"{rotated}"
        )

    # -- what clients need -----------------------------------------------------------------------
    def endpoints(self) -> dict[str, Any]:
        """Everything a client of the running cloud needs (written to .localcloud/endpoints.json by serve)."""
        assert (
            self.emulator is not None
            and self.deployment is not None
            and self.runtime is not None
            and self.control is not None
        )
        registry = self.deployment.registry
        dead = registry.dead_letters
        return {
            "program": str(self.program_dir),
            "stack": self.stack,
            "api_url": self.deployment.outputs.get("api_url")
            or next((f"{g.url}/{g.api.stages[0]}" for g in self.runtime.gateways), None),
            "emulator_url": self.emulator.url,
            "control_url": self.control.url,
            "region": self.emulator.region,
            "account_id": self.emulator.account_id,
            "credentials": {k: v for k, v in CREDENTIALS.items() if k != "AWS_SESSION_TOKEN"},
            "speed": self.speed,
            "queues": {name: q.url for name, q in registry.queues.items() if q.arn not in dead},
            "dlqs": {name: q.url for name, q in registry.queues.items() if q.arn in dead},
            "topics": dict(registry.topics),
            "buses": dict(registry.buses),
            "state_machines": dict(registry.state_machines),
            "tables": dict(registry.tables),
            "streams": dict(registry.streams),
            "buckets": dict(registry.buckets),
            "functions": {spec.logical_name: spec.name for spec in registry.functions.values()},
            "schedules": sorted(self.runtime.schedules.schedules),
            "webhook": self._webhook(),
            "outputs": self.deployment.outputs,
            "not_created": [{"type": s.type, "name": s.name, "reason": s.reason} for s in registry.skipped],
            "created_with_changes": [{"type": s.type, "name": s.name, "reason": s.reason} for s in registry.adjusted],
        }

    def _webhook(self) -> dict[str, Any] | None:
        """The first signed webhook route: its verifier reads WEBHOOK_SECRET_NAME (WebhookReceiver's contract);
        how a delivery is signed is the verifier's own business (the program's scenario knows it)."""
        assert self.emulator is not None and self.runtime is not None
        for gateway in self.runtime.gateways:
            for route in gateway.routes:
                spec = self.runtime.function(route.function_arn).spec
                secret_name = spec.environment.get("WEBHOOK_SECRET_NAME")
                if secret_name:
                    secret = self.emulator.client("secretsmanager").get_secret_value(SecretId=secret_name)[
                        "SecretString"
                    ]
                    return {
                        "url": f"{gateway.url}/{gateway.api.stages[0]}{route.template}",
                        "secret": secret,
                        "tolerance_seconds": int(spec.environment.get("WEBHOOK_TOLERANCE_SECONDS", "300")),
                    }
        return None


def prepare_state_dir(state_dir: Path, keep: int = KEPT_RUNS) -> None:
    """Fresh ``logs/`` and ``functions/`` for a start; the previous runs' are kept, rotated
    (``logs.1/`` is the last run's, up to ``logs.{keep}/``), never deleted before: the evidence of
    what failed. The state directory is ignored by git."""
    for name in ("logs", "functions"):
        _rotate(state_dir / name, keep)
    (state_dir / "logs").mkdir(parents=True, exist_ok=True)
    (state_dir / ".gitignore").write_text("*\n")


def _rotate(directory: Path, keep: int) -> None:
    """``directory`` becomes ``directory.1``, ``.1`` becomes ``.2`` … ; only the one past ``keep`` goes."""
    shutil.rmtree(directory.with_name(f"{directory.name}.{keep}"), ignore_errors=True)
    for index in range(keep - 1, 0, -1):
        older = directory.with_name(f"{directory.name}.{index}")
        if older.exists():
            older.rename(directory.with_name(f"{directory.name}.{index + 1}"))
    if directory.exists():
        directory.rename(directory.with_name(f"{directory.name}.1"))
