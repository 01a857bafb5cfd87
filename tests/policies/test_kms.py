"""KMS rules: customer-managed keys rotate."""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from pulumi_wasp.preview import PolicyReport

from .conftest import TAGS, analyze, exempt, exempted, flagged, synth


def program() -> None:
    aws.kms.Key("rotating", enable_key_rotation=True, tags=TAGS)
    aws.kms.Key("static", tags=TAGS)
    aws.kms.Key("switched-off", enable_key_rotation=False, tags=TAGS)
    aws.kms.Key("signing", customer_master_key_spec="RSA_2048", key_usage="SIGN_VERIFY", tags=TAGS)
    aws.kms.Key("mac", customer_master_key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC", tags=TAGS)
    aws.kms.Key("imported-elsewhere", tags=exempt("kms-key-rotation", "rotated by hand with the HSM ceremony"))


@pytest.fixture(scope="module")
def report() -> PolicyReport:
    return analyze(synth(program))


def test_key_rotation_accepts_a_rotating_key(report: PolicyReport) -> None:
    assert "rotating" not in flagged(report, "kms-key-rotation")


def test_key_rotation_flags_a_key_without_rotation(report: PolicyReport) -> None:
    assert {"static", "switched-off"} <= flagged(report, "kms-key-rotation")


def test_key_rotation_leaves_keys_kms_cannot_rotate_alone(report: PolicyReport) -> None:
    assert not {"signing", "mac"} & flagged(report, "kms-key-rotation")


def test_key_rotation_lists_an_exempted_key(report: PolicyReport) -> None:
    assert "imported-elsewhere" in exempted(report, "kms-key-rotation")
