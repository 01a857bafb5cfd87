"""Builds the one misconfigured component named by the config key ``case``."""

import pulumi

from components.saga import Saga, SagaArgs, Step

CASES = {
    "saga-without-compensation": lambda: Saga(
        "saga", SagaArgs(steps=[Step(name="Pay", function_arn="arn:aws:lambda:eu-west-1:123456789012:function:pay")])
    ),
}

case = pulumi.Config().require("case")
if case != "none":
    CASES[case]()
