"""Invoice tasks: POST /orders/{id}/invoice -> task queue -> worker -> S3."""
