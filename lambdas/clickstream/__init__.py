"""Clickstream: Kinesis stream `clickstream` -> processor -> per-minute aggregates in the metrics table."""
