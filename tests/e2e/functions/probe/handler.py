"""A function whose behaviour each test chooses through the event: echo, fail, sleep, exit."""

import os
import sys
import time

LOADED_AT = time.time()
CALLS = {"count": 0}


def handler(event, context):
    CALLS["count"] += 1
    action = event.get("action", "echo")
    if action == "fail":
        raise ValueError(event.get("message", "asked to fail"))
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "exit":
        sys.exit(3)
    print(f"probe handled {action}")
    version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
    print(f"probe ran version {context.function_version} (environment {version}) for {context.invoked_function_arn}")
    return {
        "event": event,
        "calls": CALLS["count"],
        "pid": os.getpid(),
        "loaded_at": LOADED_AT,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "function_arn": context.invoked_function_arn,
        "function_version": context.function_version,
        "function_version_environment": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION"),
        "region": {k: os.environ.get(k) for k in ("AWS_REGION", "AWS_DEFAULT_REGION")},
        "env": {
            k: os.environ.get(k)
            for k in ("GREETING", "AWS_ENDPOINT_URL", "POWERTOOLS_TRACE_DISABLED", "AWS_LAMBDA_FUNCTION_NAME")
        },
    }
