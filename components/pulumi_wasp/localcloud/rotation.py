"""Secret rotation, the way Secrets Manager runs it: the rotation function invoked once per step with one token.

moto's RotateSecret invokes the function inside the request (before the runtime exists at deploy) and cannot rotate a
secret without a value, so the local cloud calls the function itself, through the runtime and with the function's
own role (IAM enforced), once the runtime is up: what RotateImmediately does when rotation is configured.
"""

from __future__ import annotations

import json
import uuid

from pulumi_wasp.localcloud.deploy.registry import Rotation
from pulumi_wasp.localcloud.runtime.engine import Runtime

#: Secrets Manager's rotation steps, in order.
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


class RotationFailedError(RuntimeError):
    """A rotation step failed: the secret keeps its current value, as in AWS."""


def rotate(runtime: Runtime, rotation: Rotation) -> str:
    """Run the four steps for a new version of ``rotation``'s secret; return that version's id."""
    token = str(uuid.uuid4())
    for step in STEPS:
        event = {"Step": step, "SecretId": rotation.secret_arn, "ClientRequestToken": token}
        status, payload, function_error, _ = runtime.invoke(rotation.function_arn, json.dumps(event))
        if function_error is not None or status >= 300:
            raise RotationFailedError(
                f"rotation of {rotation.secret_arn}: step {step} failed in {rotation.function_arn} "
                f"({function_error or status}): {payload[:500]}"
            )
    return token
