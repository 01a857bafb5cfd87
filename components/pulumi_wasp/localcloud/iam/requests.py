"""A request to the emulator as IAM sees it: the actions it performs and the ARN of each resource.

One function per service the local cloud's functions and services call, building the ARN from the request
itself (a table name, a queue URL, a bucket and key) as AWS does. Any other operation is evaluated only when
AWS's authorization reference says its action accepts only ``*`` (CloudWatch's PutMetricData, X-Ray's
PutTraceSegments); otherwise it has no resource mapping and a role's request is denied with that reason (never
evaluated against ``*``), while the administrator's requests need none.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote, urlparse

from pulumi_wasp import iam_reference
from pulumi_wasp.adapters.moto import IamRequest as Request

__all__ = [
    "Access",
    "NotMappedError",
    "Request",
    "Resolver",
    "accesses",
    "delivery_key_use",
    "environment_key_use",
    "execution_key_use",
    "log_group_key_use",
    "mapping_key_use",
    "state_machine_of",
]


@dataclass(frozen=True)
class Access:
    action: str
    resource: str
    #: Condition keys the request itself sets (``cloudwatch:namespace``).
    context: Mapping[str, str] = field(default_factory=dict)


class Resolver(Protocol):
    """What only the emulator's state can tell: the ARN behind a name."""

    def secret_arn(self, region: str, secret_id: str) -> str | None: ...

    def key_arn(self, region: str, key_id: str) -> str | None: ...

    def encryption_key(self, resource_arn: str, writing: bool) -> str | None:
        """The customer-managed key the queue, topic, stream, table (its indexes and stream too),
        state machine (a version's ARN: that version's; an
        alias's: its routed version's) or bucket (``writing``: its default encryption) or object (reading) is encrypted
        with: its ARN, or the id the resource names when the emulator holds no such key; None without a key, with the
        service's own encryption or an AWS-managed ``alias/aws/...`` key."""
        ...


class NotMappedError(LookupError):
    """The local cloud cannot tell this request's action or resource."""


#: moto's service name → IAM's service prefix, where they differ.
PREFIXES = {"stepfunctions": "states", "dynamodbstreams": "dynamodb", "awslambda": "lambda"}

#: Operations whose IAM action is named otherwise (``lambda:Invoke`` is authorized as ``lambda:InvokeFunction``).
ACTIONS = {
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeAsync"): "InvokeFunction",
    ("lambda", "InvokeWithResponseStream"): "InvokeFunction",
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("sns", "PublishBatch"): "Publish",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "ListObjects"): "ListBucket",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "CopyObject"): "PutObject",
    ("s3", "DeleteObjects"): "DeleteObject",
    ("s3", "CreateMultipartUpload"): "PutObject",
    ("s3", "UploadPart"): "PutObject",
    ("s3", "CompleteMultipartUpload"): "PutObject",
    ("s3", "ListBuckets"): "ListAllMyBuckets",
}

#: DynamoDB transaction items → the action IAM checks for each.
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def accesses(request: Request, resolver: Resolver) -> list[Access]:
    """Every (action, resource ARN) the request needs; raises :class:`NotMappedError` when unknown.

    The actions are held to AWS's Service Authorization Reference (:mod:`pulumi_wasp.iam_reference`): one it
    does not list is an error, never a guess; an operation of a service without a mapping here is evaluated
    when the reference says its action accepts only ``Resource: "*"`` (``sts:GetCallerIdentity``)."""
    prefix = PREFIXES.get(request.service, request.service)
    builder = _BUILDERS.get(prefix)
    found = builder(request, resolver) if builder is not None else []
    if not found:
        action = _action(prefix, request)
        if iam_reference.star_only(action):
            return [Access(action, "*")]
        what = f"the {prefix} service" if builder is None else action
        raise NotMappedError(f"no resource mapping for {what}")
    for access in found:
        service_prefix, _, name = access.action.partition(":")
        known = iam_reference.service(service_prefix)
        if known is None or not known.matching(name):
            raise NotMappedError(f"{access.action} is not an action of AWS's Service Authorization Reference")
    return found


def _action(prefix: str, request: Request) -> str:
    return f"{prefix}:{ACTIONS.get((prefix, request.operation), request.operation)}"


def _arn(request: Request, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{request.region}:{request.account}:{resource}"


def _name_or_arn(value: str, request: Request, service: str, kind: str) -> str:
    return value if value.startswith("arn:") else _arn(request, service, f"{kind}{value}")


# -- per service -------------------------------------------------------------------------------------------------


def _dynamodb(request: Request, resolver: Resolver) -> list[Access]:
    found = _dynamodb_actions(request)
    if ("dynamodb", request.operation) not in _KMS_USE:
        return found
    # Each table once: its indexes and stream are encrypted with its key.
    tables = dict.fromkeys(_table_of(access.resource) for access in found)
    return [*found, *(use for table in tables for use in _key_use(request, resolver, "dynamodb", table))]


def _dynamodb_actions(request: Request) -> list[Access]:
    p, op = request.params, request.operation
    if op in ("TransactWriteItems", "TransactGetItems"):
        found = []
        for item in p.get("TransactItems", []):
            kind, spec = next(iter(item.items()))
            action = _TRANSACT.get(kind, "GetItem") if op == "TransactWriteItems" else "GetItem"
            found.append(Access(f"dynamodb:{action}", _table(request, spec["TableName"])))
        return found
    if op in ("BatchWriteItem", "BatchGetItem"):
        return [Access(f"dynamodb:{op}", _table(request, name)) for name in p.get("RequestItems", {})]
    if "StreamArn" in p:
        return [Access(_action("dynamodb", request), p["StreamArn"])]
    if op == "GetRecords" and "ShardIterator" in p:
        return [Access("dynamodb:GetRecords", _stream_of_iterator(p["ShardIterator"]))]
    if op in ("ListTables", "ListStreams", "DescribeLimits", "DescribeEndpoints"):
        return [Access(_action("dynamodb", request), "*")]
    name = p.get("TableName") or p.get("ResourceArn")
    if not name:
        return []
    table = _table(request, name)
    if p.get("IndexName"):
        table = f"{table}/index/{p['IndexName']}"
    return [Access(_action("dynamodb", request), table)]


def _table(request: Request, name: str) -> str:
    return _name_or_arn(name, request, "dynamodb", "table/")


def _table_of(arn: str) -> str:
    """The table of a table, index or stream ARN (``…:table/<name>/stream/<label>`` → ``…:table/<name>``)."""
    return "/".join(arn.split("/", 2)[:2])


def _stream_of_iterator(iterator: str) -> str:
    # moto's DynamoDB stream iterators are the stream ARN, a '|' and the shard position.
    head = iterator.split("|", 1)[0]
    if not head.startswith("arn:"):
        raise NotMappedError("dynamodb:GetRecords with a shard iterator that names no stream")
    return head


#: The KMS calls a service makes with a resource's customer-managed key on the caller's behalf, with the caller's own
#: permissions (as on AWS): a writer's data is encrypted under a data key (SQS and SNS also decrypt the data key
#: they reuse, and so does S3 for the parts of a multipart upload), a reader's decrypted.
_KMS_USE: dict[tuple[str, str], tuple[str, ...]] = {
    ("sqs", "SendMessage"): ("kms:GenerateDataKey", "kms:Decrypt"),
    ("sqs", "SendMessageBatch"): ("kms:GenerateDataKey", "kms:Decrypt"),
    ("sqs", "ReceiveMessage"): ("kms:Decrypt",),
    ("sns", "Publish"): ("kms:GenerateDataKey", "kms:Decrypt"),
    ("sns", "PublishBatch"): ("kms:GenerateDataKey", "kms:Decrypt"),
    ("s3", "PutObject"): ("kms:GenerateDataKey",),
    ("s3", "CopyObject"): ("kms:GenerateDataKey",),
    ("s3", "CreateMultipartUpload"): ("kms:GenerateDataKey", "kms:Decrypt"),
    ("s3", "UploadPart"): ("kms:GenerateDataKey", "kms:Decrypt"),
    ("s3", "CompleteMultipartUpload"): ("kms:GenerateDataKey", "kms:Decrypt"),
    ("s3", "GetObject"): ("kms:Decrypt",),
    ("kinesis", "PutRecord"): ("kms:GenerateDataKey",),
    ("kinesis", "PutRecords"): ("kms:GenerateDataKey",),
    ("kinesis", "GetRecords"): ("kms:Decrypt",),
    # DynamoDB decrypts the table key for whoever reads or writes the table's items (or its stream's records): the
    # Decrypt is logged as that principal, invoked by DynamoDB ("How Amazon DynamoDB uses AWS KMS", Monitoring,
    # https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html); a writer too
    # (https://github.com/aws/aws-cdk/issues/10010: PutItem denied until the role could Decrypt).
    **{
        ("dynamodb", operation): ("kms:Decrypt",)
        for operation in (
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "Query",
            "Scan",
            "BatchGetItem",
            "BatchWriteItem",
            "TransactGetItems",
            "TransactWriteItems",
            "GetRecords",
        )
    },
    # Step Functions decrypts a machine's definition or an execution's data for the caller that reads it; starting,
    # SendTask*, StopExecution and RedriveExecution need nothing of the caller ("Required permissions for API
    # callers", https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html).
    ("states", "DescribeStateMachine"): ("kms:Decrypt",),
    ("states", "DescribeStateMachineForExecution"): ("kms:Decrypt",),
    ("states", "DescribeExecution"): ("kms:Decrypt",),
    ("states", "GetExecutionHistory"): ("kms:Decrypt",),
    ("states", "StartSyncExecution"): ("kms:Decrypt",),
}
#: The encryption context each service gives KMS (``kms:EncryptionContext:<key>`` in a policy's conditions): Lambda's
#: for a function's environment variables (https://github.com/aws/serverless-application-model/issues/1989) and
#: CloudWatch Logs' for a log group's events ("Encrypt log data in CloudWatch Logs using AWS Key Management Service",
#: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html) among them.
ENCRYPTION_CONTEXT = {
    "sqs": "aws:sqs:arn",
    "sns": "aws:sns:topicArn",
    "kinesis": "aws:kinesis:arn",
    "states": "aws:states:stateMachineArn",
    "lambda": "aws:lambda:FunctionArn",
    "logs": "aws:logs:arn",
}
#: DynamoDB's encryption context: the table's name (not its ARN) and the account (same KMS page, "DynamoDB encryption
#: context").
DYNAMODB_ENCRYPTION_CONTEXT = ("aws:dynamodb:tableName", "aws:dynamodb:subscriberId")
#: What CloudWatch Logs does with a log group's key as itself: a data key for the events it ingests, Decrypt of
#: them whenever they are read. AWS does not document which of the two CreateLogGroup and AssociateKmsKey try;
#: a group whose key allows one and not the other cannot be both written and read, so both are asked.
LOGS_KEY_USE = ("kms:GenerateDataKey", "kms:Decrypt")
#: S3's request header naming the key a PutObject encrypts with (instead of the bucket's default).
_S3_KEY_HEADER = "x-amz-server-side-encryption-aws-kms-key-id"


def _key_use(request: Request, resolver: Resolver, prefix: str, resource: str) -> list[Access]:
    """The KMS accesses the service makes for ``request`` on ``resource`` (none for an operation that uses no key:
    the resource's key is looked up only for the operations above)."""
    actions = _KMS_USE.get((prefix, request.operation))
    if actions is None:
        return []
    writing = "kms:GenerateDataKey" in actions
    key = request.headers.get(_S3_KEY_HEADER) if prefix == "s3" and writing else None
    key = (resolver.key_arn(request.region, key) or key) if key else resolver.encryption_key(resource, writing)
    if key is None:
        return []
    return _kms_through(prefix, key, actions, request, resource)


#: What a Lambda event source mapping calls to read its source (with the function's execution role).
MAPPING_READS = {"sqs": "ReceiveMessage", "kinesis": "GetRecords", "dynamodb": "GetRecords"}


def mapping_key_use(source_arn: str, resolver: Resolver) -> list[Access]:
    """The KMS use of an event source mapping reading ``source_arn`` (a queue, a Kinesis stream or a DynamoDB
    table's stream under a customer-managed key: ``kms:Decrypt`` through the service); [] for a source without one."""
    _, _, service, region, account, _ = source_arn.split(":", 5)
    operation = MAPPING_READS.get(service)
    if operation is None:
        return []
    resource = _table_of(source_arn) if service == "dynamodb" else source_arn
    return _key_use(Request(service, operation, {}, region, account), resolver, service, resource)


def delivery_key_use(resource_arn: str, action: str, resolver: Resolver) -> list[Access]:
    """The KMS use of a delivery ``action`` (``sqs:SendMessage``, ``sns:Publish``) into ``resource_arn`` made with a
    role (a schedule's target or DLQ): what that send or publish asks of any caller; [] without a customer-managed
    key."""
    _, _, service, region, account, _ = resource_arn.split(":", 5)
    request = Request(service, action.split(":", 1)[1], {}, region, account)
    return _key_use(request, resolver, service, resource_arn)


#: What Step Functions asks of a machine's execution role to start an execution under the machine's customer-managed
#: key: Standard and asynchronous Express executions encrypt (a data key) and decrypt, synchronous Express ones only
#: decrypt (same AWS page as the callers' entries above).
EXECUTION_KEY_USE = {"StartExecution": ("kms:GenerateDataKey", "kms:Decrypt"), "StartSyncExecution": ("kms:Decrypt",)}


def execution_key_use(request: Request, resolver: Resolver) -> list[Access]:
    """The KMS use of the execution role when ``request`` starts an execution of a state machine under a
    customer-managed key; [] for any other request or machine. Without ``kms:ViaService``: AWS warns that a
    ``kms:ViaService`` condition on an execution role keeps executions from starting, so its calls carry none."""
    actions = EXECUTION_KEY_USE.get(request.operation) if request.service == "stepfunctions" else None
    if actions is None or not request.params.get("stateMachineArn"):
        return []
    started = str(request.params["stateMachineArn"])
    # A version runs under the key it was published with (an alias: the version it routes to); the encryption
    # context names the machine itself (AWS's key policy examples).
    machine, key = state_machine_of(started), resolver.encryption_key(started, writing=True)
    return _kms_through("states", key, actions, request, machine, via=False) if key else []


def state_machine_of(arn: str) -> str:
    """The state machine of a machine (version or alias) or an execution (Standard or Express) ARN: whose key
    encrypts its data (``arn:aws:states:<region>:<account>:execution:<machine>:<name>`` →
    ``...:stateMachine:<machine>``)."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "states":
        raise NotMappedError(f"not a Step Functions ARN: {arn}")
    return ":".join([*parts[:5], "stateMachine", parts[6]])


def environment_key_use(function_arn: str, key: str) -> list[Access]:
    """Lambda's decryption of the environment variables of ``function_arn`` under the customer-managed ``key``
    (an ARN, else :class:`NotMappedError`): ``kms:Decrypt`` with the function's execution role, through Lambda,
    in the encryption context ``aws:lambda:FunctionArn`` ("Securing Lambda environment variables",
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html)."""
    _, _, _, region, account, _ = function_arn.split(":", 5)
    request = Request("lambda", "Invoke", {}, region, account)
    return _kms_through("lambda", key, ("kms:Decrypt",), request, function_arn)


def log_group_key_use(log_group_arn: str, key: str) -> list[Access]:
    """CloudWatch Logs' use of ``key`` for the log group ``log_group_arn`` (without ``:*``), as the service itself:
    :data:`LOGS_KEY_USE` in the encryption context ``aws:logs:arn`` (no ``kms:ViaService``: the service principal
    calls KMS on its own behalf)."""
    context = {f"kms:EncryptionContext:{ENCRYPTION_CONTEXT['logs']}": log_group_arn}
    return [Access(action, key, context) for action in LOGS_KEY_USE]


def _kms_through(
    service: str, key: str, actions: tuple[str, ...], request: Request, resource: str, via: bool = True
) -> list[Access]:
    """The KMS calls ``service`` makes with ``key`` for ``request`` on ``resource`` (``kms:ViaService`` unless
    ``via`` is False, ``kms:CallerAccount`` and the service's encryption context set as KMS sets them)."""
    if not key.startswith("arn:"):
        raise NotMappedError(
            f"the KMS key {key} of {resource} is not in the emulator (AWS fails the call: KMS's NotFoundException)"
        )
    context = {"kms:CallerAccount": request.account}
    if via:
        context["kms:ViaService"] = f"{service}.{request.region}.amazonaws.com"
    if service == "dynamodb":
        table, account = DYNAMODB_ENCRYPTION_CONTEXT
        context[f"kms:EncryptionContext:{table}"] = resource.split(":", 5)[5].split("/")[1]
        context[f"kms:EncryptionContext:{account}"] = request.account
    elif service in ENCRYPTION_CONTEXT:
        context[f"kms:EncryptionContext:{ENCRYPTION_CONTEXT[service]}"] = resource
    return [Access(action, key, context) for action in actions]


def _sqs(request: Request, resolver: Resolver) -> list[Access]:
    p = request.params
    if request.operation == "ListQueues":
        return [Access("sqs:ListQueues", "*")]
    if request.operation in ("CreateQueue", "GetQueueUrl"):
        return [Access(_action("sqs", request), _arn(request, "sqs", p.get("QueueName", "")))]
    url = p.get("QueueUrl")
    if not url:
        return []
    arn = queue_arn(url, request.region)
    return [Access(_action("sqs", request), arn), *_key_use(request, resolver, "sqs", arn)]


def queue_arn(url: str, region: str) -> str:
    """A queue URL (``http://host/<account>/<name>``) as its ARN."""
    parts = [part for part in urlparse(url).path.split("/") if part]
    if len(parts) < 2:
        raise NotMappedError(f"not a queue URL: {url}")
    return f"arn:aws:sqs:{region}:{parts[-2]}:{parts[-1]}"


def _sns(request: Request, resolver: Resolver) -> list[Access]:
    p, op = request.params, request.operation
    if op in ("ListTopics", "ListSubscriptions", "CreatePlatformApplication", "ListPlatformApplications"):
        return [Access(_action("sns", request), "*")]
    if op == "CreateTopic":
        return [Access("sns:CreateTopic", _arn(request, "sns", p.get("Name", "")))]
    arn = p.get("TopicArn") or p.get("TargetArn") or p.get("ResourceArn")
    if not arn and "SubscriptionArn" in p:
        arn = p["SubscriptionArn"].rsplit(":", 1)[0]
    return [Access(_action("sns", request), arn), *_key_use(request, resolver, "sns", arn)] if arn else []


def _events(request: Request, _: Resolver) -> list[Access]:
    p, op = request.params, request.operation
    if op == "PutEvents":
        buses = {entry.get("EventBusName") or "default" for entry in p.get("Entries", [])} or {"default"}
        return [Access("events:PutEvents", _bus(request, bus)) for bus in sorted(buses)]
    if op in ("PutRule", "DescribeRule", "DeleteRule", "PutTargets", "RemoveTargets", "ListTargetsByRule"):
        rule = p.get("Name") or p.get("Rule", "")
        bus_name = (p.get("EventBusName") or "default").rsplit("/", 1)[-1]
        path = f"rule/{rule}" if bus_name == "default" else f"rule/{bus_name}/{rule}"
        return [Access(_action("events", request), rule if rule.startswith("arn:") else _arn(request, "events", path))]
    if op in ("CreateEventBus", "DescribeEventBus", "DeleteEventBus"):
        return [Access(_action("events", request), _bus(request, p.get("Name") or "default"))]
    if op in ("ListRules", "ListEventBuses", "TestEventPattern"):
        return [Access(_action("events", request), "*")]
    return []


def _bus(request: Request, bus: str) -> str:
    return _name_or_arn(bus, request, "events", "event-bus/")


def _s3(request: Request, resolver: Resolver) -> list[Access]:
    if request.operation == "ListBuckets":
        return [Access("s3:ListAllMyBuckets", "*")]
    if not request.s3_resource:
        return []
    resource = request.s3_resource
    return [Access(_action("s3", request), resource), *_key_use(request, resolver, "s3", resource)]


def _kinesis(request: Request, resolver: Resolver) -> list[Access]:
    p = request.params
    if request.operation in ("ListStreams", "DescribeLimits"):
        return [Access(_action("kinesis", request), "*")]
    if p.get("StreamARN"):
        stream = str(p["StreamARN"])
    elif p.get("StreamName"):
        stream = _arn(request, "kinesis", f"stream/{p['StreamName']}")
    elif request.operation == "GetRecords" and "ShardIterator" in p:
        stream = _arn(request, "kinesis", f"stream/{_kinesis_stream(p['ShardIterator'])}")
    else:
        return []
    return [Access(_action("kinesis", request), stream), *_key_use(request, resolver, "kinesis", stream)]


def _kinesis_stream(iterator: str) -> str:
    # moto's Kinesis iterators: base64 of "<stream name>:<shard id>:<sequence>".
    try:
        parts = base64.b64decode(iterator).decode().split(":")
    except (ValueError, UnicodeDecodeError) as error:
        raise NotMappedError("kinesis:GetRecords with a shard iterator that names no stream") from error
    if len(parts) < 3:
        raise NotMappedError("kinesis:GetRecords with a shard iterator that names no stream")
    return parts[0]


def _states(request: Request, resolver: Resolver) -> list[Access]:
    p, op = request.params, request.operation
    if op in ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat", "ListStateMachines", "ListActivities"):
        return [Access(_action("states", request), "*")]
    if op == "CreateStateMachine":
        return [Access("states:CreateStateMachine", _arn(request, "states", f"stateMachine:{p.get('name', '')}"))]
    arn = p.get("stateMachineArn") or p.get("executionArn") or p.get("resourceArn")
    if not arn:
        return []
    access = Access(_action("states", request), arn)
    # METADATA_ONLY answers without the encrypted definition or data: no key use (the API's includedData).
    if ("states", op) not in _KMS_USE or p.get("includedData") == "METADATA_ONLY":
        return [access]
    return [access, *_key_use(request, resolver, "states", state_machine_of(str(arn)))]


def _lambda(request: Request, _: Resolver) -> list[Access]:
    # REST paths: /2015-03-31/functions/<name or ARN>[/...], the name URL-encoded, maybe ":qualifier".
    parts = [unquote(part) for part in request.path.split("/") if part]
    if "functions" not in parts:
        if request.operation in ("ListFunctions", "ListEventSourceMappings", "CreateEventSourceMapping"):
            return [Access(_action("lambda", request), "*")]
        return []
    index = parts.index("functions")
    if index + 1 >= len(parts):
        return [Access(_action("lambda", request), "*")]
    name = parts[index + 1]
    qualifier = request.params.get("Qualifier")
    arn = name if name.startswith("arn:") else _arn(request, "lambda", f"function:{name}")
    if qualifier and arn.count(":") == 6:
        arn = f"{arn}:{qualifier}"
    return [Access(_action("lambda", request), arn)]


def _secretsmanager(request: Request, resolver: Resolver) -> list[Access]:
    p = request.params
    if request.operation in ("ListSecrets", "GetRandomPassword", "BatchGetSecretValue"):
        return [Access(_action("secretsmanager", request), "*")]
    secret_id = p.get("SecretId") or p.get("Name")
    if not secret_id:
        return []
    arn = resolver.secret_arn(request.region, secret_id)
    if arn is None:
        # No such secret: AWS authorizes against the ARN the name would have (with any suffix).
        arn = secret_id if secret_id.startswith("arn:") else _arn(request, "secretsmanager", f"secret:{secret_id}")
    return [Access(_action("secretsmanager", request), arn)]


def _kms(request: Request, resolver: Resolver) -> list[Access]:
    p = request.params
    if request.operation in ("ListKeys", "ListAliases", "CreateKey", "GenerateRandom"):
        return [Access(_action("kms", request), "*")]
    key_id = p.get("KeyId") or p.get("TargetKeyId") or p.get("DestinationKeyId")
    if not key_id:
        return []
    arn = resolver.key_arn(request.region, key_id)
    if arn is None:
        raise NotMappedError(f"kms:{request.operation} on a key the emulator does not hold: {key_id}")
    return [Access(_action("kms", request), arn)]


def _cloudwatch(request: Request, _: Resolver) -> list[Access]:
    if request.operation != "PutMetricData":
        return []
    # A metric without a dataset is authorized on "*"; the namespace is a condition key of the request.
    namespace = {"cloudwatch:namespace": str(request.params["Namespace"])} if "Namespace" in request.params else {}
    return [Access("cloudwatch:PutMetricData", "*", namespace)]


def _ssm(request: Request, _: Resolver) -> list[Access]:
    p = request.params
    names = p.get("Names") or ([p["Name"]] if p.get("Name") else []) or ([p["Path"]] if p.get("Path") else [])
    if request.operation == "DescribeParameters":
        return [Access("ssm:DescribeParameters", "*")]
    return [
        Access(
            _action("ssm", request), n if n.startswith("arn:") else _arn(request, "ssm", f"parameter/{n.lstrip('/')}")
        )
        for n in names
    ]


_BUILDERS: dict[str, Callable[[Request, Resolver], list[Access]]] = {
    "dynamodb": _dynamodb,
    "sqs": _sqs,
    "sns": _sns,
    "events": _events,
    "s3": _s3,
    "kinesis": _kinesis,
    "states": _states,
    "lambda": _lambda,
    "secretsmanager": _secretsmanager,
    "kms": _kms,
    "ssm": _ssm,
    "cloudwatch": _cloudwatch,
}
