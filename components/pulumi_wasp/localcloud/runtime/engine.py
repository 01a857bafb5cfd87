"""The runtime of a deployment: functions, their event sources and the API gateways, wired to the
emulator through the moto adapter's runtime hooks (:mod:`pulumi_wasp.adapters.moto`)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_wasp.adapters import moto
from pulumi_wasp.localcloud.deploy import Deployment
from pulumi_wasp.localcloud.deploy.registry import (
    LATEST,
    FunctionNotFoundError,
    FunctionRef,
    FunctionSpec,
    parse_function_name,
)
from pulumi_wasp.localcloud.runtime.asynchronous import AsyncInvoker
from pulumi_wasp.localcloud.runtime.clock import Clock, Timers
from pulumi_wasp.localcloud.runtime.faults import Faults
from pulumi_wasp.localcloud.runtime.functions import Function, KeyCheck, Zygote
from pulumi_wasp.localcloud.runtime.ledger import Ledger
from pulumi_wasp.localcloud.runtime.ports import Source
from pulumi_wasp.localcloud.runtime.reload import CodeWatcher, ReloadReport
from pulumi_wasp.localcloud.runtime.routing import VersionRouter
from pulumi_wasp.localcloud.runtime.sources.apigateway import Gateway
from pulumi_wasp.localcloud.runtime.sources.eventbridge import EventTargets
from pulumi_wasp.localcloud.runtime.sources.schedules import Schedules
from pulumi_wasp.localcloud.runtime.sources.sqs import SqsPoller
from pulumi_wasp.localcloud.runtime.sources.streams import StreamPoller
from pulumi_wasp.localcloud.runtime.threads import STOP_SECONDS, logger

#: A version's or an alias's version and its AdditionalVersionWeights (version → share), as the emulator has them.
Routing = tuple[str, dict[str, float]]


@dataclass(frozen=True)
class Target:
    """What one Lambda request named, resolved once (:meth:`Runtime.target`): the deployed function, the ARN invoked
    (qualified as named) and its version's or alias's routing as read then (None for ``$LATEST``)."""

    function: Function
    invoked_arn: str
    routing: Routing | None


class Runtime:
    """Start after the deploy; :meth:`stop` ends every execution environment (the zygote, started
    earlier so its imports overlap the deploy, belongs to whoever started it).

    It is the :class:`~pulumi_wasp.localcloud.runtime.ports.RuntimePort` its sources are given."""

    def __init__(
        self,
        deployment: Deployment,
        state_dir: Path,
        zygote: Zygote,
        speed: float = 1.0,
        reload: bool = False,
        on_reload: ReloadReport | None = None,
        routing_seed: int = 0,
    ) -> None:
        self.deployment = deployment
        #: Which version serves an invocation of a weighted alias (seeded: a run is reproducible).
        self.router = VersionRouter(routing_seed)
        self.registry = deployment.registry
        self.emulator = deployment.emulator
        self.clock = Clock(speed)
        self.ledger = Ledger()
        self.zygote = zygote
        environment = self.emulator.environment()
        self.functions = {
            s.name: Function(
                s,
                self.zygote,
                state_dir,
                {**environment, **self.emulator.function_credentials(s.arn, s.name)},
                key_check=self._key_check(s),
            )
            for s in deployment.registry.functions.values()
        }
        self.faults = Faults(self.functions)
        self.timers = Timers()
        self.asynchronous = AsyncInvoker(self)
        self.events = EventTargets(self)
        self.schedules = Schedules(self)
        self.gateways = [Gateway(self, api) for api in deployment.registry.apis.values()]
        self.pollers: list[SqsPoller | StreamPoller] = [
            SqsPoller(self, m) if m.source_kind == "sqs" else StreamPoller(self, m)
            for m in deployment.registry.mappings
            if m.enabled
        ]
        self._sources: list[Source] = [*self.gateways, *self.pollers, self.schedules]
        #: Hot reload (``serve`` without ``--no-reload``): a code change reaches the next invocation.
        self.watcher = CodeWatcher(self.functions.values(), on_reload) if reload else None
        self._started: list[Source] = []

    def _key_check(self, spec: FunctionSpec) -> KeyCheck | None:
        """Lambda decrypting the function's environment variables under their customer-managed key, asked before
        each invocation; None for a function without one."""
        key = spec.kms_key_arn
        if key is None:
            return None
        return lambda: self.emulator.environment_key_error(spec.arn, key)

    def start(self) -> None:
        moto.install_runtime_hooks(self)
        for source in self._sources:
            source.start()
            self._started.append(source)
        if self.watcher is not None:
            self.watcher.start()

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop at once whatever is in flight: no step waits for an invocation to finish, and
        the threads are waited for until ``timeout`` at most (they are daemons)."""
        deadline = time.monotonic() + timeout
        # 1. No new work: pollers, schedules and gateways take no more events; no more reloads.
        if self.watcher is not None:
            self.watcher.stop()
        for source in self._started:
            source.stop()
        # 2. Every invocation ends now: those running (their environments are killed), those
        #    waiting for a slot, and any a source or the emulator still starts (aborted at once).
        for function in self.functions.values():
            function.close()
        # 3. Queued async attempts, event deliveries and retries are dropped.
        self.events.stop()
        self.asynchronous.stop()
        self.timers.stop()
        # 4. The threads end on their own now; each wait is bounded (all of them are daemons).
        running = [name for source in self._started for name in source.join(deadline)]
        running += self.events.join(deadline) + self.asynchronous.join(deadline) + self.timers.join(deadline)
        if self.watcher is not None:
            running += self.watcher.join(deadline)
        if running:
            logger.warning("runtime threads still running %.1f s after stop: %s", timeout, ", ".join(running))
        self._started.clear()
        # Last: until here the emulator's invocations reached the closed functions (answered at once).
        moto.uninstall_runtime_hooks()

    # -- the Lambda service ----------------------------------------------------------------------
    def function(self, name_or_arn: str) -> Function:
        return self.functions[self.deployment.registry.function(name_or_arn).name]

    def invoke(
        self, function_name: str, payload: str, qualifier: str | None = None
    ) -> tuple[int, str, str | None, str]:
        """A synchronous invocation from the emulator (Invoke API, Step Functions tasks) or the runtime (secret
        rotations) of what the caller named (:meth:`target`), running the version decided from that one resolution as
        :meth:`version_of` decides: (status, payload, function error or None, the version that ran). A caller beyond
        the function's concurrency is throttled at once (429), as Lambda answers."""
        target = self.target(function_name, qualifier)
        invocation = target.function.invoke(
            payload, version=self._decide(target.routing), invoked_arn=target.invoked_arn
        )
        return invocation.status, invocation.payload, invocation.function_error, invocation.executed_version

    def invoke_async(self, function_name: str, payload: str, qualifier: str | None = None) -> str:
        # Checked now (Lambda refuses a missing version or alias before accepting the event); an alias is routed per
        # attempt (the asynchronous invoker asks version_of).
        target = self.target(function_name, qualifier)
        return self.asynchronous.submit(target.function, payload, target.invoked_arn)

    def deliver(self, rule_arn: str, target: dict[str, Any], event: dict[str, Any]) -> None:
        self.events.deliver(rule_arn, target, event)

    def target(self, function_name: str, qualifier: str | None = None) -> Target:
        """What a Lambda request names (``FunctionName`` in any of Invoke's forms, and ``Qualifier``:
        :func:`~pulumi_wasp.localcloud.deploy.registry.parse_function_name`), resolved once. Lambda's refusals
        otherwise: FunctionNotFoundError for a function this deployment does not have (or of another region or
        account) or a version or alias the function does not have; the parser's errors for a malformed name."""
        ref = parse_function_name(function_name, qualifier)
        region, account = self.emulator.region, self.emulator.account_id
        invoked = ref.arn(region, account)
        if (ref.region or region, ref.account or account) != (region, account) or ref.name not in self.functions:
            raise FunctionNotFoundError(f"Function not found: {invoked}")
        return Target(self.functions[ref.name], invoked, self._routing(ref, invoked))

    def version_of(self, function_arn: str) -> str:
        return self._decide(self._routing(parse_function_name(function_arn), function_arn))

    def _decide(self, routing: Routing | None) -> str:
        """The version one invocation runs given what its name resolved to (:meth:`_routing`)."""
        if routing is None:
            return LATEST
        primary, weights = routing
        return self.router.choose(primary, weights) if weights else primary

    def _routing(self, ref: FunctionRef, invoked: str) -> Routing | None:
        """The version ``ref``'s version or alias serves and the alias's weights, read from the emulator now (None
        for ``$LATEST``, named or not)."""
        if ref.qualifier is None or ref.qualifier == LATEST:
            return None
        try:
            return moto.version_routing(
                ref.account or self.emulator.account_id, ref.region or self.emulator.region, ref.name, ref.qualifier
            )
        except KeyError:
            raise FunctionNotFoundError(f"Function not found: {invoked}") from None

    # -- failure destinations --------------------------------------------------------------------
    def send_to(
        self, destination_arn: str, body: dict[str, Any] | str, attributes: dict[str, str] | None = None
    ) -> None:
        """Send a failure record to a destination (an SQS queue or an SNS topic)."""
        message = body if isinstance(body, str) else json.dumps(body)
        service = destination_arn.split(":")[2]
        if service == "sqs":
            url = self.deployment.registry.queue_by_arn(destination_arn).url
            message_attributes = {k: {"DataType": "String", "StringValue": v} for k, v in (attributes or {}).items()}
            self.emulator.client("sqs").send_message(
                QueueUrl=url, MessageBody=message, MessageAttributes=message_attributes
            )
        elif service == "sns":
            self.emulator.client("sns").publish(TopicArn=destination_arn, Message=message)
        else:
            raise ValueError(f"unsupported failure destination {destination_arn}")
