"""Pieces every component uses: the stack context (naming, tags, log retention, alarm topic),
log groups, IAM roles with least-privilege statements, alarms and dead-letter queues."""
