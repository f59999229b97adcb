"""The ``logs:`` section: its shapes, its defaults, and errors that name the file,
the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchgate.config.load import parse_config
from launchgate.engine import plan_checks
from launchgate.errors import ConfigError

FILE = Path("launchgate.yml")
BASE = """\
target:
  url: http://127.0.0.1:8000
journeys:
  home:
    steps:
      - path: /
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, FILE, {})
    return [str(p) for p in info.value.problems]


def test_sources_are_files_globs_or_commands_with_defaults():
    text = BASE + (
        "logs:\n  sources:\n    - /var/log/app.log\n    - file: /var/log/app/*.log\n"
        "    - command: docker logs --since {{ run.started }} app\n      timeout: 5s\n"
    )
    logs = parse_config(text, FILE, {}).config.logs
    assert logs is not None
    assert [s.file for s in logs.sources] == ["/var/log/app.log", "/var/log/app/*.log", None]
    assert logs.sources[2].timeout == 5.0
    assert logs.timeout == 30.0 and logs.max_size == 32 * 1024 * 1024


def test_the_log_check_runs_after_every_check_of_the_app():
    text = BASE + "logs:\n  sources:\n    - /var/log/app.log\n"
    plan = plan_checks(parse_config(text, FILE, {}).config)
    assert plan[-1].check_id == "logs::leaks"
    assert set(plan[-1].after) == {p.check_id for p in plan[:-1]}


def test_a_source_with_both_or_neither_is_refused_at_its_line():
    text = BASE + "logs:\n  sources:\n    - file: a.log\n      command: cat a.log\n"
    (problem,) = problems(text)
    assert problem.startswith("launchgate.yml:9: logs.sources[0]")
    assert "exactly one of file or command" in problem
    (problem,) = problems(BASE + "logs:\n  sources:\n    - timeout: 5s\n")
    assert "exactly one of file or command" in problem


def test_an_unknown_variable_in_a_command_names_its_key_and_the_known_ones():
    text = BASE + "logs:\n  sources:\n    - command: journalctl --since {{ run.start }}\n"
    (problem,) = problems(text)
    assert problem.startswith("launchgate.yml:9: logs.sources[0].command")
    assert "{{ run.start }}" in problem and "run.started_unix" in problem


def test_an_unknown_key_and_an_empty_list_are_refused():
    (problem,) = problems(BASE + "logs:\n  sources:\n    - /a.log\n  max_sise: 1MB\n")
    assert problem.startswith("launchgate.yml:10: logs.max_sise")
    assert "did you mean 'max_size'" in problem
    (problem,) = problems(BASE + "logs:\n  sources: []\n")
    assert problem.startswith("launchgate.yml:8: logs.sources")
