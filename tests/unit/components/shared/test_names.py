"""Physical names: one table of AWS's rules, stable hashed shortening, and given names checked as given."""

from __future__ import annotations

import pytest

from pulumi_wasp.components.shared import names
from pulumi_wasp.components.shared.names import (
    BUCKET,
    IAM_ROLE,
    LAMBDA_FUNCTION,
    SQS_QUEUE,
    auto_name_fits,
    bucket_prefix,
    check_given,
    fit,
)


def test_a_name_that_fits_is_kept_byte_for_byte() -> None:
    assert fit("orders-dev-placed-handler", LAMBDA_FUNCTION) == "orders-dev-placed-handler"


def test_a_name_too_long_is_cut_and_ends_in_a_stable_hash_of_the_whole_name() -> None:
    long = "order-platform-" * 6
    shortened = fit(long, LAMBDA_FUNCTION)
    assert len(shortened) == 64 and shortened[:55] == long[:55] and shortened[55] == "-"
    assert fit(long, LAMBDA_FUNCTION) == shortened
    assert fit(long + "x", LAMBDA_FUNCTION) != shortened


def test_shortening_matches_the_hash_the_components_always_used() -> None:
    # Names shortened before the table existed (sha256 of the whole name, 8 hex digits) stay the same.
    import hashlib

    long = "a" * 70
    assert fit(long, IAM_ROLE) == f"{long[:55]}-{hashlib.sha256(long.encode()).hexdigest()[:8]}"


def test_characters_aws_rejects_become_dashes() -> None:
    assert fit("my.project-dev-worker", LAMBDA_FUNCTION) == "my-project-dev-worker"


def test_bucket_names_are_lowercased_and_start_and_end_with_a_letter_or_digit() -> None:
    assert fit("_My_Project-Uploads_", BUCKET) == "my-project-uploads"


def test_a_reserved_suffix_is_left_room_for() -> None:
    assert len(fit("q" * 100, SQS_QUEUE, reserve=len(".fifo"))) == 75


def test_the_fifo_suffix_counts_in_the_queue_limit() -> None:
    assert SQS_QUEUE.problem("q" * 76, suffixed=True) == "SQS queue name has 1 to 80 characters, got 81"
    assert SQS_QUEUE.problem("q" * 75, suffixed=True) is None


def test_auto_names_count_pulumis_dash_and_seven_random_characters() -> None:
    assert auto_name_fits("r" * 56, IAM_ROLE)
    assert not auto_name_fits("r" * 57, IAM_ROLE)


def test_a_bucket_that_fits_keeps_its_auto_name_and_one_that_does_not_gets_a_prefix() -> None:
    assert bucket_prefix("uploads-bucket") is None
    prefix = bucket_prefix("b" * 60)
    assert prefix is not None and len(prefix) == 63 - names.PREFIX_RANDOM_LENGTH


def test_a_given_name_that_fits_is_returned_unchanged() -> None:
    assert check_given("v1", names.API_STAGE, "RestApiArgs.stage_name") == "v1"


def test_a_given_name_too_long_fails_naming_the_arg_and_the_limit() -> None:
    with pytest.raises(
        ValueError, match=r"^RestApiArgs.stage_name: API Gateway stage name has 1 to 128 characters, got 129"
    ):
        check_given("s" * 129, names.API_STAGE, "RestApiArgs.stage_name")


def test_a_given_name_with_a_character_aws_rejects_fails_naming_it() -> None:
    with pytest.raises(ValueError, match="may not contain ' '"):
        check_given("order placed", names.SCHEMA, "EventSchema.name")


def test_every_rule_in_the_table_has_a_limit_and_a_character_class() -> None:
    for type_, (prop, rule, _) in names.NAME_RULES.items():
        assert prop and rule.max_length >= rule.min_length >= 1, type_
        assert rule.problem("a" * rule.max_length) is None, type_


def test_the_table_agrees_with_botocores_service_models_where_they_state_a_bare_name_limit() -> None:
    import botocore.session

    models = botocore.session.get_session()
    shapes = {
        names.IAM_ROLE: ("iam", "CreateRoleRequest", "RoleName"),
        names.IAM_POLICY: ("iam", "PutRolePolicyRequest", "PolicyName"),
        names.EVENT_RULE: ("events", "PutRuleRequest", "Name"),
        names.EVENT_BUS: ("events", "CreateEventBusRequest", "Name"),
        names.EVENT_ARCHIVE: ("events", "CreateArchiveRequest", "ArchiveName"),
        names.ALARM: ("cloudwatch", "PutMetricAlarmInput", "AlarmName"),
        names.LOG_GROUP: ("logs", "CreateLogGroupRequest", "logGroupName"),
        names.STATE_MACHINE: ("stepfunctions", "CreateStateMachineInput", "name"),
        names.SCHEDULE: ("scheduler", "CreateScheduleInput", "Name"),
        names.KINESIS_STREAM: ("kinesis", "CreateStreamInput", "StreamName"),
        names.SECRET: ("secretsmanager", "CreateSecretRequest", "Name"),
        names.KMS_ALIAS: ("kms", "CreateAliasRequest", "AliasName"),
    }
    for rule, (service, operation, member) in shapes.items():
        shape = models.get_service_model(service).shape_for(operation).members[member]
        assert shape.metadata["max"] == rule.max_length, rule.what
