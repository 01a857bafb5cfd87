"""Component type tokens: ``wasp:<module>:<Type>``, the package's own prefix (pulumi-wasp → ``wasp:``, as
pulumi-awsx → ``awsx:``), each with an alias for the ``serverless:`` token it had up to 0.1.0 so a stack
deployed with 0.1.0 keeps its resources instead of replacing them."""

from __future__ import annotations

import pulumi

PACKAGE = "wasp"
#: The token package of 0.1.0; every component answers to its old token through an alias.
LEGACY_PACKAGE = "serverless"


def component_type(
    module: str, type_name: str, opts: pulumi.ResourceOptions | None
) -> tuple[str, pulumi.ResourceOptions]:
    """The component's type token and ``opts`` with the alias for its 0.1.0 token added.

    The user's own aliases are kept, in front of the legacy one: the engine tries aliases in order.
    """
    legacy = pulumi.Alias(type_=f"{LEGACY_PACKAGE}:{module}:{type_name}")
    merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[legacy]))
    return f"{PACKAGE}:{module}:{type_name}", merged
