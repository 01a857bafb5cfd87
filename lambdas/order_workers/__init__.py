"""Fan-out workers: SNS topic `order-events` -> one SQS queue each (raw delivery of the bus event) -> these handlers."""
