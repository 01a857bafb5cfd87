from __future__ import annotations

import pytest
from shared.config import ConfigurationError, integer, require


def test_a_required_variable_is_read(monkeypatch):
    monkeypatch.setenv("SOME_TABLE", "orders")
    assert require("SOME_TABLE") == "orders"


@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_missing_required_variable_is_named(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("SOME_TABLE", raising=False)
    else:
        monkeypatch.setenv("SOME_TABLE", value)
    with pytest.raises(ConfigurationError, match="Environment variable SOME_TABLE is not set"):
        require("SOME_TABLE")


def test_an_unset_integer_takes_its_default(monkeypatch):
    monkeypatch.delenv("SOME_SECONDS", raising=False)
    assert integer("SOME_SECONDS", 300) == 300


def test_an_integer_is_parsed(monkeypatch):
    monkeypatch.setenv("SOME_SECONDS", "60")
    assert integer("SOME_SECONDS", 300) == 60


@pytest.mark.parametrize("value", ["ten", "0", "-5", "1.5"])
def test_a_malformed_integer_is_named_with_its_value(monkeypatch, value):
    monkeypatch.setenv("SOME_SECONDS", value)
    with pytest.raises(ConfigurationError, match=f"SOME_SECONDS must be a positive integer, got '{value}'"):
        integer("SOME_SECONDS", 300)
