"""The demo's own config gated against a running demo server, in process, without the
load probe: what the demo fault tests share."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from launchgate.config.load import parse_config
from launchgate.demo import DemoServer
from launchgate.gate import run_gate
from launchgate.redact import Redactor
from launchgate.runplan import prepare

DEMO_CONFIG = Path(__file__).parents[2] / "launchgate/demo/launchgate.yml"


def gate(server: DemoServer, out: Path) -> tuple[int, dict[str, Any], str]:
    """The demo's own config against a running demo server: exit code, report, terminal."""
    loaded = parse_config(DEMO_CONFIG.read_text(), DEMO_CONFIG, server.gate_environ())
    # The load probe has its own tests; here it would only add its measuring time.
    loaded = dataclasses.replace(loaded, config=loaded.config.model_copy(update={"probe": None}))
    terminal = io.StringIO()
    plan = prepare(
        loaded, url=server.url, environ={}, redactor=Redactor([server.password]), out_dir=out
    )
    code = run_gate(plan, Console(file=terminal, width=200))
    return code, json.loads((out / "report.json").read_text()), terminal.getvalue()
