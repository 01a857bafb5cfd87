"""The pack's entry point: ``pulumi preview --policy-pack policies`` runs this file.

The rules ship in the ``pulumi-wasp`` package (``pulumi_wasp.policies``); this directory only tells the CLI
how to run them (``PulumiPolicy.yaml``) and what to install (``requirements.txt``). ``wasp policy-pack DIR``
writes the same three files for any other program.
"""

from pulumi_wasp.policies.pack import serve

serve()
