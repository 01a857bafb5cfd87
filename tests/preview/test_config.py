"""Policy config reconciled as the CLI does it, and validated against each policy's schema."""

from __future__ import annotations

import pytest

from pulumi_wasp.preview import ConfigError, LoadedPack, load_pack, reconcile


@pytest.fixture(scope="module")
def pack() -> LoadedPack:
    return load_pack()


def test_defaults_come_from_each_policy_schema(pack: LoadedPack) -> None:
    settings = reconcile(pack, None)
    assert settings["lambda-reserved-concurrency"].properties == {"max": 1000}
    assert settings["lambda-reserved-concurrency"].level == "mandatory"


def test_all_sets_every_level_and_a_policy_entry_overrides_it(pack: LoadedPack) -> None:
    settings = reconcile(pack, {"all": "advisory", "sqs-encryption": {"enforcementLevel": "disabled"}})
    assert settings["lambda-tracing-active"].level == "advisory"
    assert settings["sqs-encryption"].level == "disabled"


def test_given_keys_are_merged_over_the_defaults(pack: LoadedPack) -> None:
    settings = reconcile(pack, {"lambda-explicit-memory": {"max": 2048}})
    assert settings["lambda-explicit-memory"].properties == {"min": 128, "max": 2048}


def test_an_unknown_policy_is_an_error(pack: LoadedPack) -> None:
    with pytest.raises(ConfigError, match="lambda-tracing: no policy of that name"):
        reconcile(pack, {"lambda-tracing": "advisory"})


def test_an_unknown_key_is_an_error_naming_policy_and_key(pack: LoadedPack) -> None:
    with pytest.raises(ConfigError, match="lambda-reserved-concurrency: unknown key 'maximum'"):
        reconcile(pack, {"lambda-reserved-concurrency": {"maximum": 5}})


def test_an_invalid_level_is_an_error(pack: LoadedPack) -> None:
    with pytest.raises(ConfigError, match='sqs-encryption: enforcementLevel "strict" is not one of'):
        reconcile(pack, {"sqs-encryption": "strict"})


def test_a_value_outside_its_bounds_is_an_error(pack: LoadedPack) -> None:
    with pytest.raises(ConfigError, match="lambda-explicit-timeout: max: 901 is greater than the maximum of 900"):
        reconcile(pack, {"lambda-explicit-timeout": {"max": 901}})


def test_an_exemption_needs_a_reason_of_ten_characters(pack: LoadedPack) -> None:
    with pytest.raises(ConfigError, match="exemptions: lambda-arm64.0.reason: 'x86' is too short"):
        reconcile(pack, {"exemptions": {"lambda-arm64": [{"name_pattern": "^legacy", "reason": "x86"}]}})


def test_an_exemption_pattern_must_be_a_regular_expression(pack: LoadedPack) -> None:
    with pytest.raises(ConfigError, match="exemptions: lambda-arm64.0.name_pattern"):
        reconcile(pack, {"exemptions": {"lambda-arm64": [{"name_pattern": "(", "reason": "a good long reason"}]}})


def test_exemptions_for_unknown_policies_are_errors(pack: LoadedPack) -> None:
    with pytest.raises(ConfigError, match="exemptions: unknown key 'lambda-arm65'"):
        reconcile(pack, {"exemptions": {"lambda-arm65": [{"name_pattern": "x", "reason": "a good long reason"}]}})
