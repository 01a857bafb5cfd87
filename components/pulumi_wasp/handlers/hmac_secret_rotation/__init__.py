"""The rotation function of a generated HMAC signing secret (Secrets Manager's four-step protocol)."""
