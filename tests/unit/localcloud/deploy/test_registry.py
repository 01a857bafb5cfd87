"""What the deploy records for the runtime: functions found by any form of their name, qualifiers kept."""

from __future__ import annotations

from pulumi_wasp.localcloud.deploy.registry import qualifier_of

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders-api"


def test_an_alias_or_version_arn_names_its_qualifier() -> None:
    assert (qualifier_of(f"{ARN}:live"), qualifier_of(f"{ARN}:3"), qualifier_of(f"{ARN}:$LATEST")) == (
        "live",
        "3",
        "$LATEST",
    )


def test_a_qualified_name_names_its_qualifier() -> None:
    assert qualifier_of("orders-api:live") == "live"


def test_an_unqualified_name_or_arn_names_none() -> None:
    assert (qualifier_of(ARN), qualifier_of("orders-api")) == (None, None)
