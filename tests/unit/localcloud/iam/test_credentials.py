"""Role sessions issued to execution environments, and the administrator everyone else is."""

from __future__ import annotations

from pulumi_wasp.localcloud.iam.credentials import Credentials

ROLE = "arn:aws:iam::123456789012:role/service/orders-api-role"


def test_an_issued_key_identifies_the_role_session() -> None:
    credentials = Credentials("123456789012")
    issued = credentials.issue(ROLE, "orders-api")
    principal = credentials.principal(issued["AWS_ACCESS_KEY_ID"])
    assert principal is not None
    assert principal.arn == "arn:aws:sts::123456789012:assumed-role/orders-api-role/orders-api"
    assert principal.role_arn == ROLE


def test_issued_keys_look_like_aws_session_keys_and_differ_per_role() -> None:
    credentials = Credentials("123456789012")
    first = credentials.issue(ROLE, "orders-api")["AWS_ACCESS_KEY_ID"]
    assert first.startswith("ASIA") and len(first) == 20
    assert credentials.issue(ROLE + "-2", "orders-api")["AWS_ACCESS_KEY_ID"] != first
    assert credentials.issue(ROLE, "orders-api")["AWS_ACCESS_KEY_ID"] == first


def test_any_other_key_is_the_administrator() -> None:
    assert Credentials("123456789012").principal("localcloud") is None
