"""A permissions boundary, a path and a name prefix on every role the components create, from the stack context."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import StackContext
from pulumi_wasp.testing import synthesize
from tests.conftest import REPO

BOUNDARY = "arn:aws:iam::123456789012:policy/platform-boundary"
ROLE = "aws:iam/role:Role"


@pytest.fixture(scope="module")
def guarded():
    """The reference system (every component kind that creates a role) under the three settings."""
    config = {"rolePermissionsBoundary": BOUNDARY, "rolePath": "/apps/orders/", "roleNamePrefix": "acme-"}
    return synthesize(REPO, stack="prod", config=config)


def test_every_role_has_the_permissions_boundary(guarded):
    roles = guarded.of_type(ROLE)
    assert len(roles) >= 15
    assert [r.name for r in roles if r.inputs.get("permissionsBoundary") != BOUNDARY] == []


def test_every_role_has_the_path(guarded):
    assert [r.name for r in guarded.of_type(ROLE) if r.inputs.get("path") != "/apps/orders/"] == []


def test_every_role_name_starts_with_the_prefix_within_iams_limit(guarded):
    names = [r.input("name") for r in guarded.of_type(ROLE)]
    assert [n for n in names if not n.startswith("acme-order-platform-prod-") or len(n) > 64] == []
    assert len(set(names)) == len(names)


def test_without_the_settings_roles_keep_iams_defaults(prod_stack):
    roles = prod_stack.of_type(ROLE)
    assert [r.name for r in roles if {"permissionsBoundary", "path"} & r.inputs.keys()] == []


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"role_permissions_boundary": "platform-boundary"},
            "StackContext.role_permissions_boundary must be a managed policy ARN",
        ),
        ({"role_path": "apps"}, "StackContext.role_path must start and end with '/'"),
        (
            {"role_name_prefix": "acme prod-"},
            "StackContext.role_name_prefix 'acme prod-': IAM role name may not contain ' '",
        ),
    ],
)
def test_bad_settings_fail_naming_the_setting(given, message):
    with pytest.raises(ValueError, match=message):
        StackContext(**given)
