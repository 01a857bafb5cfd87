"""``python -m pulumi_wasp.localcloud``: the same as ``wasp local`` (an internal entry point)."""

import sys

from pulumi_wasp.cli import script

if __name__ == "__main__":
    sys.exit(script(["local", *sys.argv[1:]]))
