"""plain / is_secret: the engine's wire encodings unwrapped."""

from __future__ import annotations

import pulumi.runtime.rpc as rpc

from pulumi_wasp.synthesis.recording import UNKNOWN as UNKNOWN_WIRE
from pulumi_wasp.testing import UNKNOWN, is_secret, plain, wire

SECRET = {wire.SIGNATURE_KEY: wire.SECRET_SIGNATURE, "value": "s3cr3t"}


def test_the_signatures_are_the_sdks():
    assert (
        rpc._special_sig_key,
        rpc._special_secret_sig,
        rpc._special_resource_sig,
        rpc._special_output_value_sig,
    ) == (wire.SIGNATURE_KEY, wire.SECRET_SIGNATURE, wire.RESOURCE_SIGNATURE, wire.OUTPUT_SIGNATURE)


def test_a_secret_becomes_its_value():
    assert plain(SECRET) == "s3cr3t"


def test_the_unknown_sentinel_becomes_unknown():
    assert plain(UNKNOWN_WIRE) is UNKNOWN
    assert repr(UNKNOWN) == "UNKNOWN"


def test_a_resource_reference_becomes_its_urn():
    assert plain({wire.SIGNATURE_KEY: wire.RESOURCE_SIGNATURE, "urn": "urn:pulumi:dev::p::t::n", "id": "x"}) == (
        "urn:pulumi:dev::p::t::n"
    )


def test_an_output_value_becomes_its_value_or_unknown():
    assert plain({wire.SIGNATURE_KEY: wire.OUTPUT_SIGNATURE, "value": 3, "secret": True}) == 3
    assert plain({wire.SIGNATURE_KEY: wire.OUTPUT_SIGNATURE, "dependencies": []}) is UNKNOWN


def test_nested_values_are_unwrapped_and_assets_lose_only_their_signature():
    asset = {wire.SIGNATURE_KEY: "c44067f5952c0a294b673a41bacd8c17", "text": "print(1)"}
    assert plain({"a": [SECRET, {"b": UNKNOWN_WIRE}], "code": asset}) == {
        "a": ["s3cr3t", {"b": UNKNOWN}],
        "code": {"text": "print(1)"},
    }


def test_scalars_stay_as_they_are():
    assert [plain(v) for v in (1, 2.5, True, None, "text")] == [1, 2.5, True, None, "text"]


def test_whole_numbers_become_ints_as_the_program_gave_them():
    assert type(plain(256.0)) is int and plain(256.0) == 256


def test_is_secret_recognises_secrets_and_secret_outputs():
    assert is_secret(SECRET)
    assert is_secret({wire.SIGNATURE_KEY: wire.OUTPUT_SIGNATURE, "value": 1, "secret": True})
    assert not is_secret({wire.SIGNATURE_KEY: wire.OUTPUT_SIGNATURE, "value": 1})
    assert not is_secret("s3cr3t")
    assert not is_secret({"value": "s3cr3t"})
