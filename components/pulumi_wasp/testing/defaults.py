"""The harness's defaults, apart so the pytest plugin reads them without importing pulumi."""

from __future__ import annotations

#: The stack a program is synthesized for unless told otherwise: the one ``pulumi stack init`` users make first,
#: so ``Pulumi.dev.yaml`` is read.
DEFAULT_STACK = "dev"
#: The project name of an inline program (a callable has no ``Pulumi.yaml``); it prefixes its URNs and config.
INLINE_PROJECT = "test"
