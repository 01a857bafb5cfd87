"""Fails at import, as a handler whose configuration is missing does."""

import os


class ConfigurationError(RuntimeError):
    pass


if "REQUIRED_SETTING" not in os.environ:
    raise ConfigurationError("Environment variable REQUIRED_SETTING is not set")


def handler(event, context):
    return "unreachable"
