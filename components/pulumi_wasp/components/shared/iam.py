"""Least-privilege IAM: statements composed from what a resource is wired to, and roles.

Policy documents are built with ``Output.json_dumps`` rather than ``get_policy_document``:
no invoke per role keeps synthesis linear and works identically under mocks.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_aws import iam

from pulumi_wasp import iam_reference
from pulumi_wasp.components.shared import children, names
from pulumi_wasp.components.shared.context import current_stack_context

Statement = dict[str, Any]
#: An IAM ``Condition`` block: operator → condition key → value(s), e.g.
#: ``{"ArnEquals": {"aws:SourceArn": rule_arn}}``.
Conditions = Mapping[str, Mapping[str, Any]]


def allow(actions: Sequence[str], resources: Sequence[pulumi.Input[str]], sid: str | None = None) -> Statement:
    if not actions or not resources:
        raise ValueError("a statement needs at least one action and one resource")
    statement: Statement = {"Effect": "Allow", "Action": sorted(set(actions)), "Resource": list(resources)}
    if sid:
        statement["Sid"] = sid
    return statement


def flattened(permissions: Sequence[Statement | Sequence[Statement]], owner: str) -> list[Statement]:
    """``permissions`` as statements. A list in it (``[iam.dynamodb_read(arn)]``, written before the DynamoDB
    read grants returned lists in 0.2.0) is spliced in, with a DeprecationWarning naming the fix."""
    statements: list[Statement] = []
    for index, item in enumerate(permissions):
        if isinstance(item, Mapping):
            statements.append(dict(item))
            continue
        warnings.warn(
            f"{owner}.permissions[{index}] is a list of statements (iam.dynamodb_read and dynamodb_read_write return "
            "lists since 0.2.0): splat it, permissions=[*iam.dynamodb_read(arn)]; a nested list is deprecated",
            DeprecationWarning,
            stacklevel=3,
        )
        statements.extend(dict(statement) for statement in item)
    return statements


def wildcard_grants(statements: Sequence[Statement]) -> list[str]:
    """Each wildcard an Allow statement grants, described: ``*`` or ``svc:*`` actions, and ``Resource: "*"`` for
    actions that accept a resource type (those the Service Authorization Reference lists without one accept
    nothing but ``*``). Statements confined by a ``Condition`` are left to the policy pack's judgement."""
    found = []
    for statement in statements:
        if statement.get("Effect") != "Allow" or "Condition" in statement:
            continue
        actions = [a for a in statement.get("Action", []) if isinstance(a, str)]
        found += [f"Action {action!r}" for action in actions if action == "*" or action.endswith(":*")]
        if "*" in list(statement.get("Resource", [])):
            broad = sorted(a for a in actions if not iam_reference.star_only(a))
            if broad:
                found.append(f"Resource '*' for {broad}")
    return found


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def account_of(arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """The account of an ARN (its fifth field): known as soon as the ARN is, with no invoke.

    Use it on the ARN of a resource the component created, which lives in the deploying account.
    """
    return pulumi.Output.from_input(arn).apply(lambda value: value.split(":")[4])


def trust_policy(
    service: str,
    *,
    source_account: pulumi.Input[str] | None = None,
    conditions: Conditions | None = None,
) -> pulumi.Output[str]:
    """``service`` may assume the role; with ``source_account`` only on behalf of a resource of
    that account (``aws:SourceAccount``: confused-deputy protection), and under ``conditions``."""
    statement: Statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    condition = {operator: dict(keys) for operator, keys in (conditions or {}).items()}
    if source_account is not None:
        equals = condition.setdefault("StringEquals", {})
        if "aws:SourceAccount" in equals:
            raise ValueError("trust_policy: aws:SourceAccount is set by both source_account= and conditions=")
        equals["aws:SourceAccount"] = source_account
    if condition:
        statement["Condition"] = condition
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [statement]})


# -- grants: one function per kind of wiring, named after what the principal may do -----------
def sqs_consume(queue_arn: pulumi.Input[str]) -> Statement:
    return allow(
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
        [queue_arn],
    )


def sqs_send(queue_arn: pulumi.Input[str]) -> Statement:
    return allow(["sqs:SendMessage"], [queue_arn])


def sns_publish(topic_arn: pulumi.Input[str]) -> Statement:
    return allow(["sns:Publish"], [topic_arn])


def events_put(bus_arn: pulumi.Input[str]) -> Statement:
    return allow(["events:PutEvents"], [bus_arn])


def lambda_invoke(function_arns: Sequence[pulumi.Input[str]]) -> Statement:
    return allow(["lambda:InvokeFunction"], list(function_arns))


def states_start(state_machine_arn: pulumi.Input[str]) -> Statement:
    """Start executions of the machine. Nothing of its customer-managed key, if it has one: StartExecution
    needs no KMS permission of its caller (the execution role encrypts, :func:`kms_for_state_machine`)."""
    return allow(["states:StartExecution"], [state_machine_arn])


#: Reads of items by key: they accept only the table's ARN (the Service Authorization Reference).
_DYNAMODB_ITEM_READS = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:DescribeTable")
_DYNAMODB_WRITES = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)


def dynamodb_indexes(table_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """The ARN pattern of every secondary index of a table: ``<table ARN>/index/*``."""
    return pulumi.Output.concat(table_arn, "/index/*")


def dynamodb_read(table_arn: pulumi.Input[str]) -> list[Statement]:
    """Get and query items, the table's and its indexes' (a query on an index is authorized on the index's ARN;
    GetItem, BatchGetItem and DescribeTable accept only the table's, hence two statements). Splat it:
    ``permissions=[*iam.dynamodb_read(table.arn)]``."""
    return [
        allow(list(_DYNAMODB_ITEM_READS), [table_arn]),
        allow(["dynamodb:Query"], [table_arn, dynamodb_indexes(table_arn)]),
    ]


def dynamodb_write(table_arn: pulumi.Input[str]) -> Statement:
    return allow(list(_DYNAMODB_WRITES), [table_arn])


def dynamodb_read_write(table_arn: pulumi.Input[str]) -> list[Statement]:
    """:func:`dynamodb_read` and :func:`dynamodb_write` (item actions on the table, Query on it and its indexes)."""
    return [
        allow([*_DYNAMODB_ITEM_READS, *_DYNAMODB_WRITES], [table_arn]),
        allow(["dynamodb:Query"], [table_arn, dynamodb_indexes(table_arn)]),
    ]


def dynamodb_scan(table_arn: pulumi.Input[str]) -> Statement:
    """Scan the table and its indexes (Scan accepts both ARNs)."""
    return allow(["dynamodb:Scan"], [table_arn, dynamodb_indexes(table_arn)])


def dynamodb_stream_read(stream_arn: pulumi.Input[str]) -> list[Statement]:
    """What a Lambda event source mapping reads a table's stream with. ListStreams accepts no resource type (the
    Service Authorization Reference): on the stream's ARN it would grant nothing, so it has its own ``*``."""
    return [
        allow(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], [stream_arn]),
        allow(["dynamodb:ListStreams"], ["*"]),
    ]


def kinesis_consume(stream_arn: pulumi.Input[str]) -> list[Statement]:
    """What a Lambda event source mapping reads a Kinesis stream with (shared throughput: no enhanced fan-out
    consumer, so no kinesis:SubscribeToShard, which accepts only consumer ARNs)."""
    return [
        allow(
            [
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
                "kinesis:ListShards",
            ],
            [stream_arn],
        )
    ]


def s3_read(bucket_arn: pulumi.Input[str], prefix: str = "") -> Statement:
    return allow(["s3:GetObject"], [pulumi.Output.concat(bucket_arn, "/", prefix, "*")])


def s3_write(bucket_arn: pulumi.Input[str], prefix: str = "") -> Statement:
    return allow(["s3:PutObject"], [pulumi.Output.concat(bucket_arn, "/", prefix, "*")])


def secret_read(secret_arn: pulumi.Input[str]) -> Statement:
    return allow(["secretsmanager:GetSecretValue"], [secret_arn])


def secret_rotate(secret_arn: pulumi.Input[str]) -> Statement:
    """What a rotation function does to its one secret: read its versions, add the pending one, move the labels."""
    actions = [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
    ]
    return allow(actions, [secret_arn])


def logs_write(log_group_arn: pulumi.Input[str]) -> Statement:
    return allow(["logs:CreateLogStream", "logs:PutLogEvents"], [pulumi.Output.concat(log_group_arn, ":*")])


def xray_write() -> Statement:
    # X-Ray has no resource-level permissions: "*" is the only valid resource here.
    return allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"])


@dataclass
class ServiceRole:
    role: iam.Role
    #: The inline policy; depend on it so nothing runs with the role before it may act.
    policy: iam.RolePolicy


def service_role(
    name: str,
    service: str,
    statements: Sequence[Statement],
    *,
    parent: pulumi.Resource,
    tags: dict[str, str],
    source_account: pulumi.Input[str] | None = None,
    conditions: Conditions | None = None,
    overrides: Mapping[str, Any] | None = None,
    overrides_arg: str = "",
) -> ServiceRole:
    """A role only ``service`` may assume, with ``statements`` as its one inline policy.

    ``source_account`` (e.g. ``account_of(<an ARN the component created>)``: no invoke per role)
    lets the service assume the role only on behalf of that account's resources, so nobody
    can make it act with this role from elsewhere (confused deputy); ``conditions`` adds further
    keys such as ``aws:SourceArn``. EventBridge, EventBridge Scheduler and Step Functions set
    them. ServerlessFunction leaves its ``lambda.amazonaws.com`` role without: a condition that
    Lambda's source context fails would keep the function from running.

    ``overrides`` (keyword arguments of ``aws.iam.Role``, named ``overrides_arg`` in errors) merge over the
    role's defaults (:func:`children.resource_kwargs`).
    """
    if not statements:
        raise ValueError(f"{name}: a service role needs at least one statement")
    # Pulumi auto-names both; a long component name gets derived names within IAM's limits instead.
    context = current_stack_context()
    role_defaults = {
        **context.role_settings(f"{name}-role"),
        "assume_role_policy": trust_policy(service, source_account=source_account, conditions=conditions),
        "tags": tags,
    }
    role = children.create(
        iam.Role,
        f"{name}-role",
        role_defaults,
        overrides or {},
        arg=overrides_arg,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    policy = iam.RolePolicy(
        f"{name}-policy",
        name=context.auto_name(f"{name}-policy", names.IAM_POLICY),
        role=role.id,
        policy=policy_document(statements),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return ServiceRole(role, policy)


def role_policy_on(
    name: str, role: iam.Role | pulumi.Input[str], statements: Sequence[Statement], *, parent: pulumi.Resource
) -> iam.RolePolicy:
    """``statements`` as a role policy of its own on a role the component did not create (``role``: the
    resource, or its name or ARN), so what the component needs is granted without touching the role's other
    policies."""
    if not statements:
        raise ValueError(f"{name}: a role policy needs at least one statement")
    return iam.RolePolicy(
        f"{name}-policy",
        name=current_stack_context().auto_name(f"{name}-policy", names.IAM_POLICY),
        role=role.id if isinstance(role, iam.Role) else pulumi.Output.from_input(role).apply(role_name_of),
        policy=policy_document(statements),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def role_name_of(role: str) -> str:
    """A role's name from its name or ARN (``arn:aws:iam::<account>:role/<path>/<name>``)."""
    return role.rsplit("/", 1)[-1] if role.startswith("arn:") else role


# -- Lambda in a VPC: the network-interface permissions of AWSLambdaVPCAccessExecutionRole, least-privilege ----
def lambda_vpc_access(
    region: str,
    account: pulumi.Input[str],
    subnet_ids: Sequence[pulumi.Input[str]],
    security_group_ids: Sequence[pulumi.Input[str]],
) -> list[Statement]:
    """What Lambda needs to attach a function to its subnets: AWS's managed AWSLambdaVPCAccessExecutionRole grants
    these ec2 actions on ``*``; here creating an interface is confined to the function's subnets and security
    groups, and managing interfaces to the account's interfaces in the region. The two Describe actions accept
    no resource type (the Service Authorization Reference), so ``*`` is the only resource they can have."""
    if not subnet_ids or not security_group_ids:
        raise ValueError("lambda_vpc_access needs at least one subnet and one security group")

    def arn(kind: str, resource_id: pulumi.Input[str]) -> pulumi.Output[str]:
        return pulumi.Output.concat("arn:aws:ec2:", region, ":", account, f":{kind}/", resource_id)

    interfaces = arn("network-interface", "*")
    return [
        allow(
            ["ec2:CreateNetworkInterface"],
            [
                interfaces,
                *(arn("subnet", subnet) for subnet in subnet_ids),
                *(arn("security-group", group) for group in security_group_ids),
            ],
        ),
        allow(
            ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            [interfaces],
        ),
        allow(["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], ["*"]),
    ]


# -- grants for service roles and encrypted resources (Saga, BucketProcessor) --------------------
def states_log_delivery() -> Statement:
    # Step Functions sets up vended log delivery through these CloudWatch Logs APIs, which have
    # no resource-level permissions: "*" is the only valid resource (AWS's documented policy).
    return allow(
        [
            "logs:CreateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:DescribeLogGroups",
            "logs:DescribeResourcePolicies",
            "logs:GetLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:UpdateLogDelivery",
        ],
        ["*"],
    )


def xray_sampling() -> Statement:
    # Services that trace on the caller's behalf (Step Functions) also read the sampling rules;
    # like every X-Ray API, these have no resource-level permissions.
    return allow(["xray:GetSamplingRules", "xray:GetSamplingTargets"], ["*"])


def kms_for_topic(topic_arn: pulumi.Input[str]) -> Statement:
    """Use of the KMS key of an encrypted topic, only when SNS encrypts for that topic.

    The key's ARN is not needed (nor always known to the publisher): SNS sets the encryption
    context ``aws:sns:topicArn``, so the condition confines the grant to this one topic.
    """
    statement = allow(["kms:Decrypt", "kms:GenerateDataKey*"], ["*"])
    statement["Condition"] = {"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": topic_arn}}
    return statement


#: What a producer needs of a customer-managed key to write into a resource the service encrypts with it: a data
#: key to encrypt with, and Decrypt where the service decrypts the data key it reuses (SQS, SNS) or reads it back
#: (S3 multipart uploads); Kinesis producers need only the data key.
_KMS_ENCRYPT = {"kinesis": ("kms:GenerateDataKey",)}
_KMS_ENCRYPT_DEFAULT = ("kms:GenerateDataKey", "kms:Decrypt")


def kms_via(key_arn: pulumi.Input[str], service: str) -> Conditions:
    """``kms:ViaService``: only when ``service`` (sqs, sns, s3, kinesis) calls KMS on the principal's behalf, in
    the key's region (a key and the resources it encrypts share a region): the grant cannot decrypt anything
    directly."""
    via = pulumi.Output.from_input(key_arn).apply(lambda arn: f"{service}.{arn.split(':')[3]}.amazonaws.com")
    return {"StringEquals": {"kms:ViaService": via}}


def kms_encrypt(key_arn: pulumi.Input[str], service: str) -> Statement:
    """Write into a resource ``service`` encrypts with the customer-managed key ``key_arn`` (send to an SQS queue,
    publish to an SNS topic, put an S3 object or Kinesis records), only through that service."""
    statement = allow(list(_KMS_ENCRYPT.get(service, _KMS_ENCRYPT_DEFAULT)), [key_arn])
    statement["Condition"] = kms_via(key_arn, service)
    return statement


def kms_decrypt(key_arn: pulumi.Input[str], service: str | None = None) -> Statement:
    """Read what the key ``key_arn`` encrypts: through ``service`` only when given (receive from a queue, get an
    object, read a stream); without it directly too (a secret a function decrypts itself)."""
    statement = allow(["kms:Decrypt"], [key_arn])
    if service is not None:
        statement["Condition"] = kms_via(key_arn, service)
    return statement


#: Step Functions' encryption context: the ARN of the state machine whose data a KMS call encrypts or decrypts.
STATES_ENCRYPTION_CONTEXT = "kms:EncryptionContext:aws:states:stateMachineArn"


def kms_for_state_machine(key_arn: pulumi.Input[str], state_machine_arn: pulumi.Input[str]) -> Statement:
    """The execution role of a state machine encrypted with the customer-managed key ``key_arn``: Step Functions
    uses the key with this role to start and run each execution (kms:GenerateDataKey and kms:Decrypt), only for
    this machine's data (its encryption context). Without ``kms:ViaService``: AWS warns that the condition on an
    execution role can keep executions from starting ("Data at rest encryption in Step Functions",
    https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html)."""
    statement = allow(["kms:Decrypt", "kms:GenerateDataKey"], [key_arn])
    statement["Condition"] = {"StringEquals": {STATES_ENCRYPTION_CONTEXT: state_machine_arn}}
    return statement


def kms_read_executions(key_arn: pulumi.Input[str], state_machine_arn: pulumi.Input[str]) -> Statement:
    """A caller reading what the customer-managed key ``key_arn`` encrypts of the state machine: DescribeExecution,
    GetExecutionHistory, DescribeStateMachine(ForExecution) and StartSyncExecution need kms:Decrypt (StartExecution,
    SendTask*, StopExecution and RedriveExecution need none), only through Step Functions and for this machine
    (AWS's "Required permissions for API callers", same page as :func:`kms_for_state_machine`)."""
    statement = allow(["kms:Decrypt"], [key_arn])
    via = kms_via(key_arn, "states")["StringEquals"]
    statement["Condition"] = {"StringEquals": {**via, STATES_ENCRYPTION_CONTEXT: state_machine_arn}}
    return statement


def kms_for_log_delivery(
    key_arn: pulumi.Input[str], region: pulumi.Input[str], account: pulumi.Input[str]
) -> Statement:
    """The execution role of a state machine under the customer-managed key ``key_arn`` that logs to CloudWatch
    Logs: vended log delivery asks for a data key with it, for this account's log resources only (AWS's policy on
    the page of :func:`kms_for_state_machine`, with ArnLike: its ``...:*`` is a pattern)."""
    statement = allow(["kms:GenerateDataKey"], [key_arn])
    source = pulumi.Output.concat("arn:aws:logs:", region, ":", account, ":*")
    statement["Condition"] = {"ArnLike": {"kms:EncryptionContext:SourceArn": source}}
    return statement
