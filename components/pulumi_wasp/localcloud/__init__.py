"""The embedded local cloud: the same Pulumi program and handlers, deployed into moto on
127.0.0.1 and run by a local Lambda runtime with AWS semantics (see ``wasp local --help``).

Kept free of imports: the runtime's zygote and the CLI's verbs import this package.
"""

#: Where a local cloud keeps its logs, function folders and endpoints.json (under the program).
STATE_DIR = ".localcloud"
