"""``wasp local run|serve|bench``: the handlers behind the CLI's local-cloud commands (its arguments are
declared in :mod:`pulumi_wasp.cli`; the verbs against a running serve are in :mod:`.verbs`)."""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pulumi_wasp.localcloud import serve_lock
from pulumi_wasp.localcloud.console import Console
from pulumi_wasp.localcloud.runtime.faults import DEFAULT_SEED
from pulumi_wasp.localcloud.verbs import state_dir

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.cloud import LocalCloud
    from pulumi_wasp.preview.analysis import PolicySession

#: Default speed of local time for run and bench: minutes of retries and windows pass in seconds.
RUN_SPEED = 60.0
#: serve stops within this (normally in about a second, whatever is in flight); past it, every
#: thread's stack is written to stderr and the process exits with status 1, its function
#: processes with it (PR_SET_PDEATHSIG).
STOP_DEADLINE_SECONDS = 20
#: How often serve's main thread wakes to run pending signal handlers.
SIGNAL_POLL_SECONDS = 0.5


@contextlib.contextmanager
def _cloud(
    args: argparse.Namespace,
    console: Console,
    speed: float,
    policies: PolicySession | None = None,
    reload: bool = False,
) -> Iterator[LocalCloud]:
    """The local cloud of these arguments, started, on a state directory this process holds (one local
    cloud per directory: its logs and endpoints.json are never another process's)."""
    from pulumi_wasp.localcloud.cloud import LocalCloud

    program, state = Path(args.program).resolve(), state_dir(args).resolve()
    holder = serve_lock.Holder.this_process(args.verb, program, args.stack)
    with serve_lock.hold(state, holder, console.line):
        _log_unexpected_errors(state / "logs" / "localcloud.log")
        # bench declares no --fault: its measurement is never faulted.
        faults, seed = getattr(args, "fault", []), getattr(args, "fault_seed", DEFAULT_SEED)
        cloud = LocalCloud(
            program,
            args.stack,
            speed,
            console.step,
            console.resource,
            state,
            reload=reload,
            iam=not getattr(args, "no_iam", False),
            faults=faults,
            fault_seed=seed,
            policies=policies,
        )
        cloud.on_reload = lambda function, path, how: console.line(f"Reloaded {function.spec.name}: {path} {how}")
        with cloud:
            yield cloud


def _policies(args: argparse.Namespace) -> PolicySession | None:
    """The packaged policy pack with ``--policy-config`` as ``pulumi up --policy-pack --policy-pack-config``
    runs it (a deploy, not a preview), or None without the option: the local cloud runs no pack by default.
    Invalid config raises :class:`~pulumi_wasp.preview.ConfigError` (a usage error, exit 2)."""
    path = args.policy_config
    if path is None:
        return None
    from pulumi_wasp.preview.analysis import PolicySession
    from pulumi_wasp.preview.config import load_config_file
    from pulumi_wasp.preview.pack import load_pack

    return PolicySession(load_pack(), load_config_file(path), dry_run=False)


def _log_unexpected_errors(path: Path) -> None:
    """An unexpected error in one of the runtime's threads goes to a file, not over the report."""
    logger = logging.getLogger("localcloud")
    logger.addHandler(logging.FileHandler(path, delay=True))  # opened at the first error, once logs/ exists

    def record(failure: threading.ExceptHookArgs) -> None:
        thread = failure.thread.name if failure.thread else "?"
        exc_info = (failure.exc_type, failure.exc_value, failure.exc_traceback)
        logger.error("unexpected error in thread %s", thread, exc_info=exc_info)  # type: ignore[arg-type]

    threading.excepthook = record


def _deploy_report(cloud: LocalCloud, console: Console) -> None:
    assert cloud.deployment is not None
    console.not_created(cloud.deployment.registry.skipped, cloud.deployment.registry.adjusted)
    if cloud.deployment.policy_report is not None:
        console.policies(cloud.deployment.policy_report)


def run(args: argparse.Namespace) -> int:
    """Deploy, run the program's scenario (if it has one), report; 1 when the scenario failed."""
    from pulumi_wasp.localcloud.client import Cloud, FlowFailedError
    from pulumi_wasp.localcloud.scenario import hook
    from pulumi_wasp.localcloud.scenario.flows import FlowSelectionError

    program = Path(args.program).resolve()
    scenario_file = hook.path_of(program)
    module = hook.load(program)  # before the deploy: a broken scenario file fails at once
    if module is None and args.flow:
        raise hook.ScenarioError(f"--flow selects flows of a scenario, and {scenario_file} does not exist")
    policies = _policies(args)  # so is bad policy config
    console = Console()
    started = time.perf_counter()
    console.line(f"Local cloud: {args.stack} stack of {program} on 127.0.0.1, local time at {args.speed:g}× speed")
    failure: str | None = None
    with _cloud(args, console, args.speed, policies) as cloud:
        _deploy_report(cloud, console)  # start() raised DeployError unless the deploy succeeded
        client = Cloud(cloud.endpoints(), report=console.line, flows=args.flow or ())
        console.line("")
        if module is None:
            console.line(f"No scenario: {scenario_file} does not exist (see `wasp local run --help`)")
        else:
            console.line(f"Scenario ({scenario_file.name})")
            try:
                module.scenario(client)
            except FlowSelectionError:
                raise
            except FlowFailedError as exc:
                failure = str(exc)
            except Exception as exc:  # the scenario's own error: where it is, not a traceback of ours
                failure = f"{hook.where(exc, scenario_file)}: {type(exc).__name__}: {exc}"
            if args.flow and failure is None and not client.flow_results:
                raise FlowSelectionError(f"--flow: {scenario_file.name} runs no named flows (run_flows)")
        console.functions(client.status())
        if args.fault:  # the delivery report of a faulted run
            from pulumi_wasp.localcloud import delivery
            from pulumi_wasp.localcloud.faults import format_report

            assert cloud.runtime is not None
            console.line("")
            for line in format_report(delivery.report(cloud.runtime)):
                console.line(line)
    console.summary(failure, client.flow_results, time.perf_counter() - started, f"{state_dir(args) / 'logs'}")
    return 1 if failure else 0


def serve(args: argparse.Namespace) -> int:
    """Deploy and keep running until SIGINT or SIGTERM; endpoints.json while it runs."""
    policies = _policies(args)  # before anything starts: bad config is a usage error
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    console = Console()
    program = Path(args.program).resolve()
    console.line(f"Local cloud: serving the {args.stack} stack of {program} (local time at {args.speed:g}× speed)")
    with _cloud(args, console, args.speed, policies, reload=not args.no_reload) as cloud:
        assert cloud.runtime is not None
        _deploy_report(cloud, console)
        endpoints = {
            **cloud.endpoints(),
            "pid": os.getpid(),
            "process_start": serve_lock.process_start(os.getpid()),
            "runtime_pid": cloud.runtime.zygote.pid,
        }
        path = cloud.state_dir / "endpoints.json"
        serve_lock.write_endpoints(path, endpoints)
        console.line("")
        if endpoints["api_url"]:
            console.line(f"API          {endpoints['api_url']}")
        if endpoints["webhook"]:
            console.line(f"Webhook      {endpoints['webhook']['url']} (secret in {path.name})")
        console.line(f"Emulator     {endpoints['emulator_url']} (any AWS SDK or CLI: --endpoint-url, fake credentials)")
        console.line(f"Endpoints    {path}")
        console.line(f"Logs         {cloud.state_dir / 'logs'} (earlier runs' in logs.1/, logs.2/ …)")
        watcher = cloud.runtime.watcher
        console.line(f"Reload       {f'on: {len(watcher.folders)} code folders watched' if watcher else 'off'}")
        console.line("Ctrl-C stops everything.")
        try:
            # A bounded wait, looped: the kernel may deliver SIGTERM to any of the runtime's threads, and then a
            # main thread blocked without a timeout would never wake to run the Python handler (seen under load).
            while not stop.wait(SIGNAL_POLL_SECONDS):
                pass
        finally:
            faulthandler.dump_traceback_later(STOP_DEADLINE_SECONDS, exit=True)
            serve_lock.remove_own_endpoints(path)
    faulthandler.cancel_dump_traceback_later()
    console.line("Stopped: emulator, runtime and every function process.")
    return 0


def bench(args: argparse.Namespace) -> int:
    """The program's load end to end; the result as one line of JSON on stdout, progress on stderr."""
    from pulumi_wasp.localcloud import bench as benchmark

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds through run(): everything is stopped

    signal.signal(signal.SIGTERM, terminate)

    def say(line: str) -> None:
        print(f"bench: {line}", file=sys.stderr, flush=True)

    try:
        result = benchmark.run(
            args.orders,
            program=Path(args.program),
            stack=args.stack,
            speed=args.speed,
            clients=args.clients,
            window=args.window or None,
            warmup=args.warmup,
            timeout=args.timeout,
            progress=say,
        )
    except benchmark.BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    say(f"{result['orders']} units in {result['seconds']:.2f} s: {result['orders_per_second']:.1f} per second")
    print(json.dumps(result))
    return 0


def command(name: str, args: argparse.Namespace) -> int:
    """Run ``wasp local <name>``; a deploy that did not succeed is reported (each resource not created, and
    why) and exits 1, with nothing left running."""
    from pulumi_wasp.localcloud.deploy.outcome import DeployError, PolicyViolationError
    from pulumi_wasp.localcloud.runtime.faults import FaultSpecError

    try:
        return {"run": run, "serve": serve, "bench": bench}[name](args)
    except DeployError as failed:
        Console().deploy_failed(failed.outcome)
        return 1
    except PolicyViolationError as refused:
        Console().policy_refused(refused.report)
        return 1
    except FaultSpecError as exc:  # a --fault naming a function the program does not deploy
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except serve_lock.StateDirInUseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
