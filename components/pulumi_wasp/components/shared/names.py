"""AWS's rules for physical names, in one table, and the one way components derive names within them.

A derived name (``<prefix>-<component>…``) that fits is used as is, so names deployed today never
change; one that does not is cut and ends in a stable hash of the whole name (same input, same name).
A name the user gave verbatim is checked, never rewritten: it fails synthesis naming the arg and the
limit. Pulumi's auto-names are ``<logical name>-<7 random characters>``: a child that relies on them
gets an explicit derived name only when that auto-name could not fit.

Sources (length and characters, per resource; the API reference's CreateX request parameters unless
noted): Lambda CreateFunction (FunctionName: 64 for a bare name), IAM "IAM and AWS STS quotas"
(role 64, inline policy name 128; CreateRole/PutRolePolicy patterns), SQS CreateQueue (80 including
``.fifo``), SNS CreateTopic (256 including ``.fifo``), EventBridge PutRule (64), CreateEventBus (256),
CreateArchive (48), Scheduler CreateSchedule (64), CloudWatch PutMetricAlarm (255), PutDashboard (255),
CloudWatch Logs CreateLogGroup (512), Step Functions CreateStateMachine (80, no whitespace, brackets,
wildcards or ``"#%\\^|~`$&,;:/``), DynamoDB "Supported data types and naming rules" (3 to 255),
S3 "General purpose bucket naming rules" (3 to 63, lowercase, digits, ``.``, ``-``), Kinesis
CreateStream (128), EventBridge Schemas CreateRegistry/CreateSchema (64/385), Secrets Manager
CreateSecret (512), API Gateway CreateStage (128), KMS CreateAlias (256).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

#: Pulumi's auto-name suffix: ``-`` and 7 random characters after the logical name.
AUTO_NAME_SUFFIX = 8
#: The provider's suffix after a ``name_prefix``/``bucket_prefix`` (a 26-character unique id).
PREFIX_RANDOM_LENGTH = 26
_HASH = 8


@dataclass(frozen=True)
class NameRule:
    """What AWS accepts as one kind of physical name."""

    #: What the name is, as messages say it ("Lambda function name").
    what: str
    max_length: int
    #: The characters AWS accepts, as the body of a regex character class.
    allowed: str
    min_length: int = 1
    #: S3: AWS rejects uppercase; Pulumi lowercases auto-names.
    lowercase: bool = False
    #: A suffix AWS counts in the limit when it applies (``.fifo``).
    suffix: str = ""

    def problem(self, name: str, suffixed: bool = False) -> str | None:
        """Why AWS would reject ``name`` (with the suffix when ``suffixed``), or None."""
        length = len(name) + (len(self.suffix) if suffixed and not name.endswith(self.suffix) else 0)
        if not self.min_length <= length <= self.max_length:
            return f"{self.what} has {self.min_length} to {self.max_length} characters, got {length}"
        body = name[: -len(self.suffix)] if self.suffix and name.endswith(self.suffix) else name
        bad = sorted(set(re.sub(f"[{self.allowed}]", "", body)))
        if bad:
            return f"{self.what} may not contain {''.join(bad)!r}"
        if self.lowercase and not re.fullmatch(r"[a-z0-9](.*[a-z0-9])?", body):
            return f"{self.what} starts and ends with a lowercase letter or digit"
        return None


LAMBDA_FUNCTION = NameRule("Lambda function name", 64, r"A-Za-z0-9_\-")
IAM_ROLE = NameRule("IAM role name", 64, r"\w+=,.@\-")
IAM_POLICY = NameRule("IAM policy name", 128, r"\w+=,.@\-")
SQS_QUEUE = NameRule("SQS queue name", 80, r"A-Za-z0-9_\-", suffix=".fifo")
SNS_TOPIC = NameRule("SNS topic name", 256, r"A-Za-z0-9_\-", suffix=".fifo")
EVENT_RULE = NameRule("EventBridge rule name", 64, r".\-_A-Za-z0-9")
EVENT_BUS = NameRule("EventBridge event bus name", 256, r".\-_A-Za-z0-9")
EVENT_ARCHIVE = NameRule("EventBridge archive name", 48, r".\-_A-Za-z0-9")
SCHEDULE = NameRule("EventBridge Scheduler schedule name", 64, r"0-9a-zA-Z\-_.")
ALARM = NameRule("CloudWatch alarm name", 255, r"\x20-\x7e")
DASHBOARD = NameRule("CloudWatch dashboard name", 255, r"A-Za-z0-9_\-")
LOG_GROUP = NameRule("CloudWatch Logs log group name", 512, r".\-_/#A-Za-z0-9")
STATE_MACHINE = NameRule("Step Functions state machine name", 80, r"A-Za-z0-9_\-.+=@!'()")
TABLE = NameRule("DynamoDB table name", 255, r"A-Za-z0-9_.\-", min_length=3)
BUCKET = NameRule("S3 bucket name", 63, r"a-z0-9.\-", min_length=3, lowercase=True)
KINESIS_STREAM = NameRule("Kinesis stream name", 128, r"a-zA-Z0-9_.\-")
SCHEMA_REGISTRY = NameRule("EventBridge schema registry name", 64, r"A-Za-z0-9_.\-@")
#: CreateSchema documents only the length; any printable character but whitespace is accepted here.
SCHEMA = NameRule("EventBridge schema name", 385, r"\x21-\x7e")
SECRET = NameRule("Secrets Manager secret name", 512, r"A-Za-z0-9/_+=.@\-")
API_STAGE = NameRule("API Gateway stage name", 128, r"A-Za-z0-9_\-")
#: API Gateway documents no maximum for REST API names; 128 is its limit for HTTP and WebSocket APIs.
REST_API = NameRule("API Gateway REST API name", 128, r"\x20-\x7e")
KMS_ALIAS = NameRule("KMS alias name", 256, r"a-zA-Z0-9:/_\-")
#: PutScalingPolicy: 1-256 printable characters.
SCALING_POLICY = NameRule("Application Auto Scaling policy name", 256, r"\x20-\x7e")
#: API Gateway refuses a model name that is not alphanumeric (Pulumi's auto-name, with its dash, would be refused).
API_MODEL = NameRule("API Gateway model name", 128, r"A-Za-z0-9")
#: API Gateway documents no rule for request validator names; printable, and 128 like its other names.
API_REQUEST_VALIDATOR = NameRule("API Gateway request validator name", 128, r"\x20-\x7e")
WAF_WEB_ACL = NameRule("WAF web ACL name", 128, r"A-Za-z0-9_\-")
LAMBDA_ALIAS = NameRule("Lambda alias name", 128, r"A-Za-z0-9_\-")
CODEDEPLOY_APPLICATION = NameRule("CodeDeploy application name", 100, r"A-Za-z0-9._+=,@\-")
CODEDEPLOY_DEPLOYMENT_GROUP = NameRule("CodeDeploy deployment group name", 100, r"A-Za-z0-9._+=,@\-")
CODEDEPLOY_DEPLOYMENT_CONFIG = NameRule("CodeDeploy deployment config name", 100, r"A-Za-z0-9._+=,@\-")
#: Application Auto Scaling takes 1..256 characters but no control characters, ``:``, ``/`` or ``|``.
SCHEDULED_ACTION = NameRule("Application Auto Scaling scheduled action name", 256, r"A-Za-z0-9._+=,@ \-")
#: The project's own cap on a component's segment inside a log group name (/aws/apigateway/<it>/access):
#: 64, as it always was, so deployed log groups keep their names.
LOG_GROUP_SEGMENT = NameRule("log group name segment", 64, r".\-_#A-Za-z0-9")

#: Every resource type the components create that carries a physical name: the input that holds
#: it, its rule, and whether Pulumi auto-names it when the component sets none.
NAME_RULES: dict[str, tuple[str, NameRule, bool]] = {
    "aws:lambda/function:Function": ("name", LAMBDA_FUNCTION, True),
    "aws:iam/role:Role": ("name", IAM_ROLE, True),
    "aws:iam/rolePolicy:RolePolicy": ("name", IAM_POLICY, True),
    "aws:iam/policy:Policy": ("name", IAM_POLICY, True),
    "aws:sqs/queue:Queue": ("name", SQS_QUEUE, True),
    "aws:sns/topic:Topic": ("name", SNS_TOPIC, True),
    "aws:cloudwatch/eventRule:EventRule": ("name", EVENT_RULE, True),
    "aws:cloudwatch/eventBus:EventBus": ("name", EVENT_BUS, False),
    "aws:cloudwatch/eventArchive:EventArchive": ("name", EVENT_ARCHIVE, False),
    "aws:scheduler/schedule:Schedule": ("name", SCHEDULE, True),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name", ALARM, True),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName", DASHBOARD, False),
    "aws:cloudwatch/logGroup:LogGroup": ("name", LOG_GROUP, True),
    "aws:sfn/stateMachine:StateMachine": ("name", STATE_MACHINE, True),
    "aws:dynamodb/table:Table": ("name", TABLE, True),
    "aws:s3/bucket:Bucket": ("bucket", BUCKET, True),
    "aws:s3/bucketV2:BucketV2": ("bucket", BUCKET, True),
    "aws:kinesis/stream:Stream": ("name", KINESIS_STREAM, True),
    "aws:schemas/registry:Registry": ("name", SCHEMA_REGISTRY, False),
    "aws:schemas/schema:Schema": ("name", SCHEMA, False),
    "aws:secretsmanager/secret:Secret": ("name", SECRET, True),
    "aws:apigateway/restApi:RestApi": ("name", REST_API, True),
    "aws:apigateway/stage:Stage": ("stageName", API_STAGE, False),
    "aws:apigateway/model:Model": ("name", API_MODEL, False),
    "aws:apigateway/requestValidator:RequestValidator": ("name", API_REQUEST_VALIDATOR, True),
    "aws:kms/alias:Alias": ("name", KMS_ALIAS, False),
    "aws:appautoscaling/policy:Policy": ("name", SCALING_POLICY, True),
    "aws:wafv2/webAcl:WebAcl": ("name", WAF_WEB_ACL, False),
    "aws:lambda/alias:Alias": ("name", LAMBDA_ALIAS, False),
    "aws:codedeploy/application:Application": ("name", CODEDEPLOY_APPLICATION, True),
    "aws:codedeploy/deploymentGroup:DeploymentGroup": ("deploymentGroupName", CODEDEPLOY_DEPLOYMENT_GROUP, False),
    "aws:codedeploy/deploymentConfig:DeploymentConfig": ("deploymentConfigName", CODEDEPLOY_DEPLOYMENT_CONFIG, False),
    "aws:appautoscaling/scheduledAction:ScheduledAction": ("name", SCHEDULED_ACTION, False),
}

#: Resource types the components create that have no physical name of their own (they attach to
#: a named resource, or AWS generates the identifier).
NO_PHYSICAL_NAME = frozenset(
    {
        "aws:apigateway/account:Account",
        "aws:apigateway/deployment:Deployment",
        "aws:apigateway/integration:Integration",
        "aws:apigateway/method:Method",
        "aws:apigateway/methodSettings:MethodSettings",
        "aws:apigateway/resource:Resource",
        "aws:appautoscaling/target:Target",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:kms/key:Key",
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        "aws:lambda/permission:Permission",
        "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketLogging:BucketLogging",
        "aws:s3/bucketNotification:BucketNotification",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:secretsmanager/secretRotation:SecretRotation",
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:wafv2/webAclAssociation:WebAclAssociation",
        "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
        # The CodeDeploy deployment of a new version (components.shared.lambda_deployment): an id AWS makes.
        "pulumi-python:dynamic/wasp:LambdaDeployment",
    }
)


def fit(name: str, rule: NameRule, reserve: int = 0) -> str:
    """``name`` as a valid name of ``rule`` with ``reserve`` characters left for a suffix.

    Unchanged when it already is one; otherwise disallowed characters become ``-`` (lowercased for
    S3) and a name still too long is cut and ends in ``-`` and 8 hex digits of the whole name's hash.
    """
    limit = rule.max_length - reserve
    if len(name) <= limit and rule.problem(name) is None:
        return name
    clean = re.sub(f"[^{rule.allowed}]", "-", name.lower() if rule.lowercase else name)
    if rule.lowercase:
        clean = clean.strip("-.") or "x"
    if len(clean) <= limit and rule.problem(clean) is None:
        return clean
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH]
    head = clean[: limit - _HASH - 1]
    if rule.lowercase:
        head = head.rstrip("-.")
    return f"{head}-{digest}"


def auto_name_fits(logical_name: str, rule: NameRule, suffixed: bool = False) -> bool:
    """Whether Pulumi's auto-name for ``logical_name`` is a valid name of ``rule``."""
    sample = f"{logical_name}-{'0' * (AUTO_NAME_SUFFIX - 1)}"
    return rule.problem(sample.lower() if rule.lowercase else sample, suffixed) is None


def bucket_prefix(logical_name: str) -> str | None:
    """None when Pulumi's auto-name for the bucket ``logical_name`` fits, else a ``bucket_prefix``
    within the limit: bucket names are global, so the fallback keeps a provider-random suffix too."""
    if auto_name_fits(logical_name, BUCKET):
        return None
    return fit(logical_name, BUCKET, reserve=PREFIX_RANDOM_LENGTH)


def check_given(value: str, rule: NameRule, arg: str) -> str:
    """A name the user gave, as is, or a ValueError naming ``arg`` and the rule it breaks."""
    problem = rule.problem(value)
    if problem is not None:
        raise ValueError(f"{arg}: {problem} ({value!r})")
    return value
