"""``wasp local mcp``: an MCP server (stdio) over the running local cloud, for agents and IDE
assistants. Kept free of imports: registering the verb must not load the SDK (the other verbs
are fast); :mod:`.server` builds the server, :mod:`.tools` does the work, :mod:`.connection`
finds the cloud."""

from __future__ import annotations

import argparse


def add_verb(verbs: argparse._SubParsersAction) -> None:
    """Register ``mcp`` beside the other verbs."""
    parser = verbs.add_parser("mcp", help="serve the running local cloud's tools to an MCP client over stdio")
    # Also accepted after the verb; SUPPRESS keeps a --state-dir given before it.
    parser.add_argument(
        "--state-dir",
        default=argparse.SUPPRESS,
        help="the state directory of the serve to drive (default: <program>/.localcloud)",
    )
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from pulumi_wasp.localcloud.mcp.server import serve
    from pulumi_wasp.localcloud.verbs import state_dir

    return serve(state_dir(args).resolve())
