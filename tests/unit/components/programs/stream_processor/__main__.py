"""StreamProcessor: one with every default, one with every knob turned, one without a re-drive function."""

from pulumi_wasp.components import StackContext, use_stack_context
from pulumi_wasp.components.stream_processor import StreamMappingArgs, StreamProcessor, StreamProcessorArgs
from tests.unit.components.synth_helpers import function_args

use_stack_context(StackContext(alarm_topic_arn="arn:aws:sns:eu-west-1:123456789012:alarms"))

StreamProcessor("clicks", StreamProcessorArgs(function=function_args()))

StreamProcessor(
    "tuned",
    StreamProcessorArgs(
        function=function_args(),
        shard_count=2,
        retention_hours=48,
        kms_key_id="arn:aws:kms:eu-west-1:123456789012:key/clicks",
        mapping=StreamMappingArgs(
            batch_size=500,
            batching_window_seconds=1,
            parallelization_factor=2,
            starting_position="TRIM_HORIZON",
            max_retries=1,
            max_record_age_seconds=600,
            filter_patterns=[{"data": {"type": ["click"]}}],
        ),
        tags={"team": "analytics"},
    ),
)

StreamProcessor("bare", StreamProcessorArgs(function=function_args(), redrive=None))
