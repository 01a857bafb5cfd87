"""``wasp preview``: run a Pulumi Python program offline and the policy pack over it, as
``pulumi preview --policy-pack`` would (its arguments are declared in :mod:`pulumi_wasp.cli`).

Exit status: 0 no mandatory violation, 1 at least one, 2 a usage, program or policy-config error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

from pulumi_wasp.preview.analysis import PolicySession
from pulumi_wasp.preview.config import ConfigError, load_config_file
from pulumi_wasp.preview.pack import PackError, load_pack
from pulumi_wasp.preview.render import render
from pulumi_wasp.synthesis import FakeCloud, FirstDeploy, ProgramError, StackConfig, synthesize
from pulumi_wasp.synthesis.errors import located
from pulumi_wasp.synthesis.summary import render as render_summary


def run(args: argparse.Namespace) -> int:
    try:
        policy_config = load_config_file(args.policy_config) if args.policy_config else None
        # Bad config fails here, before the program runs; the pack then sees each resource as it registers.
        session = PolicySession(load_pack(), policy_config)
        config = StackConfig.load(args.program, args.stack)
        # Whatever the program prints must not corrupt --json output.
        with contextlib.redirect_stdout(sys.stderr):
            if args.first_deploy:
                synthesis = synthesize(config, FirstDeploy(), preview=True, analyzer=session)
            else:
                synthesis = synthesize(config, FakeCloud.for_stack(config), analyzer=session)
        report = session.finish(synthesis)
    except ConfigError as exc:
        print(f"error: invalid policy config: {exc}", file=sys.stderr)
        return 2
    except ProgramError as exc:
        print(f"error: {located(exc, args.program)}", file=sys.stderr)
        return 2
    except PackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if (args.summary or args.tree) and not args.json:
        print(render_summary(synthesis, tree=args.tree), end="\n\n")
    print(json.dumps(report.to_json(), indent=2) if args.json else render(report))
    return 1 if report.mandatory else 0
