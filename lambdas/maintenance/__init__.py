"""Scheduled jobs: nightly cleanup (cron(0 2 * * ? *)) and stuck-order reconciliation (rate(5 minutes))."""
