"""pulumi_wasp.testing's public surface: every name re-exported, each imported on first use."""

from __future__ import annotations

import subprocess
import sys

import pytest

import pulumi_wasp.testing as testing


def test_all_lists_exactly_the_lazy_exports():
    assert sorted(testing.__all__) == sorted(testing._EXPORTS)


@pytest.mark.parametrize("name", testing.__all__)
def test_every_public_name_resolves(name):
    assert getattr(testing, name) is not None


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match=r"module 'pulumi_wasp.testing' has no attribute 'synthesise'"):
        testing.synthesise  # noqa: B018 - the access is the test


def test_importing_the_package_does_not_import_pulumi():
    code = "import sys, pulumi_wasp.testing; print(sorted(m for m in sys.modules if m.split('.')[0] == 'pulumi'))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
