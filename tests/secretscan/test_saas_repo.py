"""The two misses found on a repository laid out like a small SaaS, as regression tests
over a real git repository: a random password in a connection URL whose host is a
documentation domain (and which lives only in history), and a moderately random
``POSTGRES_PASSWORD`` (14 lowercase letters and digits) in a compose file."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from launchgate.cli import main
from launchgate.secretscan import scan
from tests.secretscan.gitrepo import Repo
from tests.secretscan.samples import LOWER_DIGITS, MIXED_DIGITS, password

COMPOSE = """\
services:
  web:
    build: .
    environment:
      DATABASE_URL: ${{DATABASE_URL}}
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: {pw}
"""
DATABASE_YML = """\
production:
  adapter: postgresql
  url: postgres://app:{pw}@db.example.com:5432/app
"""
DATABASE_YML_FIXED = """\
production:
  adapter: postgresql
  url: ${DATABASE_URL}
"""
ENV_EXAMPLE = """\
DATABASE_URL=postgres://app:change-me@db.example.com:5432/app
POSTGRES_PASSWORD=changeme
STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx
SESSION_SECRET=<generate with openssl rand -hex 32>
"""
README = """\
# acme

Run `docker compose up`, then open http://user:password@localhost:8000/.
Production reads `DATABASE_URL` (postgres://app:${DB_PASSWORD}@db.example.com/app).
"""


@pytest.fixture
def saas(tmp_path: Path) -> tuple[Repo, str, str, str]:
    rng = random.Random(12)
    url_pw, compose_pw = password(rng, MIXED_DIGITS, 16), password(rng, LOWER_DIGITS, 14)
    repo = Repo(tmp_path / "acme")
    leaked = repo.commit(
        "first deploy",
        {
            "README.md": README,
            ".env.example": ENV_EXAMPLE,
            "config/database.yml": DATABASE_YML.format(pw=url_pw),
            "app/main.py": "import os\n\nDB_URL = os.environ['DATABASE_URL']\n",
        },
    )
    repo.commit(
        "move the database URL to the environment", {"config/database.yml": DATABASE_YML_FIXED}
    )
    repo.commit("local stack", {"docker-compose.yml": COMPOSE.format(pw=compose_pw)})
    return repo, leaked, url_pw, compose_pw


def test_both_misses_are_found_and_nothing_else(saas: tuple[Repo, str, str, str]) -> None:
    repo, leaked, url_pw, compose_pw = saas
    report = scan(repo.root, history=True)
    found = {(f.rule, f.file, f.line, f.commit, f.in_head) for f in report.findings}
    assert found == {
        ("connection-url-password", "config/database.yml", 3, leaked, False),
        (
            "generic-secret-assignment",
            "docker-compose.yml",
            10,
            repo.git("rev-parse", "HEAD"),
            True,
        ),
    }
    assert {f.secret for f in report.findings} == {url_pw, compose_pw}


def test_the_command_fails_on_them_and_prints_neither(
    saas: tuple[Repo, str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _, url_pw, compose_pw = saas
    assert main(["scan-secrets", str(repo.root), "--history"], environ={}) == 1
    out = capsys.readouterr().out
    assert "config/database.yml:3: connection-url-password" in out
    assert "no longer in HEAD" in out
    assert "docker-compose.yml:10: generic-secret-assignment" in out
    assert "FAIL: 2 secret(s) in 2 file(s)" in out
    assert url_pw not in out and compose_pw not in out
    # Without --history only the compose password is left: the URL is gone from HEAD.
    assert main(["scan-secrets", str(repo.root)], environ={}) == 1
    assert "FAIL: 1 secret(s) in 1 file(s)" in capsys.readouterr().out
