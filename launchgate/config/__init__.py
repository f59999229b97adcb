"""launchgate.yml: loading, validation, the JSON Schema and the starter file."""

from launchgate.config.load import DEFAULT_CONFIG_NAME, LoadedConfig, load_config, parse_config
from launchgate.config.model import Config
from launchgate.config.schema import SCHEMA_URL, json_schema, schema_text, starter_text

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "SCHEMA_URL",
    "Config",
    "LoadedConfig",
    "json_schema",
    "load_config",
    "parse_config",
    "schema_text",
    "starter_text",
]
