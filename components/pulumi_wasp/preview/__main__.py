"""``python -m preview``: run a Pulumi Python program offline and the policy pack over it, like
``pulumi preview --policy-pack policies``.

Exit codes: 0 no mandatory violation, 1 at least one, 2 usage, program or policy-config error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pulumi_wasp.preview.analysis import run_policies
from pulumi_wasp.preview.config import ConfigError, load_config_file, reconcile
from pulumi_wasp.preview.pack import PackError, load_pack
from pulumi_wasp.preview.render import render
from pulumi_wasp.synthesis import FakeCloud, FirstDeploy, ProgramError, StackConfig, synthesize
from pulumi_wasp.synthesis.summary import render as render_summary

REPO = Path.cwd()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m preview", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--program", default=str(REPO), help="Pulumi program directory (default: the current directory)"
    )
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml is used (default: dev)")
    parser.add_argument("--policy-config", metavar="FILE", help="policy pack config (JSON, as --policy-pack-config)")
    parser.add_argument(
        "--first-deploy", action="store_true", help="preview as before the first deploy: computed values unknown"
    )
    parser.add_argument("--json", action="store_true", help="print the resources and findings as JSON")
    parser.add_argument(
        "--summary",
        action="store_true",
        help="print the synthesis summary (resource tree, counts, outputs, timing) first",
    )
    args = parser.parse_args(argv)
    try:
        pack = load_pack()
        policy_config = load_config_file(args.policy_config) if args.policy_config else None
        reconcile(pack, policy_config)  # fail on bad config before running the program
        config = StackConfig.load(args.program, args.stack)
        # Whatever the program prints must not corrupt --json output.
        with contextlib.redirect_stdout(sys.stderr):
            if args.first_deploy:
                synthesis = synthesize(config, FirstDeploy(), preview=True)
            else:
                synthesis = synthesize(config, FakeCloud.for_stack(config))
        report = run_policies(synthesis, policy_config, pack)
    except ConfigError as exc:
        print(f"error: invalid policy config: {exc}", file=sys.stderr)
        return 2
    except (ProgramError, PackError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.summary and not args.json:
        print(render_summary(synthesis), end="\n\n")
    print(json.dumps(report.to_json(), indent=2) if args.json else render(report))
    return 1 if report.mandatory else 0


if __name__ == "__main__":
    sys.exit(main())
