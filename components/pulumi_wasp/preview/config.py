"""Policy pack configuration as the CLI reconciles it (``--policy-pack-config``), validated up front.

The file is the CLI's JSON: ``{"<policy>": "<level>" | {"enforcementLevel": ..., "<key>": value}, "all": ...}``.
Defaults come from each policy's config schema, then ``all``, then the policy's own entry; every policy's
result is validated against its schema. Stricter than the CLI, unknown policies and keys are errors too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, FormatChecker

from pulumi_wasp.preview.pack import LEVEL_VALUES, LoadedPack


class ConfigError(Exception):
    """The policy config is invalid: the message names the policy and the key."""


@dataclass(frozen=True)
class PolicySettings:
    level: str
    properties: dict[str, Any]


def load_config_file(path: str | Path) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read policy config {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(f"policy config {path} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"policy config {path}: expected a JSON object of policy names")
    return doc


def reconcile(pack: LoadedPack, given: Mapping[str, Any] | None) -> dict[str, PolicySettings]:
    """Every policy's level and properties, as the CLI would send them to Configure."""
    given = dict(given or {})
    settings = {
        name: PolicySettings(meta.level, {k: v["default"] for k, v in meta.properties.items() if "default" in v})
        for name, meta in pack.policies.items()
    }
    all_level = _level("all", given.pop("all", None))
    for name in settings:
        if all_level:
            settings[name] = PolicySettings(all_level, settings[name].properties)
    for name, entry in given.items():
        if name not in settings:
            raise ConfigError(f"{name}: no policy of that name in {pack.label}")
        level = _level(name, entry)
        properties = dict(entry) if isinstance(entry, Mapping) else {}
        properties.pop("enforcementLevel", None)
        merged = {**settings[name].properties, **properties}
        settings[name] = PolicySettings(level or settings[name].level, merged)
    for name, setting in settings.items():
        _validate(pack, name, setting.properties)
    return settings


def _level(name: str, entry: Any) -> str | None:
    if entry is None:
        return None
    level: Any
    if isinstance(entry, str):
        level = entry
    elif isinstance(entry, Mapping):
        level = entry.get("enforcementLevel")
        if level is None:
            return None
    else:
        raise ConfigError(f"{name}: expected an enforcement level or an object, found {json.dumps(entry)}")
    if level not in LEVEL_VALUES:
        raise ConfigError(f"{name}: enforcementLevel {json.dumps(level)} is not one of {', '.join(LEVEL_VALUES)}")
    return str(level)


def _validate(pack: LoadedPack, name: str, properties: Mapping[str, Any]) -> None:
    meta = pack.policies[name]
    for key in properties:
        if key not in meta.properties:
            known = ", ".join(meta.properties) or "none"
            raise ConfigError(f"{name}: unknown key {key!r} (its keys: {known})")
    schema = {"type": "object", "properties": meta.properties, "required": list(meta.required)}
    errors = sorted(Draft7Validator(schema, format_checker=FormatChecker()).iter_errors(dict(properties)), key=str)
    if errors:
        error = errors[0]
        where = ".".join(str(step) for step in error.absolute_path) or "(config)"
        raise ConfigError(f"{name}: {where}: {error.message}")
