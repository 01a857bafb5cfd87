"""The deployment contract: a function's archive is its folder plus ``shared/``, both at the archive root, and its
handler is addressed as ``<folder>.<module>.handler``."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lambda_testkit import ENVIRONMENT

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"
HANDLERS = [
    "orders_api.api.handler",
    "order_projector.projector.handler",
    "order_projector.sweeper.handler",
    "fulfilment.reserve_inventory.handler",
    "fulfilment.process_payment.handler",
    "fulfilment.arrange_shipping.handler",
    "fulfilment.release_inventory.handler",
    "fulfilment.refund_payment.handler",
    "fulfilment.conclude_order.handler",
    "order_workers.inventory.handler",
    "order_workers.shipping.handler",
    "order_workers.analytics.handler",
    "payment_webhooks.verifier.handler",
    "payment_webhooks.worker.handler",
    "invoices.worker.handler",
    "clickstream.processor.handler",
    "bulk_import.importer.handler",
    "maintenance.cleanup.handler",
    "maintenance.reconcile.handler",
]
FOLDERS = sorted({handler.split(".")[0] for handler in HANDLERS})
RUNTIME = {"aws_lambda_powertools", "boto3", "botocore"}  # what the Lambda runtime and the Powertools layer provide


def imported_roots(folder: str) -> dict[str, set[str]]:
    """Top-level modules each file of ``lambdas/<folder>`` imports."""
    roots: dict[str, set[str]] = {}
    for path in sorted((LAMBDAS / folder).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        roots[path.name] = names - {"__future__"}
    return roots


@pytest.mark.parametrize("folder", [*FOLDERS, "shared"])
def test_a_folder_imports_only_itself_shared_and_the_runtime(folder):
    allowed = {folder, "shared", *RUNTIME, *sys.stdlib_module_names}
    if folder == "orders_api":
        allowed.add("pydantic")  # the one function that validates with the Powertools parser
    strays = {name: sorted(roots - allowed) for name, roots in imported_roots(folder).items() if roots - allowed}
    assert strays == {}


def test_every_handler_imports_from_its_own_archive_without_network_or_pydantic(tmp_path):
    """Each handler imports from an archive of just its folder + shared/, with AWS unreachable (so any call made at
    import fails it); pydantic is only ever loaded by orders-api, imported last."""
    for folder in FOLDERS:
        for part in (folder, "shared"):
            shutil.copytree(LAMBDAS / part, tmp_path / folder / part, ignore=shutil.ignore_patterns("__pycache__"))
    plan = sorted(HANDLERS, key=lambda handler: handler.startswith("orders_api."))
    script = """
import importlib, json, sys
archives, plan, seen = sys.argv[1], json.loads(sys.argv[2]), {}
for handler in plan:
    folder, module_name, attribute = handler.split(".")
    for name in [m for m in sys.modules if m.split(".")[0] in (folder, "shared")]:
        del sys.modules[name]
    sys.path.insert(0, f"{archives}/{folder}")
    module = importlib.import_module(f"{folder}.{module_name}")
    seen[handler] = {"callable": callable(getattr(module, attribute, None)), "pydantic": "pydantic" in sys.modules}
    sys.path.pop(0)
print(json.dumps(seen))
"""
    environment = ENVIRONMENT | {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), json.dumps(plan)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert {handler: result["callable"] for handler, result in seen.items()} == dict.fromkeys(HANDLERS, True)
    assert [handler for handler, result in seen.items() if result["pydantic"]] == ["orders_api.api.handler"]
