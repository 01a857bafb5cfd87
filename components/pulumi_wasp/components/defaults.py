"""Every Well-Architected default of the components, in one place, with the reason for it.

Components read these values only as the defaults of their args, so a default changes here
once; users override per component through the args.
"""

from __future__ import annotations

from typing import Literal

# -- Lambda ---------------------------------------------------------------------------------
#: Newest Python runtime with a Powertools layer; older ones reach deprecation sooner.
FUNCTION_RUNTIME = "python3.12"
#: Graviton: about 20 % cheaper per GB-second and usually faster for Python.
FUNCTION_ARCHITECTURE = "arm64"
#: 256 MB buys a proportional CPU share that keeps boto3 cold starts short.
FUNCTION_MEMORY_MB = 256
#: Short enough to fail fast; queue visibility timeouts are derived from it.
FUNCTION_TIMEOUT_SECONDS = 10
#: API Gateway's integration timeout: a function behind an API must finish within it.
API_FUNCTION_MAX_TIMEOUT_SECONDS = 29
#: A cap per function so one hot path cannot starve the account's concurrency pool.
RESERVED_CONCURRENCY = 10
#: Lambda's hard upper bounds, used to validate args early.
FUNCTION_MEMORY_RANGE_MB = (128, 10240)
FUNCTION_TIMEOUT_MAX_SECONDS = 900

#: Async invocations: Lambda retries twice by default; two is the most we allow, one more
#: than zero so a transient fault heals, and events older than an hour go to the DLQ.
ASYNC_MAX_RETRIES = 2
ASYNC_MAX_EVENT_AGE_SECONDS = 3600

# -- Versions, aliases and gradual deployment ----------------------------------------------
#: The alias every invoker targets when a function publishes versions: one stable name, whatever the version.
LAMBDA_ALIAS_NAME = "live"
#: Application Auto Scaling's target for provisioned-concurrency utilization: AWS's recommended 70 %, which
#: leaves headroom for a burst while the next scale-out (about a minute) provisions more environments.
PROVISIONED_CONCURRENCY_TARGET_UTILIZATION = 0.7
#: Canary 10 % for 5 minutes: long enough for the alias's error alarm (one-minute periods) to see the new version
#: fail before it takes all the traffic, short enough not to hold up a release.
LAMBDA_DEPLOYMENT_CONFIG = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
#: CodeDeploy's predefined Lambda deployment configurations (the only names accepted besides a custom shift).
LAMBDA_DEPLOYMENT_CONFIGS = (
    "CodeDeployDefault.LambdaAllAtOnce",
    "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    "CodeDeployDefault.LambdaCanary10Percent30Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
)
#: How long ``pulumi up`` waits for a deployment: an hour covers every canary and the linear shifts up to every
#: 3 minutes (27 minutes) with their hooks; every 10 minutes (90 minutes) needs more, which synthesis says.
LAMBDA_DEPLOYMENT_TIMEOUT_MINUTES = 60
#: The alias's error alarm, CodeDeploy's rollback signal: one-minute periods, so a failing canary alarms within
#: its first minutes rather than after the 5-minute period of the other alarms.
LAMBDA_DEPLOYMENT_ALARM_PERIOD_SECONDS = 60
#: CodeDeploy's own poll interval for its deployment waiter (boto3's ``deployment_successful``).
LAMBDA_DEPLOYMENT_POLL_SECONDS = 15

# -- Powertools -----------------------------------------------------------------------------
#: AWS publishes the Powertools layer from this account in every commercial region.
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
#: The layer's version is the same in every region; override through the stack context.
POWERTOOLS_LAYER_VERSION = 27
POWERTOOLS_LOG_LEVEL = "INFO"

# -- Logs -----------------------------------------------------------------------------------
#: Two weeks is enough to debug a dev stack; production overrides to 90 days in config.
LOG_RETENTION_DAYS = 14
#: The only retention periods CloudWatch Logs accepts (days).
LOG_RETENTION_CHOICES = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

# -- SQS ------------------------------------------------------------------------------------
#: Long polling: fewer empty receives (cost) and lower latency than short polling.
QUEUE_RECEIVE_WAIT_SECONDS = 20
#: Four days (SQS's own default) of buffering for a consumer outage.
QUEUE_RETENTION_SECONDS = 4 * 24 * 3600
#: A DLQ keeps messages for the SQS maximum so nobody loses a poison message over a weekend.
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
#: Three attempts before a message is parked (the seed's value): transient faults heal,
#: poison messages stop burning retries.
MAX_RECEIVE_COUNT = 3
#: AWS's guidance: visibility timeout at least six times the function timeout, plus the
#: batching window, so a message is not redelivered while a retried batch still runs.
VISIBILITY_TIMEOUT_FACTOR = 6
#: Used when a queue has no consumer function to derive it from.
QUEUE_VISIBILITY_TIMEOUT_SECONDS = 30

# -- Event source mappings ----------------------------------------------------------------------
SQS_BATCH_SIZE = 10
SQS_BATCHING_WINDOW_SECONDS = 5
#: Partial batch responses: one bad message does not make the whole batch retry.
BATCH_ITEM_FAILURES = "ReportBatchItemFailures"

# -- API Gateway ----------------------------------------------------------------------------
#: The seed's stage-wide throttling: protects the backend from a traffic spike or a bad client.
API_THROTTLE_RATE_LIMIT = 1000
API_THROTTLE_BURST_LIMIT = 2000
#: ERROR-level execution logs are cheap and carry no request bodies (data trace off: PII).
API_LOGGING_LEVEL = "ERROR"
API_STAGE_NAME = "api"
#: AWS's managed rule groups a component-created web ACL evaluates, in this order: the OWASP-style common rule set,
#: request patterns known to exploit vulnerabilities (Log4j, Java deserialization), and IP addresses Amazon's threat
#: intelligence flags (bots, reconnaissance). Each is maintained by AWS and costs nothing beyond the rule fee.
WAF_MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
#: Requests per client IP in WAF's evaluation window (5 minutes) before it blocks the IP: 2000 (AWS's own example
#: figure) stops a single flooding client well below the stage's throttle without touching normal callers.
WAF_RATE_LIMIT_PER_IP = 2000
#: WAF's rate-based rules count over 1, 2, 5 or 10 minutes; 5 minutes is WAF's default.
WAF_RATE_LIMIT_WINDOW_SECONDS = 300

# -- EventBridge ----------------------------------------------------------------------------
#: Retries over at most an hour, then the event goes to the target's DLQ.
EVENT_TARGET_MAX_RETRIES = 3
EVENT_TARGET_MAX_EVENT_AGE_SECONDS = 3600
#: Archive everything on the bus for a month: replay after an incident.
EVENT_ARCHIVE_RETENTION_DAYS = 30

# -- Alarms ---------------------------------------------------------------------------------
#: Five minutes is CloudWatch's standard-resolution period the seed's alarms use.
ALARM_PERIOD_SECONDS = 300

# -- DynamoDB -------------------------------------------------------------------------------
#: On-demand capacity: no capacity planning, no throttling at unforeseen peaks (the seed's).
TABLE_BILLING_MODE: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST"
#: Point-in-time recovery: 35 days of restores after a bad deploy or a bad write.
TABLE_POINT_IN_TIME_RECOVERY = True
#: No stream unless something reads it: a stream with no consumer is configuration nobody watches, and the view
#: type is the consumer's choice (what it needs of each change).
TABLE_STREAM_VIEW_TYPE: str | None = None
#: DynamoDB's limits on secondary indexes: 20 GSIs per table (the default quota; raise it with AWS Support and
#: here), 5 LSIs (a hard limit), 100 attributes named by INCLUDE projections across the table's indexes.
TABLE_MAX_GLOBAL_INDEXES = 20
TABLE_MAX_LOCAL_INDEXES = 5
TABLE_MAX_PROJECTED_ATTRIBUTES = 100
#: Provisioned mode (``billing_mode="PROVISIONED"``) scales reads and writes, of the table and of each global
#: index, between these bounds, the Well-Architected serverless guide's ``autoScaleReadCapacity({minCapacity: 5,
#: maxCapacity: 100})``, keeping consumed capacity at 70 % of provisioned (AWS's console default): headroom for a
#: burst while auto-scaling catches up, which takes minutes.
TABLE_MIN_CAPACITY = 5
TABLE_MAX_CAPACITY = 100
TABLE_TARGET_UTILIZATION = 70.0
#: Application Auto Scaling's bounds on a DynamoDB target-tracking utilization (percent).
TABLE_TARGET_UTILIZATION_RANGE = (20.0, 90.0)

# -- Step Functions saga ------------------------------------------------------------------------
#: The seed's five minutes for a whole saga: a stuck execution fails (and alarms) instead of
#: holding reservations for a year, Step Functions' maximum.
SAGA_TIMEOUT_SECONDS = 300
#: Per task: three times the default function timeout, so Lambda's own timeout fires first
#: and the error names the function rather than the state.
SAGA_TASK_TIMEOUT_SECONDS = 30
#: Transient errors worth retrying: Lambda's service-side faults and a task timeout. Handler
#: errors are not retried here (the handler retries what it knows is transient).
SAGA_RETRY_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "States.Timeout",
)
#: Step Functions' recommended Lambda retry: 1 s, 2 s, 4 s with full jitter, three attempts.
SAGA_RETRY_INTERVAL_SECONDS = 1
SAGA_RETRY_MAX_ATTEMPTS = 3
SAGA_RETRY_BACKOFF_RATE = 2.0
SAGA_RETRY_JITTER = "FULL"
#: Every state transition logged, without the execution data (inputs/outputs carry PII).
SAGA_LOG_LEVEL = "ALL"
SAGA_LOG_EXECUTION_DATA = False
#: With a customer-managed key: how long Step Functions reuses a data key (the service's default; 60..900 s), so an
#: execution's transitions cost one KMS request per five minutes rather than one each.
SAGA_KMS_DATA_KEY_REUSE_SECONDS = 300

# -- Stream event source mappings (DynamoDB streams, Kinesis) ----------------------------------
#: Lambda's default batch for streams; a poison record is isolated by bisecting.
STREAM_BATCH_SIZE = 100
#: Finite retries (Lambda's default, -1, retries a poison record until it expires and blocks
#: the shard meanwhile): three, then the record's coordinates go to the on-failure queue.
STREAM_MAX_RETRIES = 3
#: A record older than an hour is parked rather than holding up the whole shard.
STREAM_MAX_RECORD_AGE_SECONDS = 3600
#: Projections read the event store from its beginning: no event is skipped on first deploy.
PROJECTION_STARTING_POSITION = "TRIM_HORIZON"
#: Projections keep read models fresh: no batching delay, one batch per shard at a time.
PROJECTION_BATCHING_WINDOW_SECONDS = 0
PROJECTION_PARALLELIZATION_FACTOR = 1
#: The event store is the system of record: deleting it loses the history (override for
#: throw-away stacks).
EVENT_STORE_DELETION_PROTECTION = True
#: Projections read each appended event from the stream's new image; an append-only log has no old image worth
#: doubling each record for.
EVENT_STORE_STREAM_VIEW_TYPE = "NEW_IMAGE"
#: Kinesis (the seed): 5 s batching window, 10 concurrent batches per shard, new records only.
KINESIS_BATCHING_WINDOW_SECONDS = 5
KINESIS_PARALLELIZATION_FACTOR = 10
KINESIS_STARTING_POSITION = "LATEST"
#: Seven days of replay after a consumer bug (the seed); the iterator-age alarm fires at half.
KINESIS_RETENTION_HOURS = 168
#: The AWS-managed Kinesis key: encryption at rest without a key policy to manage.
KINESIS_KMS_KEY = "alias/aws/kinesis"
#: DynamoDB keeps a stream record 24 hours (fixed by AWS): the on-failure age alarm fires at half of it.
DYNAMODB_STREAM_RETENTION_HOURS = 24

# -- Stream re-drive (the function that replays what an on-failure queue points at) -------------
#: An operator's action that fetches and re-invokes batch after batch: five minutes per run, several of the
#: projection's own timeouts; a run that nears its end stops, keeps the rest and says so.
STREAM_REDRIVE_TIMEOUT_SECONDS = 300
STREAM_REDRIVE_MEMORY_MB = 256
#: One run at a time per consumer: two runs never re-drive the same message concurrently.
STREAM_REDRIVE_RESERVED_CONCURRENCY = 1
#: Once the stream has forgotten a batch, the event store's items are found by their append time within the
#: batch's arrival window widened by this much: the writer's clock and its retries (seconds) against DynamoDB's.
STREAM_REDRIVE_TABLE_MARGIN_SECONDS = 60

# -- Schedules ------------------------------------------------------------------------------
#: Cron expressions read in UTC unless a job names its own time zone.
SCHEDULE_TIMEZONE = "UTC"
#: Scheduler/rule delivery retries within an hour, then the DLQ (same budget as event targets).
SCHEDULE_MAX_RETRIES = 3
SCHEDULE_MAX_EVENT_AGE_SECONDS = 3600

# -- Webhooks -------------------------------------------------------------------------------
#: Replay protection: a signed timestamp older (or newer) than five minutes is rejected.
WEBHOOK_TOLERANCE_SECONDS = 300

# -- S3 -------------------------------------------------------------------------------------
#: SSE-S3: encryption at rest with no key policy to manage and no KMS request cost.
BUCKET_SSE_ALGORITHM = "AES256"
#: Versioning recovers overwritten or deleted objects; old versions expire after 90 days so
#: storage does not grow forever, and abandoned multipart uploads after 7.
BUCKET_NONCURRENT_VERSION_EXPIRATION_DAYS = 90
BUCKET_ABORT_INCOMPLETE_UPLOAD_DAYS = 7
#: Server access logs are for audits and incident response: kept a year in the log bucket, then expired.
BUCKET_ACCESS_LOG_EXPIRATION_DAYS = 365

# -- Secrets Manager ------------------------------------------------------------------------
#: A generated webhook signing secret rotates every 30 days: a leaked secret is useful for a month at most.
SECRET_ROTATION_DAYS = 30
#: Secrets Manager's rotation window: the rotation runs within these hours after the scheduled time.
SECRET_ROTATION_WINDOW = "4h"

# -- Identity under test mocks --------------------------------------------------------------
#: The account a key policy names when sts:GetCallerIdentity answers none, which only test
#: mocks do (``Mocks.call`` returning ``{}``): AWS's documentation example account, which no
#: real account has, so the graph still synthesizes and nothing deployable is implied.
UNANSWERED_ACCOUNT_ID = "123456789012"
