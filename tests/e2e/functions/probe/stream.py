"""A stream consumer that fails its whole batch when a record reads "poison" (no partial
response): what bisect-on-error exists for."""

import base64


def handler(event, context):
    data = [base64.b64decode(record["kinesis"]["data"]).decode() for record in event["Records"]]
    print(f"batch {data}")
    if "poison" in data:
        raise ValueError("a poison record in the batch")
    return {"batchItemFailures": []}
