"""BucketProcessor: uploads to a function (defaults), an archive to a queue processor (overrides), an inbox queue."""

from pulumi_wasp.components import QueueArgs, QueueProcessorArgs, SecureBucketArgs, StackContext, use_stack_context
from pulumi_wasp.components.bucket_processor import BucketProcessor, BucketProcessorArgs
from tests.unit.components.synth_helpers import function_args

use_stack_context(StackContext(alarm_topic_arn="arn:aws:sns:eu-west-1:123456789012:alarms"))

BucketProcessor("uploads", BucketProcessorArgs(function=function_args(), prefix="uploads/", suffix=".csv"))

BucketProcessor(
    "archive",
    BucketProcessorArgs(
        processor=QueueProcessorArgs(function=function_args()),
        bucket=SecureBucketArgs(
            encryption="aws:kms",
            kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/archive",
            versioning=False,
            expiration_days=365,
            abort_incomplete_upload_days=None,
            force_destroy=True,
            tags={"retention": "1y"},
        ),
        tags={"team": "finance"},
    ),
)

BucketProcessor("inbox", BucketProcessorArgs(queue=QueueArgs()))
