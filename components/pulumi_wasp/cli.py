"""``wasp``: the toolkit's one command. Subcommands hand their arguments to the tool they name."""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = """usage: wasp <command> [options]

commands:
  preview   synthesize a Pulumi Python program offline and run the policy pack over it
  synth     synthesize a program offline and print its resource tree
  local     the embedded local cloud: run, serve, or a verb against a running serve

`wasp <command> --help` shows a command's options."""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "preview":
        from pulumi_wasp.preview.__main__ import main as preview

        return preview(rest)
    if command == "synth":
        from pulumi_wasp.synthesis.__main__ import main as synth

        return synth(rest)
    if command == "local":
        from pulumi_wasp.localcloud.__main__ import main as local

        return local(rest)
    print(f"wasp: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2
