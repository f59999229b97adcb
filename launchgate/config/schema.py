"""The JSON Schema of launchgate.yml, and the starter file `launchgate init` writes.

The schema is generated from the models; a copy ships in the package
(``launchgate.schema.json``) for editors, and a test keeps the two identical.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from launchgate.config.model import Config

__all__ = ["SCHEMA_URL", "json_schema", "schema_text", "starter_text"]

SCHEMA_URL = (
    "https://raw.githubusercontent.com/launchgate/launchgate/main/"
    "launchgate/config/launchgate.schema.json"
)


def json_schema() -> dict[str, Any]:
    schema = Config.model_json_schema(by_alias=True)
    schema.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_URL,
        "title": "launchgate.yml",
        "description": "Configuration of launchgate, the deploy gate.",
        **schema,
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def starter_text() -> str:
    return resources.files("launchgate.config").joinpath("starter.yml").read_text("utf-8")
