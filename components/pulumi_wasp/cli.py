"""``wasp``: the toolkit's one command (``wasp --help``; ``wasp <command> --help`` for each command).

The arguments of every command are declared here, and nothing heavy is imported before a command runs:
each command names the optional modules it needs, checked first, so a missing extra is one line saying
which to install rather than an ImportError.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pulumi_wasp import __version__

#: The extra that installs each optional module a command may need.
EXTRAS = {"pulumi_policy": "policy", "moto": "local", "boto3": "local"}
POLICY = ("pulumi_policy",)
LOCAL_CLOUD = ("pulumi_policy", "moto", "boto3")
VERBS = ("boto3",)
RAW = argparse.RawDescriptionHelpFormatter
#: Default speed of local time for run and bench: minutes of retries and windows pass in seconds.
RUN_SPEED = 60.0

DESCRIPTION = """Well-Architected serverless patterns for Pulumi (Python) on AWS: an offline policy
preview, the synthesis of a program under realistic mocks, the CrossGuard pack for the Pulumi CLI,
and an embedded local cloud. Every command works on the Pulumi program in the current directory
unless --program says otherwise."""

LOCAL_DESCRIPTION = """The embedded local cloud: the program and its handlers deployed into an emulator (moto)
on 127.0.0.1 and run by a local Lambda runtime with AWS semantics.

  run     deploy into a fresh emulator, print the deploy report, run the program's scenario
          (localcloud_scenario.py next to __main__.py, defining scenario(cloud)) and report;
          exit 1 when the scenario fails, 0 when the deploy succeeded and there is no scenario
  serve   deploy and keep running until Ctrl-C or SIGTERM; endpoints in <state-dir>/endpoints.json
  bench   the throughput of the load the scenario file defines as `bench`, as JSON
  other   verbs against a running serve (invoke, send, receive, publish, put-event, start,
          history, logs, fire, status); names are exact: logical (endpoints.json) or physical

Exit status: 0 done; 1 not done: a failed scenario or deploy, the state directory held by another
serve or run, the cloud not running, a function error, an execution that did not succeed, an API
error code; 2 a usage error (an unknown name, malformed JSON); 130 Ctrl-C."""

RUN_DESCRIPTION = """Deploy the program into a fresh emulator, print the deploy report, then run its scenario.

The scenario is the file localcloud_scenario.py in the program directory, defining
scenario(cloud) -> None: it drives the running cloud through
pulumi_wasp.localcloud.client.Cloud and raises when a flow fails (exit 1).
Without the file the run says so and exits 0 once the deploy succeeded."""

PREVIEW_DESCRIPTION = """Run a Pulumi Python program offline and the policy pack over it, as
pulumi preview --policy-pack would.

Exit status: 0 no mandatory violation, 1 at least one, 2 a usage, program or policy-config error."""

PACK_DESCRIPTION = """Write a CrossGuard policy pack directory for the Pulumi CLI
(pulumi preview --policy-pack DIR): PulumiPolicy.yaml, __main__.py and a requirements.txt
installing this version of the rules. A non-empty DIR that is not a pack is not overwritten."""


class MissingExtraError(Exception):
    """A command needs an optional module that is not installed (the message names the extra)."""


def require(command: str, modules: Sequence[str]) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            extra = EXTRAS[module]
            raise MissingExtraError(
                f"wasp {command} needs the {extra} extra: pip install 'pulumi-wasp[{extra}]' ({exc})"
            ) from None


# -- the commands -----------------------------------------------------------------------------------------------
def _preview(args: argparse.Namespace) -> int:
    from pulumi_wasp.preview.command import run

    return run(args)


def _synth(args: argparse.Namespace) -> int:
    from pulumi_wasp.synthesis.__main__ import main as synth

    return synth(["--program", args.program, "--stack", args.stack])


def _policy_pack(args: argparse.Namespace) -> int:
    from pulumi_wasp.policies import directory
    from pulumi_wasp.preview.pack import load_pack

    try:
        written = directory.write(Path(args.directory), args.requirement)
    except directory.PackDirectoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rules = sum(1 for name in load_pack().policies if name != "exemptions")
    requirement = written[-1].read_text().splitlines()[-1]
    print(f"wrote {', '.join(p.name for p in written)} to {args.directory}: {rules} rules, installed by {requirement}")
    print(f"use it with: pulumi preview --policy-pack {args.directory}")
    return 0


def _local(name: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        from pulumi_wasp.localcloud import commands

        return commands.command(name, args)

    return handler


# -- the parser -------------------------------------------------------------------------------------------------
def _program(parser: argparse.ArgumentParser, default: object = ".") -> None:
    parser.add_argument(
        "--program", default=default, metavar="DIR", help="Pulumi program directory (default: the current directory)"
    )


def _stack(parser: argparse.ArgumentParser, what: str, default: object = "dev") -> None:
    parser.add_argument("--stack", default=default, help=f"stack whose Pulumi.<stack>.yaml is {what} (default: dev)")


def _local_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """--program, --stack and --state-dir of ``wasp local``: given before the verb or after it (after it,
    the parser's defaults are suppressed so they do not overwrite a value given before)."""
    if default is argparse.SUPPRESS:
        _program(parser, default)
        _stack(parser, "deployed", default)
    else:
        _program(parser)
        _stack(parser, "deployed")
    parser.add_argument(
        "--state-dir",
        default=default,
        metavar="DIR",
        help="logs, endpoints.json and function folders (default: <program>/.localcloud)",
    )


def _debug(parser: argparse.ArgumentParser, default: object = False) -> None:
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show the traceback of an unexpected error"
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="wasp", description=DESCRIPTION, formatter_class=RAW)
    root.add_argument("--version", action="version", version=f"wasp (pulumi-wasp) {__version__}")
    _debug(root)
    commands = root.add_subparsers(dest="command", required=True, metavar="<command>")

    preview = commands.add_parser(
        "preview", help="the policy pack over a program offline", description=PREVIEW_DESCRIPTION, formatter_class=RAW
    )
    _program(preview)
    _stack(preview, "used")
    preview.add_argument("--policy-config", metavar="FILE", help="policy pack config (JSON, as --policy-pack-config)")
    preview.add_argument(
        "--first-deploy", action="store_true", help="preview as before the first deploy: computed values unknown"
    )
    preview.add_argument("--json", action="store_true", help="print the resources and findings as JSON")
    preview.add_argument(
        "--summary",
        action="store_true",
        help="print the synthesis summary first: AWS resources by type, stack outputs, timing",
    )
    preview.add_argument(
        "--tree", action="store_true", help="the summary with the resource tree by component (implies --summary)"
    )
    preview.set_defaults(handler=_preview, requires=POLICY)

    synth = commands.add_parser(
        "synth",
        help="a program's resource tree, synthesized offline",
        description="Synthesize a program offline under realistic mocks and print its resource tree, counts and outputs.",
    )
    _program(synth)
    _stack(synth, "used")
    synth.set_defaults(handler=_synth, requires=())

    pack = commands.add_parser(
        "policy-pack",
        help="write a policy pack directory for the Pulumi CLI",
        description=PACK_DESCRIPTION,
        formatter_class=RAW,
    )
    pack.add_argument("directory", metavar="DIR", help="the pack directory to write (created if absent)")
    pack.add_argument(
        "--requirement",
        metavar="SPEC",
        help=f"the pip requirement that installs the rules (default: pulumi-wasp[policy]=={__version__}); "
        "e.g. a wheel path or a git URL",
    )
    pack.set_defaults(handler=_policy_pack, requires=POLICY)

    local = commands.add_parser(
        "local",
        help="the embedded local cloud: run, serve, bench, verbs",
        description=LOCAL_DESCRIPTION,
        formatter_class=RAW,
    )
    _local_options(local)
    verbs = local.add_subparsers(dest="verb", required=True, metavar="<verb>")
    run = verbs.add_parser(
        "run", help="deploy, run the program's scenario, report", description=RUN_DESCRIPTION, formatter_class=RAW
    )
    run.add_argument("--speed", type=float, default=RUN_SPEED, help=f"local time speed-up (default {RUN_SPEED:g})")
    run.add_argument(
        "--flow",
        action="append",
        metavar="TEXT",
        help="run only the scenario's flows whose name contains TEXT, case-insensitive (repeatable)",
    )
    run.set_defaults(handler=_local("run"), requires=LOCAL_CLOUD)
    serve = verbs.add_parser("serve", help="deploy and keep running until Ctrl-C or SIGTERM")
    serve.add_argument("--speed", type=float, default=1.0, help="local time speed-up (default 1: AWS's timing)")
    serve.add_argument(
        "--no-reload",
        action="store_true",
        help="do not reload a function when its code changes (default: reload, from the next invocation)",
    )
    from pulumi_wasp.localcloud.faults import add_fault_options  # light: the runtime's fault specs only

    add_fault_options(run)
    add_fault_options(serve)
    serve.set_defaults(handler=_local("serve"), requires=LOCAL_CLOUD)
    for deploying in (run, serve):
        deploying.add_argument(
            "--no-iam", action="store_true", help="do not enforce IAM (default: enforced, as AWS does)"
        )
        deploying.add_argument(
            "--policy-config",
            metavar="FILE",
            help="run the policy pack in the deploy with this config (JSON, as --policy-pack-config), as pulumi up "
            "--policy-pack does: remediations are deployed, a mandatory violation fails the deploy "
            "(default: no pack)",
        )
    _bench_parser(verbs)
    from pulumi_wasp.localcloud.verbs import add_verbs  # light: boto3 only once a verb runs

    add_verbs(verbs)
    from pulumi_wasp.localcloud.mcp import add_verb as add_mcp_verb  # light: the SDK only once mcp runs

    add_mcp_verb(verbs)
    for name, verb in verbs.choices.items():
        _local_options(verb, argparse.SUPPRESS)
        if name not in ("run", "serve", "bench"):
            verb.set_defaults(requires=VERBS)
    for sub in _below(root):  # --debug anywhere on the line (after the command, a value given before stays)
        _debug(sub, argparse.SUPPRESS)
    return root


def _below(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every subcommand's parser under ``parser``."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += [sub, *_below(sub)]
    return found


def _bench_parser(verbs: argparse._SubParsersAction) -> None:
    from pulumi_wasp.localcloud.bench import SPEED, WARMUP_UNITS, WINDOW

    bench = verbs.add_parser(
        "bench",
        help="throughput of the scenario file's load end to end, as JSON",
        description="Deploy the program once, then push units of the load its localcloud_scenario.py defines as "
        "`bench` (orders, for the reference system) end to end; one line of JSON on stdout (orders, seconds, "
        "orders_per_second, stages, cpu_seconds, warmup_orders, invocations, ...), progress on stderr.",
    )
    bench.add_argument("--orders", type=int, default=200, help="units of load to push through (default 200)")
    bench.add_argument("--speed", type=float, default=SPEED, help=f"local time speed-up (default {SPEED:g})")
    bench.add_argument("--clients", type=int, help="concurrent callers (default: the load's own number)")
    bench.add_argument(
        "--window", type=int, default=WINDOW, help=f"units in flight at most, 0: all at once (default {WINDOW})"
    )
    bench.add_argument("--warmup", type=int, default=WARMUP_UNITS, help=f"warm-up units (default {WARMUP_UNITS})")
    bench.add_argument("--timeout", type=float, help="seconds for the measured units (default 60 + orders)")
    bench.set_defaults(handler=_local("bench"), requires=LOCAL_CLOUD)


# -- entry points -----------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status. ``argv`` None: the process' arguments, as the console script."""
    if argv is None:
        return script(sys.argv[1:])
    args = parser().parse_args(list(argv))
    command = f"{args.command} {args.verb}" if args.command == "local" else args.command
    try:
        require(command, args.requires)
        return int(args.handler(args))
    except MissingExtraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: what the command started has been stopped on the way out
        return 130
    except Exception as exc:
        if args.debug:
            raise
        user_error = _user_error(exc, getattr(args, "program", "."))
        if user_error is not None:
            print(f"error: {user_error}", file=sys.stderr)
            return 2
        print(
            f"error: unexpected {type(exc).__name__}: {exc} (wasp --debug {' '.join(argv)} shows the traceback)",
            file=sys.stderr,
        )
        return 1


def _user_error(exc: Exception, program_dir: str) -> str | None:
    """The message of an error in what the user gave (the program, its config, the scenario file), None for
    any other. The program's error class is only looked up when the synthesis engine was loaded (else none
    was raised); a program error names the program's file and line where its own code raised it."""
    from pulumi_wasp.localcloud.scenario.hook import ScenarioError

    if isinstance(exc, ScenarioError):
        return str(exc)
    policy_config = sys.modules.get("pulumi_wasp.preview.config")
    if policy_config is not None and isinstance(exc, policy_config.ConfigError):
        return f"invalid policy config: {exc}"
    errors = sys.modules.get("pulumi_wasp.synthesis.errors")
    if errors is not None and isinstance(exc, errors.ProgramError):
        return str(errors.located(exc, program_dir))
    return None


def script(argv: Sequence[str]) -> int:
    """As the console script: after a local-cloud command everything it started has stopped, so the
    interpreter's teardown of the libraries it loaded (moto, boto3, pulumi: about a second, several on a
    loaded machine) is skipped, as the runtime's zygote does."""
    code = main(argv)
    if argv[:1] == ["local"]:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
