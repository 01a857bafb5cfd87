"""The pack's entry point: ``pulumi preview --policy-pack policies`` runs this file.

The CLI runs it by path (``python -m pulumi.policy <engine> <pack dir>``) with the pack directory as the
working directory and on ``sys.path``; the repo's preview runs it the same way. Either way the directory is
imported as the ``policies`` package first, so the rule modules' relative imports work wherever the pack
directory was copied to.
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from pulumi_policy import EnforcementLevel, PolicyPack

PACKAGE = "policies"


def _package() -> ModuleType:
    here = Path(__file__).resolve().parent
    loaded = sys.modules.get(PACKAGE)
    if loaded is not None and Path(loaded.__file__ or "").resolve().parent == here:
        return loaded
    spec = importlib.util.spec_from_file_location(PACKAGE, here / "__init__.py", submodule_search_locations=[str(here)])
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    return package


pack = _package()
PolicyPack(
    name=pack.PACK_NAME,
    description="Well-Architected rules for serverless and event-driven stacks on AWS.",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=pack.compose(pack.RULES),
)
