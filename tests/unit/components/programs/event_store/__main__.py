"""EventStore: one with every default and a projection, one with every knob turned, one without re-drive."""

from pulumi_wasp.components import StackContext, StreamMappingArgs, use_stack_context
from pulumi_wasp.components.event_store import INSERTS_ONLY, EventStore, EventStoreArgs, Projection
from tests.unit.components.synth_helpers import function_args

use_stack_context(StackContext(alarm_topic_arn="arn:aws:sns:eu-west-1:123456789012:alarms"))

EventStore("events", EventStoreArgs(projections=[Projection(name="orders", function=function_args())]))

EventStore(
    "tuned",
    EventStoreArgs(
        deletion_protection=False,
        point_in_time_recovery=False,
        ttl_attribute="expiresAt",
        appended_at_attribute="occurredAt",
        projections=[
            Projection(
                name="outbox",
                function=function_args(),
                mapping=StreamMappingArgs(
                    filter_patterns=[INSERTS_ONLY],
                    batch_size=10,
                    batching_window_seconds=2,
                    parallelization_factor=4,
                    starting_position="LATEST",
                    max_retries=5,
                    max_record_age_seconds=7200,
                ),
                update_store=True,
            )
        ],
        tags={"team": "orders"},
    ),
)

EventStore("plain", EventStoreArgs(projections=[Projection(name="view", function=function_args(), redrive=None)]))
