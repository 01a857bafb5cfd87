"""``python -m synthesis``: synthesize a stack offline and print its summary."""

from __future__ import annotations

import argparse
import sys
import time

from pulumi_wasp.synthesis.errors import located
from pulumi_wasp.synthesis.fake_cloud import FakeCloud
from pulumi_wasp.synthesis.program import ProgramError, StackConfig, synthesize
from pulumi_wasp.synthesis.summary import render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synthesis", description=__doc__)
    parser.add_argument(
        "--program",
        default=".",
        help="Pulumi program directory (default: the repo root)",
    )
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml config is used (default: dev)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        config = StackConfig.load(args.program, args.stack)
        result = synthesize(config, FakeCloud.for_stack(config))
    except ProgramError as exc:
        print(f"error: {located(exc, args.program)}", file=sys.stderr)
        return 2
    imports = time.perf_counter() - started - result.seconds
    print(render(result, imports_seconds=imports, tree=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
