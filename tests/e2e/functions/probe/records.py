"""A consumer of SQS or Kinesis records that works as long as each record asks (``{"sleep": s}``)."""

import base64
import json
import time


def handler(event, context):
    for record in event["Records"]:
        body = record["body"] if "body" in record else base64.b64decode(record["kinesis"]["data"]).decode()
        time.sleep(json.loads(body).get("sleep", 0))
        print(f"processed {body} with {context.get_remaining_time_in_millis()} ms left", flush=True)
    return {"batchItemFailures": []}
