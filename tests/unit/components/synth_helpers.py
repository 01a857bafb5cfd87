"""Program directories for component tests.

Each component's test module synthesizes its own small Pulumi program, ``programs/<component>/``
(Pulumi.yaml, Pulumi.dev.yaml, __main__.py), once per module, exactly as the CLI would run it.
``programs/bad_args`` builds one misconfigured component chosen by the config key ``case``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pulumi

from pulumi_wasp.components import QueueProcessorArgs, ServerlessFunctionArgs, WebhookReceiver, WebhookReceiverArgs
from pulumi_wasp.synthesis import FakeCloud, ProgramError, StackConfig, Synthesis, synthesize

PROGRAMS = Path(__file__).resolve().parent / "programs"
ACCOUNT = "123456789012"

#: Inline handler code: programs run in their own directory, where ``lambdas/`` is not.
CODE = pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(event, context):\n    return None\n")})


def function_args(**overrides: Any) -> ServerlessFunctionArgs:
    """A minimal function for test programs (``app.handler`` with inline code)."""
    return ServerlessFunctionArgs(**{"handler": "app.handler", "code": CODE, **overrides})


def plain_function(name: str, **inputs: Any) -> Any:
    """An ``aws.lambda_.Function`` no component created (an existing function as a resource), with ``inputs``."""
    from pulumi_aws import lambda_

    required = {"role": f"arn:aws:iam::{ACCOUNT}:role/r", "runtime": "python3.12", "handler": "a.b"}
    return lambda_.Function(name, **{**required, "code": pulumi.AssetArchive({}), **inputs})


def webhook_receiver(name: str, **args: Any) -> WebhookReceiver:
    """A WebhookReceiver on ``/webhooks/<name>`` with minimal verifier and worker functions, ``args`` added."""
    receiver_args = WebhookReceiverArgs(
        path=f"/webhooks/{name}",
        verifier=function_args(),
        processor=QueueProcessorArgs(function=function_args()),
        **args,
    )
    return WebhookReceiver(name, receiver_args)


def synth_program(component: str, stack: str = "dev", **config: str) -> Synthesis:
    """Synthesize ``programs/<component>`` for ``stack``, with extra project config values."""
    loaded = StackConfig.load(PROGRAMS / component, stack)
    if config:
        values = {**loaded.values, **{f"{loaded.project}:{key}": value for key, value in config.items()}}
        loaded = replace(loaded, values=values)
    return synthesize(loaded, FakeCloud.for_stack(loaded))


def synthesis_error(case: str) -> str:
    """The message of the ProgramError that ``programs/bad_args`` raises for ``case``."""
    try:
        synth_program("bad_args", case=case)
    except ProgramError as error:
        return str(error)
    raise AssertionError(f"bad_args case {case!r} synthesized without an error")
