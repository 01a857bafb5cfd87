"""KMS: customer-managed keys rotate their key material."""

from __future__ import annotations

from collections.abc import Iterator

from .aws_types import KMS_KEY
from .common import MANDATORY, Config, Res, resource_rule, violation

#: Key specs KMS rotates automatically (symmetric encryption keys); asymmetric and HMAC keys cannot rotate.
_ROTATABLE_SPEC = "SYMMETRIC_DEFAULT"


@resource_rule(
    "kms-key-rotation",
    types=[KMS_KEY],
    description="Customer-managed symmetric KMS keys rotate their key material yearly (or as configured); "
    "asymmetric and HMAC keys, which KMS cannot rotate, are not in scope.",
    level=MANDATORY,
    fix="Set enable_key_rotation=True (optionally rotation_period_in_days, 90..2560).",
    pillar="security",
    anchors="CKV_AWS_7, AwsSolutions-KMS5",
)
def key_rotation(key: Res, config: Config) -> Iterator[str]:
    spec = key.get("customerMasterKeySpec", default=_ROTATABLE_SPEC)
    if spec != _ROTATABLE_SPEC or key.get("keyUsage", default="ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT":
        return
    if key.get("enableKeyRotation") is not True:
        yield violation(key, "enableKeyRotation", key.get("enableKeyRotation"), "true", "set enable_key_rotation=True")


RULES = (key_rotation,)
