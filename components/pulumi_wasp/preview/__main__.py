"""``python -m pulumi_wasp.preview``: the same as ``wasp preview`` (an internal entry point)."""

import sys

from pulumi_wasp.cli import script

if __name__ == "__main__":
    sys.exit(script(["preview", *sys.argv[1:]]))
