"""``wasp local mcp``: an MCP server (stdio) over the running local cloud, for agents and IDE
assistants. Kept free of imports: registering the verb must not load the SDK (the other verbs
are fast); :mod:`.server` builds the server, :mod:`.tools` does the work, :mod:`.connection`
finds the cloud."""

from __future__ import annotations

import argparse
import sys


def add_verb(verbs: argparse._SubParsersAction) -> None:
    """Register ``mcp`` beside the other verbs (which give it --program, --stack and --state-dir)."""
    parser = verbs.add_parser("mcp", help="serve the running local cloud's tools to an MCP client over stdio")
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from pulumi_wasp.localcloud.verbs import state_dir

    try:
        from pulumi_wasp.localcloud.mcp.server import serve
    except ImportError as exc:  # the SDK comes with the local extra
        print(f"error: wasp local mcp needs the local extra: pip install 'pulumi-wasp[local]' ({exc})", file=sys.stderr)
        return 2
    return serve(state_dir(args).resolve())
