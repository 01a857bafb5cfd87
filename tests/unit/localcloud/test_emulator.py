"""The emulator's process-wide settings last only while it runs: an embedding process's own moto is left as it was."""

from __future__ import annotations

import os

import pytest

from pulumi_wasp.localcloud.emulator import Emulator


def test_stopping_puts_back_the_moto_settings_it_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOTO_IAM_LOAD_MANAGED_POLICIES", raising=False)
    monkeypatch.setenv("MOTO_PORT", "5000")
    emulator = Emulator(iam=False).start()
    try:
        assert os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] == "true"
        assert os.environ["MOTO_PORT"] == emulator.url.rsplit(":", 1)[1]
    finally:
        emulator.stop()
    assert "MOTO_IAM_LOAD_MANAGED_POLICIES" not in os.environ
    assert os.environ["MOTO_PORT"] == "5000"
