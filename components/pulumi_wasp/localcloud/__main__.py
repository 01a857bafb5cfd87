"""``python -m localcloud run|serve|<verb>``: the embedded local cloud.

run    deploy the stack into a fresh emulator, drive the scripted scenario through every flow,
       report each flow and the invariant; exit 1 when a flow fails or the invariant breaks.
serve  deploy and keep running; write .localcloud/endpoints.json; stop on Ctrl-C / SIGTERM.
Other verbs talk to a running serve (see ``python -m localcloud --help``).
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pulumi_wasp.localcloud.console import Console
from pulumi_wasp.localcloud.verbs import add_verbs, state_dir

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.cloud import LocalCloud

PROJECT = Path.cwd()
#: Default speed of local time for run: minutes of retries and windows pass in seconds.
RUN_SPEED = 60.0
#: serve stops within this (normally in about a second, whatever is in flight); past it, every
#: thread's stack is written to stderr and the process exits with status 1, its function
#: processes with it (PR_SET_PDEATHSIG).
STOP_DEADLINE_SECONDS = 20


def _cloud(args: argparse.Namespace, console: Console, speed: float) -> LocalCloud:
    # Imported here: the verbs need none of the deploy and runtime machinery (pulumi, moto).
    from pulumi_wasp.localcloud.cloud import LocalCloud

    program, state = Path(args.program).resolve(), state_dir(args).resolve()
    _log_unexpected_errors(state / "logs" / "localcloud.log")
    return LocalCloud(program, args.stack, speed, console.step, console.resource, state, iam=not args.no_iam)


def _log_unexpected_errors(path: Path) -> None:
    """An unexpected error in one of the runtime's threads goes to a file, not over the report."""
    logger = logging.getLogger("localcloud")
    logger.addHandler(logging.FileHandler(path, delay=True))  # opened at the first error, once logs/ exists

    def record(failure: threading.ExceptHookArgs) -> None:
        thread = failure.thread.name if failure.thread else "?"
        exc_info = (failure.exc_type, failure.exc_value, failure.exc_traceback)
        logger.error("unexpected error in thread %s", thread, exc_info=exc_info)  # type: ignore[arg-type]

    threading.excepthook = record


def run(args: argparse.Namespace) -> int:
    from pulumi_wasp.localcloud.scenario import FLOWS, Cloud, check_invariant, run_flows

    console = Console()
    started = time.perf_counter()
    console.line(f"Local cloud: {args.stack} stack of {args.program} on 127.0.0.1, local time at {args.speed:g}× speed")
    with _cloud(args, console, args.speed) as cloud:
        assert cloud.deployment is not None and cloud.runtime is not None
        console.not_created(cloud.deployment.registry.skipped, cloud.deployment.registry.adjusted)
        client = Cloud(cloud.endpoints())
        console.line("")
        console.line("Scenario")
        flows = [f for f in FLOWS if not args.flow or any(name.lower() in f.name.lower() for name in args.flow)]
        results = run_flows(client, flows, console.flow)
        invariant = check_invariant(client)
        console.invariant(invariant)
        console.functions(client.status())
    console.summary(results, invariant, time.perf_counter() - started, f"{state_dir(args) / 'logs'}")
    return 0 if invariant.holds and all(r.status != "failed" for r in results) else 1


def serve(args: argparse.Namespace) -> int:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    console = Console()
    console.line(f"Local cloud: serving the {args.stack} stack of {args.program} (local time at {args.speed:g}× speed)")
    with _cloud(args, console, args.speed) as cloud:
        assert cloud.deployment is not None and cloud.runtime is not None
        console.not_created(cloud.deployment.registry.skipped, cloud.deployment.registry.adjusted)
        endpoints = {**cloud.endpoints(), "pid": os.getpid(), "runtime_pid": cloud.runtime.zygote.pid}
        path = cloud.state_dir / "endpoints.json"
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(endpoints, indent=2, default=str))
        partial.replace(path)  # readers never see a half-written file
        console.line("")
        console.line(f"API          {endpoints['api_url']}")
        if endpoints["webhook"]:
            console.line(f"Webhook      {endpoints['webhook']['url']} (secret in {path.name})")
        console.line(f"Emulator     {endpoints['emulator_url']} (any AWS SDK or CLI: --endpoint-url, fake credentials)")
        console.line(f"Endpoints    {path}")
        console.line(f"Logs         {cloud.state_dir / 'logs'}")
        console.line("Ctrl-C stops everything.")
        try:
            stop.wait()
        finally:
            faulthandler.dump_traceback_later(STOP_DEADLINE_SECONDS, exit=True)
            path.unlink(missing_ok=True)
    faulthandler.cancel_dump_traceback_later()
    console.line("Stopped: emulator, runtime and every function process.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m localcloud", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--program", default=str(PROJECT), help="Pulumi program directory (default: the current directory)"
    )
    parser.add_argument(
        "--stack", default="dev", help="stack whose Pulumi.<stack>.yaml config is deployed (default: dev)"
    )
    parser.add_argument(
        "--state-dir", help="logs, endpoints.json and function folders (default: <program>/.localcloud)"
    )
    verbs = parser.add_subparsers(dest="verb", required=True)
    run_parser = verbs.add_parser("run", help="deploy, drive every flow, report; exit 1 when a flow fails")
    run_parser.add_argument(
        "--speed", type=float, default=RUN_SPEED, help=f"local time speed-up (default {RUN_SPEED:g})"
    )
    run_parser.add_argument("--flow", action="append", help="run only flows whose name contains this (repeatable)")
    run_parser.set_defaults(handler=run)
    serve_parser = verbs.add_parser("serve", help="deploy and keep running until Ctrl-C / SIGTERM")
    serve_parser.add_argument("--speed", type=float, default=1.0, help="local time speed-up (default 1: AWS's timing)")
    serve_parser.set_defaults(handler=serve)
    for deploying in (run_parser, serve_parser):
        deploying.add_argument(
            "--no-iam", action="store_true", help="do not enforce IAM (default: enforced, as on AWS)"
        )
    add_verbs(verbs)
    args = parser.parse_args(argv)
    if args.verb not in ("run", "serve"):
        return args.handler(args)
    from pulumi_wasp.localcloud.deploy.outcome import DeployError
    from pulumi_wasp.synthesis import ProgramError

    try:
        return args.handler(args)
    except DeployError as failed:
        Console().deploy_failed(failed.outcome)
        return 1
    except ProgramError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    code = main()
    # Everything main() started has stopped: skip the interpreter's teardown of the libraries it
    # loaded (moto, boto3, pulumi: about a second, several on a loaded machine), as the zygote does.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
