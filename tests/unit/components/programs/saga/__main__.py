"""Saga: the order fulfilment with every default, and a single-step saga with overrides."""

from pulumi_wasp.components import ServerlessFunction, StackContext, use_stack_context
from pulumi_wasp.components.saga import Compensation, FinalTask, Retry, Saga, SagaArgs, Step
from tests.unit.components.synth_helpers import function_args

ALARMS = "arn:aws:sns:eu-west-1:123456789012:alarms"


def arn(name: str) -> str:
    return f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"


use_stack_context(StackContext(alarm_topic_arn=ALARMS))
reserve = ServerlessFunction("reserve", function_args())

Saga(
    "fulfilment",
    SagaArgs(
        steps=[
            Step(
                name="ReserveInventory",
                function_arn=reserve.arn,
                compensation=Compensation(name="ReleaseInventory", function_arn=arn("release")),
            ),
            Step(
                name="ProcessPayment",
                function_arn=arn("pay"),
                compensation=Compensation(name="RefundPayment", function_arn=arn("refund")),
            ),
            Step(
                name="ArrangeShipping",
                function_arn=arn("ship"),
                no_compensation="last step: nothing after it can fail",
            ),
        ],
        on_success=FinalTask(name="ConfirmOrder", function_arn=arn("conclude"), payload={"outcome": "confirmed"}),
        on_failure=FinalTask(name="CancelOrder", function_arn=arn("conclude"), payload={"outcome": "cancelled"}),
    ),
)

Saga(
    "tuned",
    SagaArgs(
        steps=[
            Step(
                name="Reconcile",
                function_arn=arn("reconcile"),
                no_compensation="read-only",
                timeout_seconds=120,
                retry=Retry(max_attempts=5, interval_seconds=3),
            )
        ],
        timeout_seconds=900,
        log_level="ERROR",
        include_execution_data=True,
        log_retention_days=30,
        alarms=False,
        comment="Nightly reconciliation",
        tags={"team": "payments"},
        context=StackContext(),
    ),
)
