"""Decisions against the emulator's state: a role's policies, a resource's policy, and AWS's messages."""

from __future__ import annotations

import json
from typing import Any

from pulumi_wasp.localcloud.iam.authorizer import Authorizer
from pulumi_wasp.localcloud.iam.credentials import Credentials
from pulumi_wasp.localcloud.iam.requests import Request

ACCOUNT, REGION = "123456789012", "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/orders-role"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:inventory"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:orders"
SAGA_ROLE = f"arn:aws:iam::{ACCOUNT}:role/saga-role"


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class State:
    def __init__(self) -> None:
        self.roles: dict[str, list[str]] = {}
        self.policies: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        self.key_arns: dict[str, str] = {}
        #: A state machine's (or its version's) execution role by ARN; SAGA_ROLE otherwise.
        self.machine_roles: dict[str, str] = {}

    def role_documents(self, account: str, role_name: str) -> list[str] | None:
        return self.roles.get(role_name)

    def resource_policy(self, arn: str) -> str | None:
        return self.policies.get(arn)

    def function_role(self, function_arn: str) -> str:
        return ROLE

    def state_machine_role(self, state_machine_arn: str) -> str:
        return self.machine_roles.get(state_machine_arn, SAGA_ROLE)

    def secret_arn(self, region: str, secret_id: str) -> str | None:
        return None

    def key_arn(self, region: str, key_id: str) -> str | None:
        return self.key_arns.get(key_id)

    def encryption_key(self, resource_arn: str, writing: bool) -> str | None:
        return self.keys.get(resource_arn)


def put_item(table: str = "orders") -> Request:
    return Request("dynamodb", "PutItem", {"TableName": table}, REGION, ACCOUNT)


def setup() -> tuple[Authorizer, State, str]:
    state = State()
    authorizer = Authorizer(Credentials(ACCOUNT), state)
    key = authorizer.credentials.issue(ROLE, "orders-api")["AWS_ACCESS_KEY_ID"]
    return authorizer, state, key


def test_the_administrator_is_never_evaluated() -> None:
    authorizer, _, _ = setup()
    assert authorizer.request("localcloud", put_item()) is None
    assert authorizer.decisions == 0


def test_a_denial_names_the_session_action_resource_and_why() -> None:
    authorizer, state, key = setup()
    state.roles["orders-role"] = [document({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE})]
    assert authorizer.request(key, put_item()) == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/orders-role/orders-api is not authorized to perform: "
        f"dynamodb:PutItem on resource: {TABLE} because no identity-based policy allows the dynamodb:PutItem action"
    )
    assert [d.action for d in authorizer.denials] == ["dynamodb:PutItem"]


def test_inline_and_managed_documents_all_count() -> None:
    authorizer, state, key = setup()
    state.roles["orders-role"] = [
        document({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE}),
        document({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE}),
    ]
    assert authorizer.request(key, put_item()) is None


def test_a_changed_policy_is_read_at_the_next_request() -> None:
    authorizer, state, key = setup()
    state.roles["orders-role"] = [document({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE})]
    assert authorizer.request(key, put_item()) is None
    state.roles["orders-role"] = [document({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE})]
    assert authorizer.request(key, put_item()) is not None


def test_an_explicit_deny_says_so() -> None:
    authorizer, state, key = setup()
    state.roles["orders-role"] = [
        document({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        document({"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": TABLE}),
    ]
    message = authorizer.request(key, put_item())
    assert message is not None and message.endswith("with an explicit deny in an identity-based policy")


def test_a_request_the_local_cloud_cannot_map_is_denied_with_the_reason() -> None:
    authorizer, state, key = setup()
    state.roles["orders-role"] = [document({"Effect": "Allow", "Action": "*", "Resource": "*"})]
    message = authorizer.request(key, Request("glue", "GetTable", {}, REGION, ACCOUNT))
    assert message is not None and "cannot evaluate it: no resource mapping for the glue service" in message


def test_a_queue_policy_lets_sns_deliver_only_from_its_source_topic() -> None:
    authorizer, state, _ = setup()
    state.policies[QUEUE] = document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": QUEUE,
            "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}},
        }
    )
    assert authorizer.delivery("sns.amazonaws.com", "sqs:SendMessage", QUEUE, TOPIC, REGION) is None
    denied = authorizer.delivery("sns.amazonaws.com", "sqs:SendMessage", QUEUE, TOPIC + "-other", REGION)
    assert denied is not None and "because no resource-based policy allows the sqs:SendMessage action" in denied


def test_a_resource_policy_can_allow_a_role_its_identity_policies_do_not() -> None:
    authorizer, state, key = setup()
    state.roles["orders-role"] = []
    state.policies[QUEUE] = document(
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sqs:SendMessage", "Resource": QUEUE}
    )
    send = Request("sqs", "SendMessage", {"QueueUrl": f"http://h/{ACCOUNT}/inventory"}, REGION, ACCOUNT)
    assert authorizer.request(key, send) is None


def test_a_target_role_is_evaluated_as_a_session_of_that_role() -> None:
    authorizer, state, _ = setup()
    machine = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:saga"
    state.roles["orders-role"] = [document({"Effect": "Allow", "Action": "states:StartExecution", "Resource": machine})]
    assert authorizer.check_role(ROLE, "events", "states:StartExecution", machine, REGION) is None
    assert authorizer.check_role(ROLE, "events", "states:StartExecution", machine + "-2", REGION) is not None


KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k-1"
#: A key policy delegating to IAM (what kms.Key gets by default and what the components' keys say first).
DELEGATING = document(
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}
)


def service_may_use_key(service: str) -> str:
    """A key policy letting ``service`` encrypt for the account (what the components' service keys say)."""
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    )


def send_message() -> Request:
    return Request("sqs", "SendMessage", {"QueueUrl": f"http://localhost/{ACCOUNT}/inventory"}, REGION, ACCOUNT)


def encrypted_queue(state: State) -> None:
    state.keys[QUEUE] = KEY
    state.policies[KEY] = DELEGATING


def test_a_send_to_a_queue_under_a_customer_managed_key_is_denied_without_a_data_key() -> None:
    authorizer, state, key = setup()
    encrypted_queue(state)
    state.roles["orders-role"] = [document({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": QUEUE})]
    assert authorizer.request(key, send_message()) == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/orders-role/orders-api is not authorized to perform: "
        f"kms:GenerateDataKey on resource: {KEY} because no identity-based policy allows the kms:GenerateDataKey action"
    )


def test_a_send_is_allowed_with_the_key_granted_through_sqs_only() -> None:
    authorizer, state, key = setup()
    encrypted_queue(state)
    through = {"StringEquals": {"kms:ViaService": f"sqs.{REGION}.amazonaws.com"}}
    state.roles["orders-role"] = [
        document({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": QUEUE}),
        document(
            {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": KEY, "Condition": through}
        ),
    ]
    assert authorizer.request(key, send_message()) is None
    state.key_arns[KEY] = KEY
    direct = authorizer.request(key, Request("kms", "Decrypt", {"KeyId": KEY}, REGION, ACCOUNT))
    assert direct is not None and "kms:Decrypt" in direct  # the grant holds through SQS only


def test_sns_delivers_to_a_queue_under_a_customer_managed_key_only_when_the_key_policy_lets_it() -> None:
    authorizer, state, _ = setup()
    encrypted_queue(state)
    state.policies[QUEUE] = document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": QUEUE,
        }
    )
    denied = authorizer.delivery("sns.amazonaws.com", "sqs:SendMessage", QUEUE, TOPIC, REGION)
    assert denied == (
        f"User: sns.amazonaws.com is not authorized to perform: kms:GenerateDataKey on resource: {KEY} because no "
        "resource-based policy allows the kms:GenerateDataKey action"
    )
    state.policies[KEY] = service_may_use_key("sns.amazonaws.com")
    assert authorizer.delivery("sns.amazonaws.com", "sqs:SendMessage", QUEUE, TOPIC, REGION) is None


SEALED_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:sealed"
PUBLISH = Request("sns", "Publish", {"TopicArn": SEALED_TOPIC}, REGION, ACCOUNT)
PUBLISHER = [
    document({"Effect": "Allow", "Action": "sns:Publish", "Resource": SEALED_TOPIC}),
    document(
        {
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": KEY,
            "Condition": {"StringEquals": {"kms:ViaService": f"sns.{REGION}.amazonaws.com"}},
        }
    ),
]


def test_a_publish_to_a_topic_under_a_customer_managed_key_is_denied_without_its_data_key() -> None:
    authorizer, state, key = setup()
    state.keys[SEALED_TOPIC], state.policies[KEY] = KEY, DELEGATING
    state.roles["orders-role"] = PUBLISHER[:1]
    message = authorizer.request(key, PUBLISH)
    assert message is not None and message.endswith(
        f"kms:GenerateDataKey on resource: {KEY} because no identity-based policy allows the kms:GenerateDataKey action"
    )
    state.roles["orders-role"] = PUBLISHER
    assert authorizer.request(key, PUBLISH) is None


def test_an_identity_grant_does_not_use_a_key_whose_policy_neither_delegates_nor_names_the_role() -> None:
    authorizer, state, key = setup()
    state.keys[SEALED_TOPIC] = KEY
    state.policies[KEY] = document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    state.roles["orders-role"] = PUBLISHER
    assert authorizer.request(key, PUBLISH) == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/orders-role/orders-api is not authorized to perform: "
        f"kms:GenerateDataKey on resource: {KEY} because no resource-based policy allows the kms:GenerateDataKey action"
    )


def test_a_key_policy_naming_the_role_lets_it_use_the_key_without_an_identity_grant() -> None:
    authorizer, state, key = setup()
    state.keys[SEALED_TOPIC] = KEY
    state.policies[KEY] = document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": "*",
        }
    )
    state.roles["orders-role"] = PUBLISHER[:1]
    assert authorizer.request(key, PUBLISH) is None


def test_a_key_policy_delegating_to_the_account_leaves_the_decision_to_the_identity_policy() -> None:
    authorizer, state, key = setup()
    state.keys[SEALED_TOPIC], state.policies[KEY] = KEY, DELEGATING
    state.roles["orders-role"] = [document({"Effect": "Allow", "Action": "*", "Resource": "*"})]
    assert authorizer.request(key, PUBLISH) is None
    state.policies[KEY] = document(
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "kms:Decrypt", "Resource": "*"}
    )  # delegates Decrypt only
    message = authorizer.request(key, PUBLISH)
    assert message is not None and "kms:GenerateDataKey on resource" in message and "resource-based" in message


STREAM = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clicks"
CONSUMER = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:clicks-consumer:live"


def test_an_event_source_mapping_reads_a_stream_under_a_customer_managed_key_with_the_function_role() -> None:
    authorizer, state, _ = setup()
    state.keys[STREAM], state.policies[KEY] = KEY, DELEGATING
    state.roles["orders-role"] = []
    denial = authorizer.check_mapping_read(CONSUMER, STREAM, REGION)
    assert denial is not None and denial.message == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/orders-role/clicks-consumer is not authorized to perform: "
        f"kms:Decrypt on resource: {KEY} because no identity-based policy allows the kms:Decrypt action"
    )
    through = {"StringEquals": {"kms:ViaService": f"kinesis.{REGION}.amazonaws.com"}}
    state.roles["orders-role"] = [
        document({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY, "Condition": through})
    ]
    assert authorizer.check_mapping_read(CONSUMER, STREAM, REGION) is None


def test_a_mapping_reading_a_source_without_a_customer_managed_key_is_not_a_decision() -> None:
    authorizer, _, _ = setup()
    assert authorizer.check_mapping_read(CONSUMER, STREAM, REGION) is None
    assert (
        authorizer.check_mapping_read(CONSUMER, f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t/stream/s", REGION) is None
    )
    assert authorizer.decisions == 0


def test_eventbridge_publishes_to_a_topic_under_a_customer_managed_key_only_when_the_key_policy_lets_it() -> None:
    authorizer, state, _ = setup()
    rule = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/order-lifecycle"
    state.keys[SEALED_TOPIC], state.policies[KEY] = KEY, DELEGATING
    state.policies[SEALED_TOPIC] = document(
        {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": "*"}
    )
    denied = authorizer.delivery("events.amazonaws.com", "sns:Publish", SEALED_TOPIC, rule, REGION)
    assert denied is not None and "events.amazonaws.com is not authorized to perform: kms:GenerateDataKey" in denied
    state.policies[KEY] = service_may_use_key("events.amazonaws.com")
    assert authorizer.delivery("events.amazonaws.com", "sns:Publish", SEALED_TOPIC, rule, REGION) is None


# -- a state machine under a customer-managed key ----------------------------------------------------------------
MACHINE = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:fulfilment"
EXECUTION = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:fulfilment:order-1"
FOR_MACHINE = {"StringEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": MACHINE}}
START = Request("stepfunctions", "StartExecution", {"stateMachineArn": MACHINE}, REGION, ACCOUNT)
DESCRIBE = Request("stepfunctions", "DescribeExecution", {"executionArn": EXECUTION}, REGION, ACCOUNT)


def encrypted_machine(state: State, role: list[str]) -> None:
    state.keys[MACHINE], state.policies[KEY], state.roles["saga-role"] = KEY, DELEGATING, role


def saga_role_key(condition: dict[str, Any] = FOR_MACHINE) -> str:
    return document(
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": KEY, "Condition": condition}
    )


def test_an_execution_of_a_machine_under_a_key_starts_only_when_its_role_may_use_the_key_whoever_starts_it() -> None:
    authorizer, state, _ = setup()
    encrypted_machine(state, [])
    assert authorizer.request("localcloud", START) == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/saga-role/localcloud-service is not authorized to perform: "
        f"kms:GenerateDataKey on resource: {KEY} because no identity-based policy allows the kms:GenerateDataKey action"
    )
    state.roles["saga-role"] = [saga_role_key()]
    assert authorizer.request("localcloud", START) is None


def test_an_execution_role_granted_the_key_only_through_step_functions_cannot_start_it() -> None:
    # AWS: a kms:ViaService condition on an execution role can keep executions from starting.
    authorizer, state, _ = setup()
    encrypted_machine(state, [saga_role_key({"StringEquals": {"kms:ViaService": f"states.{REGION}.amazonaws.com"}})])
    message = authorizer.request("localcloud", START)
    assert message is not None and f"kms:GenerateDataKey on resource: {KEY}" in message


def test_an_execution_role_may_not_start_a_machine_whose_key_policy_does_not_let_it() -> None:
    authorizer, state, _ = setup()
    encrypted_machine(state, [saga_role_key()])
    state.policies[KEY] = document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    message = authorizer.request("localcloud", START)
    assert message is not None and message.endswith(
        "because no resource-based policy allows the kms:GenerateDataKey action"
    )


def test_a_starter_needs_no_grant_of_the_machines_key() -> None:
    authorizer, state, key = setup()
    encrypted_machine(state, [saga_role_key()])
    state.roles["orders-role"] = [document({"Effect": "Allow", "Action": "states:StartExecution", "Resource": MACHINE})]
    assert authorizer.request(key, START) is None


def test_a_reader_of_an_execution_under_a_key_must_decrypt_through_step_functions() -> None:
    authorizer, state, key = setup()
    encrypted_machine(state, [saga_role_key()])
    reads = document({"Effect": "Allow", "Action": "states:DescribeExecution", "Resource": EXECUTION})
    state.roles["orders-role"] = [reads]
    assert authorizer.request(key, DESCRIBE) == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/orders-role/orders-api is not authorized to perform: "
        f"kms:Decrypt on resource: {KEY} because no identity-based policy allows the kms:Decrypt action"
    )
    via = {"StringEquals": {"kms:ViaService": f"states.{REGION}.amazonaws.com", **FOR_MACHINE["StringEquals"]}}
    state.roles["orders-role"] = [
        reads,
        document({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY, "Condition": via}),
    ]
    assert authorizer.request(key, DESCRIBE) is None


def test_a_start_of_a_published_version_uses_the_role_and_key_it_was_published_with() -> None:
    # The machine now has no key; its version 3 was published under KEY with another role.
    authorizer, state, _ = setup()
    version = f"{MACHINE}:3"
    state.keys[version], state.policies[KEY], state.machine_roles[version] = KEY, DELEGATING, ROLE
    state.roles["saga-role"] = [saga_role_key()]
    start = Request("stepfunctions", "StartExecution", {"stateMachineArn": version}, REGION, ACCOUNT)
    assert authorizer.request("localcloud", start) == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/orders-role/localcloud-service is not authorized to perform: "
        f"kms:GenerateDataKey on resource: {KEY} because no identity-based policy allows the kms:GenerateDataKey action"
    )


def test_a_versions_role_granted_the_key_for_the_machine_starts_it() -> None:
    authorizer, state, _ = setup()
    version = f"{MACHINE}:3"
    state.keys[version], state.policies[KEY], state.machine_roles[version] = KEY, DELEGATING, ROLE
    state.roles["orders-role"] = [saga_role_key()]  # the encryption context names the machine, not the version
    start = Request("stepfunctions", "StartExecution", {"stateMachineArn": version}, REGION, ACCOUNT)
    assert authorizer.request("localcloud", start) is None
    assert authorizer.decisions == 1


def test_a_start_of_a_machine_without_a_key_is_not_a_decision() -> None:
    authorizer, _, _ = setup()
    assert authorizer.request("localcloud", START) is None
    assert authorizer.decisions == 0


def test_a_start_of_a_machine_whose_key_the_emulator_does_not_hold_is_denied_with_the_reason() -> None:
    authorizer, state, _ = setup()
    encrypted_machine(state, [saga_role_key()])
    state.keys[MACHINE] = "gone"
    message = authorizer.request("localcloud", START)
    assert message is not None and message.endswith(
        f"because the local cloud cannot evaluate it: the KMS key gone of {MACHINE} is not in the emulator "
        "(AWS fails the call: KMS's NotFoundException)"
    )


KEYED_FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-api"


def test_lambda_decrypts_a_functions_environment_with_the_execution_role_through_lambda() -> None:
    authorizer, state, _ = setup()
    state.policies[KEY] = DELEGATING
    state.roles["orders-role"] = []
    denial = authorizer.check_environment_key(KEYED_FUNCTION, KEY, REGION)
    assert denial is not None and denial.message == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/orders-role/orders-api is not authorized to perform: "
        f"kms:Decrypt on resource: {KEY} because no identity-based policy allows the kms:Decrypt action"
    )
    through = {
        "StringEquals": {"kms:ViaService": f"lambda.{REGION}.amazonaws.com"},
        "ArnEquals": {"kms:EncryptionContext:aws:lambda:FunctionArn": KEYED_FUNCTION},
    }
    state.roles["orders-role"] = [
        document({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY, "Condition": through})
    ]
    assert authorizer.check_environment_key(KEYED_FUNCTION, KEY, REGION) is None


def test_a_key_policy_that_neither_delegates_nor_names_the_role_denies_lambdas_decryption() -> None:
    authorizer, state, _ = setup()
    state.policies[KEY] = document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/key-admin"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    state.roles["orders-role"] = [document({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY})]
    denial = authorizer.check_environment_key(KEYED_FUNCTION, KEY, REGION)
    assert denial is not None and denial.reason == "because no resource-based policy allows the kms:Decrypt action"


def test_an_explicit_deny_in_the_key_policy_denies_lambdas_decryption_the_role_is_allowed() -> None:
    authorizer, state, _ = setup()
    state.policies[KEY] = document(
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"},
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": f"lambda.{REGION}.amazonaws.com"}},
        },
    )
    denial = authorizer.check_environment_key(KEYED_FUNCTION, KEY, REGION)
    assert denial is not None and denial.reason == "with an explicit deny in a resource-based policy"


LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/orders-api"


def test_cloudwatch_logs_uses_a_log_groups_key_only_when_the_key_policy_lets_it_for_that_group() -> None:
    authorizer, state, _ = setup()
    state.policies[KEY] = DELEGATING
    denial = authorizer.check_log_group_key(LOG_GROUP, KEY, REGION)
    assert denial is not None and denial.message == (
        f"User: logs.{REGION}.amazonaws.com is not authorized to perform: kms:GenerateDataKey on resource: {KEY} "
        "because no resource-based policy allows the kms:GenerateDataKey action"
    )
    logs_may_use = {
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": LOG_GROUP}},
    }
    state.policies[KEY] = document(logs_may_use)
    assert authorizer.check_log_group_key(LOG_GROUP, KEY, REGION) is None
    assert authorizer.check_log_group_key(f"{LOG_GROUP}-other", KEY, REGION) is not None


SCHEDULE = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/nightly"
RULE = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/nightly"
MAY_SEND = document({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": QUEUE})


def test_a_schedule_dead_lettering_to_a_queue_under_a_customer_managed_key_needs_its_role_to_use_the_key() -> None:
    authorizer, state, _ = setup()
    encrypted_queue(state)
    state.roles["orders-role"] = [MAY_SEND]
    dead_letter = {"Arn": QUEUE, "RoleArn": ROLE}
    denial = authorizer.check_target(SCHEDULE, dead_letter, REGION)
    assert denial is not None and denial.message == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/orders-role/scheduler is not authorized to perform: "
        f"kms:GenerateDataKey on resource: {KEY} because no identity-based policy allows the kms:GenerateDataKey action"
    )
    through = {"StringEquals": {"kms:ViaService": f"sqs.{REGION}.amazonaws.com"}}
    state.roles["orders-role"] = [
        MAY_SEND,
        document(
            {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": KEY, "Condition": through}
        ),
    ]
    assert authorizer.check_target(SCHEDULE, dead_letter, REGION) is None


def test_a_schedule_dead_lettering_to_a_queue_without_a_customer_managed_key_needs_only_send_message() -> None:
    authorizer, state, _ = setup()
    state.roles["orders-role"] = [MAY_SEND]
    assert authorizer.check_target(SCHEDULE, {"Arn": QUEUE, "RoleArn": ROLE}, REGION) is None


def test_a_schedule_dead_lettering_to_a_queue_whose_key_is_not_in_the_emulator_is_denied_with_the_reason() -> None:
    authorizer, state, _ = setup()
    state.keys[QUEUE] = "alias/gone"
    state.roles["orders-role"] = [MAY_SEND]
    denial = authorizer.check_target(SCHEDULE, {"Arn": QUEUE, "RoleArn": ROLE}, REGION)
    assert denial is not None and "the KMS key alias/gone" in denial.reason and denial.action == "kms:GenerateDataKey"


def test_a_rule_dead_lettering_to_a_queue_under_a_customer_managed_key_needs_its_key_policy_to_admit_events() -> None:
    authorizer, state, _ = setup()
    encrypted_queue(state)
    state.policies[QUEUE] = document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": QUEUE,
        }
    )
    denial = authorizer.check_target(RULE, {"Arn": QUEUE}, REGION)
    assert denial is not None and denial.message == (
        f"User: events.amazonaws.com is not authorized to perform: kms:GenerateDataKey on resource: {KEY} because no "
        "resource-based policy allows the kms:GenerateDataKey action"
    )
    state.policies[KEY] = service_may_use_key("events.amazonaws.com")
    assert authorizer.check_target(RULE, {"Arn": QUEUE}, REGION) is None


def test_a_delivery_from_a_source_arn_without_an_account_is_from_the_local_account() -> None:
    authorizer, state, _ = setup()
    state.policies[QUEUE] = document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": QUEUE,
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    )
    assert authorizer.delivery("s3.amazonaws.com", "sqs:SendMessage", QUEUE, "", REGION) is None


# -- DynamoDB tables under a customer-managed key ----------------------------------------------------------------
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
TABLE_CONTEXT = {
    "kms:ViaService": f"dynamodb.{REGION}.amazonaws.com",
    "kms:EncryptionContext:aws:dynamodb:tableName": "orders",
    "kms:EncryptionContext:aws:dynamodb:subscriberId": ACCOUNT,
}


def test_an_item_write_to_a_keyed_table_is_denied_until_the_caller_may_decrypt_its_key_through_dynamodb() -> None:
    authorizer, state, key = setup()
    state.keys[TABLE], state.policies[KEY] = KEY, DELEGATING
    writes = document({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE})
    state.roles["orders-role"] = [writes]
    assert authorizer.request(key, put_item()) == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/orders-role/orders-api is not authorized to perform: "
        f"kms:Decrypt on resource: {KEY} because no identity-based policy allows the kms:Decrypt action"
    )
    decrypts = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}
    state.roles["orders-role"] = [writes, document({**decrypts, "Condition": {"StringEquals": TABLE_CONTEXT}})]
    assert authorizer.request(key, put_item()) is None


def test_a_grant_of_a_tables_key_for_another_table_does_not_decrypt_this_one() -> None:
    authorizer, state, key = setup()
    state.keys[TABLE], state.policies[KEY] = KEY, DELEGATING
    other = {**TABLE_CONTEXT, "kms:EncryptionContext:aws:dynamodb:tableName": "payments"}
    state.roles["orders-role"] = [
        document({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE}),
        document({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY, "Condition": {"StringEquals": other}}),
    ]
    denial = authorizer.request(key, put_item())
    assert denial is not None and "kms:Decrypt" in denial


def test_a_mapping_reads_a_keyed_tables_stream_with_the_function_role() -> None:
    authorizer, state, _ = setup()
    state.keys[TABLE], state.policies[KEY] = KEY, DELEGATING
    state.roles["orders-role"] = []
    stream = f"{TABLE}/stream/2026-12-01T00:00:00.000"
    denial = authorizer.check_mapping_read(CONSUMER, stream, REGION)
    assert denial is not None and "kms:Decrypt on resource" in denial.message
    condition = {"StringEquals": {"kms:ViaService": f"dynamodb.{REGION}.amazonaws.com"}}
    state.roles["orders-role"] = [
        document({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY, "Condition": condition})
    ]
    assert authorizer.check_mapping_read(CONSUMER, stream, REGION) is None
