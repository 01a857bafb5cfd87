"""IAM's decision for one request: identity and resource policies, Allow, Deny, wildcards and negations."""

from __future__ import annotations

from typing import Any

from pulumi_wasp.localcloud.iam.policy import Effect, Policies, Principal, compile_document, evaluate

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/orders"
FUNCTION = Principal(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:assumed-role/orders/fn", ROLE)
SNS = Principal(ACCOUNT, service="sns.amazonaws.com")
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:inventory"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:orders"


def identity(*statements: dict[str, Any]) -> Policies:
    return Policies(identity=compile_document({"Statement": list(statements)}, resource_policy=False))


def resource(*statements: dict[str, Any]) -> Policies:
    return Policies(resource=compile_document({"Statement": list(statements)}, resource_policy=True))


def decide(policies: Policies, action: str, arn: str, principal: Principal = FUNCTION, **context: str) -> Effect:
    return evaluate(policies, principal, action, arn, context).effect


def test_an_allow_on_the_action_and_resource_allows() -> None:
    policies = identity({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE})
    assert decide(policies, "dynamodb:PutItem", TABLE) is Effect.ALLOW


def test_nothing_allowing_is_an_implicit_deny() -> None:
    policies = identity({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE})
    assert decide(policies, "dynamodb:PutItem", TABLE) is Effect.IMPLICIT_DENY


def test_a_grant_on_one_table_does_not_reach_another() -> None:
    policies = identity({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE})
    assert decide(policies, "dynamodb:PutItem", TABLE.replace("orders", "payments")) is Effect.IMPLICIT_DENY


def test_an_explicit_deny_wins_over_an_allow() -> None:
    policies = identity(
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE},
    )
    assert decide(policies, "dynamodb:DeleteItem", TABLE) is Effect.EXPLICIT_DENY
    assert decide(policies, "dynamodb:PutItem", TABLE) is Effect.ALLOW


def test_action_names_match_case_insensitively_with_wildcards() -> None:
    policies = identity({"Effect": "Allow", "Action": ["DynamoDB:Get*", "sqs:?eceiveMessage"], "Resource": "*"})
    assert decide(policies, "dynamodb:GetItem", TABLE) is Effect.ALLOW
    assert decide(policies, "sqs:ReceiveMessage", QUEUE) is Effect.ALLOW
    assert decide(policies, "dynamodb:PutItem", TABLE) is Effect.IMPLICIT_DENY


def test_resource_wildcards_span_arn_parts() -> None:
    policies = identity({"Effect": "Allow", "Action": "dynamodb:Query", "Resource": f"{TABLE}/index/*"})
    assert decide(policies, "dynamodb:Query", f"{TABLE}/index/by-customer") is Effect.ALLOW
    assert decide(policies, "dynamodb:Query", TABLE) is Effect.IMPLICIT_DENY


def test_not_action_allows_every_other_action() -> None:
    policies = identity({"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": TABLE})
    assert decide(policies, "dynamodb:PutItem", TABLE) is Effect.ALLOW
    assert decide(policies, "dynamodb:DeleteItem", TABLE) is Effect.IMPLICIT_DENY


def test_not_resource_denies_everything_but_the_named_resource() -> None:
    policies = identity(
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
        {"Effect": "Deny", "Action": "sqs:SendMessage", "NotResource": QUEUE},
    )
    assert decide(policies, "sqs:SendMessage", QUEUE) is Effect.ALLOW
    assert decide(policies, "sqs:SendMessage", QUEUE + "-dlq") is Effect.EXPLICIT_DENY


def test_a_condition_that_holds_allows_and_one_that_does_not_denies() -> None:
    policies = resource(
        {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": QUEUE,
            "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}},
        }
    )
    assert decide(policies, "sqs:SendMessage", QUEUE, SNS, **{"aws:SourceArn": TOPIC}) is Effect.ALLOW
    assert decide(policies, "sqs:SendMessage", QUEUE, SNS, **{"aws:SourceArn": TOPIC + "-2"}) is Effect.IMPLICIT_DENY


def test_an_unsupported_condition_key_in_an_applicable_statement_denies_and_names_the_key() -> None:
    policies = identity(
        {
            "Effect": "Allow",
            "Action": "dynamodb:GetItem",
            "Resource": TABLE,
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["a"]}},
        }
    )
    decision = evaluate(policies, FUNCTION, "dynamodb:GetItem", TABLE, {})
    assert decision.effect is Effect.UNSUPPORTED
    assert decision.unsupported == ("dynamodb:LeadingKeys",)


def test_an_unsupported_condition_key_in_a_statement_that_does_not_apply_is_ignored() -> None:
    policies = identity(
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:ViaAWSService": "true"}}},
    )
    assert decide(policies, "dynamodb:GetItem", TABLE) is Effect.ALLOW


def test_a_resource_policy_naming_the_role_allows_without_an_identity_policy() -> None:
    policies = resource({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sqs:SendMessage", "Resource": QUEUE})
    assert decide(policies, "sqs:SendMessage", QUEUE) is Effect.ALLOW


def test_a_resource_policy_naming_the_account_delegates_to_identity_policies() -> None:
    policies = resource(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sqs:*", "Resource": QUEUE}
    )
    assert decide(policies, "sqs:SendMessage", QUEUE) is Effect.IMPLICIT_DENY


def test_a_resource_policy_deny_for_the_account_applies_to_its_roles() -> None:
    policies = Policies(
        identity=identity({"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}).identity,
        resource=resource(
            {"Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "sqs:PurgeQueue", "Resource": QUEUE}
        ).resource,
    )
    assert decide(policies, "sqs:PurgeQueue", QUEUE) is Effect.EXPLICIT_DENY
    assert decide(policies, "sqs:SendMessage", QUEUE) is Effect.ALLOW


def test_a_service_principal_is_allowed_only_by_a_statement_naming_it() -> None:
    policies = resource(
        {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:*", "Resource": QUEUE}
    )
    assert decide(policies, "sqs:SendMessage", QUEUE, SNS) is Effect.IMPLICIT_DENY
    events = Principal(ACCOUNT, service="events.amazonaws.com")
    assert decide(policies, "sqs:SendMessage", QUEUE, events) is Effect.ALLOW


def test_iam_stored_documents_are_read_url_encoded_too() -> None:
    text = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22sqs%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"
    assert decide(Policies(identity=compile_document(text, resource_policy=False)), "sqs:SendMessage", QUEUE) is (
        Effect.ALLOW
    )
