"""Customer-managed keys on the remaining paths, on the graph: log groups, environment variables, the state
machine, and the services that deliver into an encrypted queue or topic (EventBridge, S3, CloudWatch alarms,
Scheduler). A component given only a key's ARN grants the roles it creates and lists, in ``required_key_policy``,
the key policy statements it cannot add itself (and logs so)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from pulumi_wasp.components import (
    AlarmTopic,
    AlarmTopicArgs,
    AsyncInvokeArgs,
    BucketProcessor,
    BucketProcessorArgs,
    EventRouter,
    EventRouterArgs,
    EventRule,
    ExistingFunction,
    ExistingQueue,
    FanOut,
    FanOutArgs,
    Queue,
    QueueArgs,
    QueueTarget,
    RestApi,
    RestApiArgs,
    Route,
    Saga,
    SagaArgs,
    ScheduledJob,
    ScheduledJobArgs,
    ServerlessFunction,
    ServiceSender,
    StateMachineTarget,
    Step,
    Subscriber,
    TopicTarget,
    WafArgs,
)
from pulumi_wasp.components.shared.kms import KeyPolicyGrant
from tests.unit.components.synth_helpers import function_args
from tests.unit.conftest import logged, one, policy, synth, within

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/0b5a6ee4-4c1e-4d7b-9f3e-1a2b3c4d5e6f"
TOPIC = f"arn:aws:sns:eu-west-1:{ACCOUNT}:audit"
LOGS_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
ROLE_POLICY, LOG_GROUP = "aws:iam/rolePolicy:RolePolicy", "aws:cloudwatch/logGroup:LogGroup"


def exported(grants: list[KeyPolicyGrant]) -> list[dict[str, Any]]:
    return [{"key": grant.key_arn, "statements": grant.statements} for grant in grants]


def program() -> None:
    keyed = ServerlessFunction("keyed", function_args(kms_key_arn=KEY))
    ServerlessFunction("plain", function_args())
    ServerlessFunction("failing", function_args(async_invoke=AsyncInvokeArgs(dlq_overrides={"kms_master_key_id": KEY})))
    saga = Saga(
        "flow", SagaArgs(kms_key_arn=KEY, steps=[Step(name="Work", function=function_args(), no_compensation="x")])
    )
    router = EventRouter(
        "bus",
        EventRouterArgs(
            rules=[
                EventRule(
                    name="placed",
                    event_pattern={"source": ["orders"]},
                    targets=[
                        QueueTarget(f"arn:aws:sqs:eu-west-1:{ACCOUNT}:work", kms_key_arn=KEY),
                        TopicTarget(TOPIC, kms_key_arn=KEY),
                    ],
                )
            ]
        ),
    )
    EventRouter(
        "starts",
        EventRouterArgs(
            rules=[EventRule(name="go", event_pattern={"source": ["orders"]}, targets=[StateMachineTarget(saga.arn)])]
        ),
    )
    uploads = BucketProcessor("uploads", BucketProcessorArgs(queue=QueueArgs(kms_master_key_id=KEY)))
    fanned = FanOut(
        "fanned",
        FanOutArgs(
            subscribers=[
                Subscriber(
                    name="legacy",
                    queue=ExistingQueue(
                        arn=f"arn:aws:sqs:eu-west-1:{ACCOUNT}:legacy", url="https://l", kms_key_arn=KEY
                    ),
                )
            ]
        ),
    )
    AlarmTopic("alarms", AlarmTopicArgs())
    ScheduledJob("nightly", ScheduledJobArgs(function=function_args(), schedule="rate(1 day)"))
    ScheduledJob(
        "hourly",
        ScheduledJobArgs(
            function=function_args(async_invoke=AsyncInvokeArgs(dlq_overrides={"kms_master_key_id": KEY})),
            schedule="rate(1 hour)",
        ),
    )
    ruled = ScheduledJob(
        "ruled",
        ScheduledJobArgs(
            function=function_args(),
            schedule="rate(1 hour)",
            kind="rule",
            dlq_overrides={"kms_master_key_id": KEY},
        ),
    )
    pulumi.export("keyed", exported(keyed.required_key_policy))
    pulumi.export("saga", exported(saga.required_key_policy))
    pulumi.export("router", exported(router.required_key_policy))
    pulumi.export("uploads", exported(uploads.required_key_policy))
    pulumi.export("fanned", exported(fanned.required_key_policy))
    pulumi.export("ruled", exported(ruled.required_key_policy))
    pulumi.export("rule_arn", router.rules["placed"].arn)
    pulumi.export("ruled_rule_arn", ruled.rule.arn if ruled.rule else None)


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def kms_statements(stack, component: str, role_policy: str | None = None) -> list[dict[str, Any]]:
    """The KMS statements of the role policies under ``component`` (only ``role_policy`` when named)."""
    policies = [p for p in within(stack, component, ROLE_POLICY) if role_policy in (None, p.name)]
    assert policies, f"no role policy {role_policy or ''} under {component}"
    statements = [s for p in policies for s in policy(p)["Statement"]]
    return [s for s in statements if any(a.startswith("kms:") for a in s["Action"])]


def log_group(stack, component: str):
    return next(g for g in within(stack, component, LOG_GROUP) if g.parent.endswith(f"::{component}"))


def via(service: str) -> dict[str, Any]:
    return {"StringEquals": {"kms:ViaService": f"{service}.eu-west-1.amazonaws.com"}}


def logs_statement(group_arn: str) -> dict[str, Any]:
    return {
        "Sid": "CloudWatchLogsEncrypts",
        "Effect": "Allow",
        "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
        "Action": LOGS_ACTIONS,
        "Resource": "*",
        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [group_arn]}},
    }


def delivery_statement(service: str, sid: str, source_arn: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": [source_arn]}},
    }


# -- a function's log group and environment variables ---------------------------------------------------------
def test_a_functions_key_encrypts_its_log_group_and_its_environment_variables(stack):
    assert log_group(stack, "keyed").inputs["kmsKeyId"] == KEY
    assert one(stack, "keyed", "aws:lambda/function:Function").inputs["kmsKeyArn"] == KEY


def test_a_functions_role_may_decrypt_its_environment_through_lambda_only(stack):
    assert kms_statements(stack, "keyed") == [
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY], "Condition": via("lambda")}
    ]


def test_a_function_lists_the_statement_cloudwatch_logs_needs_for_its_log_group(stack):
    group = log_group(stack, "keyed").outputs["arn"]
    assert stack.stack_outputs["keyed"] == [{"key": KEY, "statements": [logs_statement(group)]}]


def test_without_a_key_a_function_keeps_aws_managed_encryption(stack):
    assert "kmsKeyId" not in log_group(stack, "plain").inputs
    assert "kmsKeyArn" not in one(stack, "plain", "aws:lambda/function:Function").inputs
    assert kms_statements(stack, "plain") == []


def test_a_function_sending_failures_to_a_dlq_under_a_key_may_use_it_through_sqs(stack):
    assert kms_statements(stack, "failing") == [
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [KEY],
            "Condition": via("sqs"),
        }
    ]


def test_a_function_given_a_key_says_its_policy_is_the_callers():
    with logged() as lines:
        synth(lambda: ServerlessFunction("keyed", function_args(kms_key_arn=KEY)) and None)
    assert any(
        line.startswith("ServerlessFunction keyed: the policy of ServerlessFunctionArgs.kms_key_arn is not the")
        and "logs.eu-west-1.amazonaws.com" in line
        for line in lines.at("INFO")
    )


def test_a_function_refuses_a_key_given_by_alias():
    with pytest.raises(ValueError, match=r"ServerlessFunctionArgs.kms_key_arn: give the key's ARN"):
        function_args(kms_key_arn="alias/orders").validate()


# -- the state machine ----------------------------------------------------------------------------------------
def test_a_sagas_key_encrypts_its_state_machine_and_its_log_group(stack):
    machine = one(stack, "flow", "aws:sfn/stateMachine:StateMachine").inputs
    assert machine["encryptionConfiguration"] == {
        "type": "CUSTOMER_MANAGED_KMS_KEY",
        "kmsKeyId": KEY,
        "kmsDataKeyReusePeriodSeconds": 300,
    }
    assert log_group(stack, "flow").inputs["kmsKeyId"] == KEY


def test_a_sagas_role_may_use_its_key_for_its_own_state_machines_data_only(stack):
    machine = one(stack, "flow", "aws:sfn/stateMachine:StateMachine")
    statements = [s for s in kms_statements(stack, "flow") if "kms:Decrypt" in s["Action"]]
    assert statements == [
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [KEY],
            "Condition": {"StringEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": machine.outputs["arn"]}},
        }
    ]


def test_a_sagas_role_carries_no_via_service_condition_on_its_key(stack):
    # AWS: kms:ViaService on an execution role can keep executions from starting.
    assert not any("kms:ViaService" in str(s.get("Condition")) for s in kms_statements(stack, "flow"))


def test_a_sagas_role_may_ask_a_data_key_for_its_log_delivery_in_its_account(stack):
    statements = [s for s in kms_statements(stack, "flow") if s["Action"] == ["kms:GenerateDataKey"]]
    assert statements == [
        {
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey"],
            "Resource": [KEY],
            "Condition": {"ArnLike": {"kms:EncryptionContext:SourceArn": f"arn:aws:logs:eu-west-1:{ACCOUNT}:*"}},
        }
    ]


def test_a_saga_lists_what_cloudwatch_logs_and_log_delivery_need_of_its_key(stack):
    group = log_group(stack, "flow").outputs["arn"]
    delivery = {
        "Sid": "LogDeliveryDecrypts",
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    assert stack.stack_outputs["saga"] == [
        {"key": KEY, "statements": [logs_statement(group)]},
        {"key": KEY, "statements": [delivery]},
    ]


def test_a_rule_starting_an_encrypted_saga_needs_no_grant_of_its_key(stack):
    # StartExecution asks no KMS permission of its caller: the saga's role encrypts.
    statements = [s for p in within(stack, "starts", ROLE_POLICY) for s in policy(p)["Statement"]]
    assert [s["Action"] for s in statements] == [["states:StartExecution"]]


# -- services delivering into an encrypted queue or topic -----------------------------------------------------
def test_an_event_router_lists_what_eventbridge_needs_of_each_encrypted_targets_key(stack):
    rule = stack.stack_outputs["rule_arn"]
    wanted = {"key": KEY, "statements": [delivery_statement("events.amazonaws.com", "EventsDelivers", rule)]}
    assert stack.stack_outputs["router"] == [wanted, wanted]


def test_a_bucket_processor_lists_what_s3_needs_of_its_queues_key(stack):
    bucket = one(stack, "uploads", "aws:s3/bucket:Bucket").outputs["arn"]
    assert stack.stack_outputs["uploads"] == [
        {"key": KEY, "statements": [delivery_statement("s3.amazonaws.com", "S3Delivers", bucket)]}
    ]


def test_a_fanout_lists_what_sns_needs_of_an_existing_subscriber_queues_key(stack):
    topic = one(stack, "fanned", "aws:sns/topic:Topic").outputs["arn"]
    assert stack.stack_outputs["fanned"] == [
        {"key": KEY, "statements": [delivery_statement("sns.amazonaws.com", "SnsDelivers", topic)]}
    ]


def test_the_alarm_topics_key_lets_cloudwatch_publish_for_this_accounts_alarms_only(stack):
    key = one(stack, "alarms", "aws:kms/key:Key")
    cloudwatch = next(s for s in policy(key)["Statement"] if s["Sid"] == "CloudwatchDelivers")
    alarms = f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT}:alarm:*"
    assert cloudwatch == delivery_statement("cloudwatch.amazonaws.com", "CloudwatchDelivers", alarms)


def test_a_schedules_role_may_use_the_key_of_its_dlq_through_sqs(stack):
    assert kms_statements(stack, "hourly", "hourly-schedule-policy") == [
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [KEY],
            "Condition": via("sqs"),
        }
    ]


def test_a_schedules_role_needs_no_key_for_an_sqs_managed_dlq(stack):
    assert kms_statements(stack, "nightly", "nightly-schedule-policy") == []


def test_a_rule_job_lists_what_eventbridge_needs_of_its_dlqs_key(stack):
    rule = stack.stack_outputs["ruled_rule_arn"]
    assert stack.stack_outputs["ruled"] == [
        {"key": KEY, "statements": [delivery_statement("events.amazonaws.com", "EventsDelivers", rule)]}
    ]


def test_a_queue_given_a_key_lists_and_logs_what_its_senders_need():
    grants: list[KeyPolicyGrant] = []

    def queue_program() -> None:
        senders = [ServiceSender("sns.amazonaws.com", TOPIC)]
        grants.extend(Queue("given", QueueArgs(kms_master_key_id=KEY, senders=senders)).required_key_policy)
        pulumi.export("given", exported(grants))

    with logged() as lines:
        stack = synth(queue_program)
    assert stack.stack_outputs["given"] == [
        {"key": KEY, "statements": [delivery_statement("sns.amazonaws.com", "SnsDelivers", TOPIC)]}
    ]
    assert any("Queue given: the policy of QueueArgs.kms_master_key_id" in line for line in lines.at("INFO"))


def test_a_queue_given_its_key_by_an_override_lists_what_its_senders_need():
    def queue_program() -> None:
        senders = [ServiceSender("sns.amazonaws.com", TOPIC)]
        args = QueueArgs(senders=senders, overrides={"kms_master_key_id": KEY})
        pulumi.export("given", exported(Queue("overridden", args).required_key_policy))

    with logged() as lines:
        stack = synth(queue_program)
    assert stack.stack_outputs["given"] == [
        {"key": KEY, "statements": [delivery_statement("sns.amazonaws.com", "SnsDelivers", TOPIC)]}
    ]
    assert any("Queue overridden: the policy of QueueArgs.overrides" in line for line in lines.at("INFO"))


# -- a fan-out whose topic key the overrides give ---------------------------------------------------------------
RULE = f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/bus/placed"


def overridden_fanout_program() -> None:
    fanout = FanOut(
        "overridden",
        FanOutArgs(
            publishers=[ServiceSender("events.amazonaws.com", RULE)],
            subscribers=[Subscriber(name="all", queue=QueueArgs())],
            topic_overrides={"kms_master_key_id": KEY},
        ),
    )
    ServerlessFunction("publisher", function_args(permissions=fanout.publisher_statements()))
    pulumi.export("overridden", exported(fanout.required_key_policy))


@pytest.fixture(scope="module")
def overridden_fanout():
    with logged() as lines:
        stack = synth(overridden_fanout_program)
    return stack, lines


def test_a_fanout_given_its_topic_key_by_an_override_creates_no_key(overridden_fanout):
    stack, _ = overridden_fanout
    assert within(stack, "overridden", "aws:kms/key:Key") == []
    assert one(stack, "overridden", "aws:sns/topic:Topic").inputs["kmsMasterKeyId"] == KEY


def test_a_fanout_given_its_topic_key_by_an_override_grants_its_publishers_that_key_through_sns(overridden_fanout):
    stack, _ = overridden_fanout
    assert kms_statements(stack, "publisher") == [
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [KEY],
            "Condition": via("sns"),
        }
    ]


def test_a_fanout_given_its_topic_key_by_an_override_lists_and_logs_what_its_publishers_need(overridden_fanout):
    stack, lines = overridden_fanout
    assert stack.stack_outputs["overridden"] == [
        {"key": KEY, "statements": [delivery_statement("events.amazonaws.com", "EventsDelivers", RULE)]}
    ]
    assert any(
        "FanOut overridden: the policy of FanOutArgs.topic_overrides['kms_master_key_id']" in line
        for line in lines.at("INFO")
    )


def test_a_fanout_refuses_a_topic_key_given_by_alias():
    args = FanOutArgs(
        subscribers=[Subscriber(name="all", queue=QueueArgs())], topic_overrides={"kms_master_key_id": "alias/orders"}
    )
    with pytest.raises(ValueError, match=r"FanOutArgs.topic_overrides\['kms_master_key_id'\]: give the key's ARN"):
        args.validate()


def test_a_fanout_with_publishers_refuses_an_aws_managed_topic_key():
    args = FanOutArgs(
        publishers=[ServiceSender("events.amazonaws.com", RULE)],
        subscribers=[Subscriber(name="all", queue=QueueArgs())],
        topic_overrides={"kms_master_key_id": "alias/aws/sns"},
    )
    with pytest.raises(ValueError, match=r"'alias/aws/sns' is an AWS-managed key.*\(events.amazonaws.com\)"):
        args.validate()


# -- an API's log groups ----------------------------------------------------------------------------------------
def keyed_api_program() -> None:
    function = ServerlessFunction("backend", function_args(behind_api=True))
    routes = [Route("GET", "/items", function)]
    keyed = RestApi("keyed-api", RestApiArgs(routes=routes, kms_key_arn=KEY, waf=WafArgs()))
    RestApi("plain-api", RestApiArgs(routes=routes, waf=WafArgs()))
    pulumi.export("keyed_api", exported(keyed.required_key_policy))


@pytest.fixture(scope="module")
def keyed_api():
    with logged() as lines:
        stack = synth(keyed_api_program)
    return stack, lines


def api_log_group(stack, component: str, suffix: str):
    return next(g for g in within(stack, component, LOG_GROUP) if g.name == f"{component}-{suffix}-logs")


def test_an_apis_key_encrypts_its_access_log_group_and_its_web_acls_log_group(keyed_api):
    stack, _ = keyed_api
    assert api_log_group(stack, "keyed-api", "access").inputs["kmsKeyId"] == KEY
    assert api_log_group(stack, "keyed-api", "waf").inputs["kmsKeyId"] == KEY


def test_without_a_key_an_apis_log_groups_keep_cloudwatch_logs_encryption(keyed_api):
    stack, _ = keyed_api
    assert "kmsKeyId" not in api_log_group(stack, "plain-api", "access").inputs
    assert "kmsKeyId" not in api_log_group(stack, "plain-api", "waf").inputs


def test_an_api_lists_and_logs_what_cloudwatch_logs_needs_of_its_key_for_both_log_groups(keyed_api):
    stack, lines = keyed_api
    groups = [api_log_group(stack, "keyed-api", suffix).outputs["arn"] for suffix in ("access", "waf")]
    statement = logs_statement(groups[0])
    statement["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"] = groups
    assert stack.stack_outputs["keyed_api"] == [{"key": KEY, "statements": [statement]}]
    assert any("RestApi keyed-api: the policy of RestApiArgs.kms_key_arn" in line for line in lines.at("INFO"))


EXISTING_FUNCTION = ExistingFunction(arn=f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:f")


def test_an_api_refuses_a_key_given_by_alias():
    args = RestApiArgs(routes=[Route("GET", "/items", EXISTING_FUNCTION)], kms_key_arn="alias/orders")
    with pytest.raises(ValueError, match=r"RestApiArgs.kms_key_arn: give the key's ARN"):
        args.validate()


def test_an_api_refuses_its_key_and_an_access_log_group_key_override_together():
    args = RestApiArgs(
        routes=[Route("GET", "/items", EXISTING_FUNCTION)],
        kms_key_arn=KEY,
        access_log_group_overrides={"kms_key_id": KEY},
    )
    with pytest.raises(ValueError, match=r"set kms_key_arn or access_log_group_overrides\['kms_key_id'\]"):
        args.validate()
