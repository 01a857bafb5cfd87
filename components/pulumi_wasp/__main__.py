"""``python -m pulumi_wasp``: the ``wasp`` command."""

import sys

from pulumi_wasp.cli import script

if __name__ == "__main__":
    sys.exit(script(sys.argv[1:]))
