"""Every detector of the table, one true sample and one look-alike each (made at run
time by tests/secretscan/catalog.py): the true one is reported by that rule with exactly
that value, the look-alike is not reported and ``--explain`` says why it was dropped.
And the README's list of what is known is the one the table generates."""

from __future__ import annotations

import json
import random
import zlib
from pathlib import Path

import pytest

from launchgate.cli import main
from launchgate.secretscan.detect import GENERIC_RULE, KUBERNETES_RULE, analyse, detect
from launchgate.secretscan.rules import FAMILIES, READERS, RULES, known_markdown, providers
from tests.secretscan.catalog import SPECS
from tests.secretscan.gitrepo import Repo

PUBLIC = {r.rule_id for r in RULES if r.public}
SECRET_RULES = sorted({r.rule_id for r in RULES if not r.public} | {KUBERNETES_RULE})
ROOT = Path(__file__).resolve().parents[2]
START, END = "<!-- secret-scan-known:start -->", "<!-- secret-scan-known:end -->"


def _rng(rule_id: str) -> random.Random:
    return random.Random(zlib.crc32(rule_id.encode()))


def test_every_rule_has_a_true_sample_and_a_lookalike() -> None:
    assert set(SPECS) == {r.rule_id for r in RULES} | {KUBERNETES_RULE}


@pytest.mark.parametrize("rule_id", SECRET_RULES)
def test_the_true_sample_is_reported_by_its_rule(rule_id: str) -> None:
    file, text, secret = SPECS[rule_id].true_case(_rng(rule_id))
    assert [(h.rule_id, h.secret) for h in detect(text, file)] == [(rule_id, secret)]


@pytest.mark.parametrize("rule_id", sorted(SPECS))
def test_the_lookalike_is_dropped_with_its_reason(rule_id: str) -> None:
    file, text, reason = SPECS[rule_id].lookalike_case(_rng(rule_id))
    found = analyse(text, file)
    assert found.hits == ()
    reasons = [d.reason for d in found.dropped]
    assert any(reason in r for r in reasons), reasons


def test_public_by_design_formats_are_dropped_as_public() -> None:
    for rule_id in PUBLIC:
        file, text, _ = SPECS[rule_id].lookalike_case(_rng(rule_id))
        [dropped] = [d for d in analyse(text, file).dropped if d.rule_id == rule_id]
        assert dropped.reason.startswith("public by design")


def test_the_table_covers_sixty_providers_in_families() -> None:
    assert len(providers()) >= 60
    assert len(FAMILIES) >= 9
    assert all(r.family == family for family, rules in FAMILIES for r in rules)
    assert len({r.rule_id for r in RULES}) == len(RULES)  # ids are unique


def test_the_known_list_names_every_rule_by_family() -> None:
    md = known_markdown()
    for family, rules in FAMILIES:
        [line] = [line for line in md.splitlines() if line.startswith(f"- **{family}**")]
        for r in rules:
            assert r.provider in line
            assert r.description.removeprefix(f"{r.provider} ") in line
    for _, provider, rule_id, what in READERS:
        assert provider in md and what in md
        assert rule_id in (GENERIC_RULE, KUBERNETES_RULE)


def test_the_readme_list_is_the_generated_one() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if START not in text:
        pytest.skip("README.md has no generated list yet (HANDOFF.md holds the block)")
    block = text.split(START, 1)[1].split(END, 1)[0]
    assert block.strip() == known_markdown().strip()


def test_list_rules_prints_the_generated_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan-secrets", "--list-rules"], environ={}) == 0
    assert capsys.readouterr().out == known_markdown()


def test_explain_shows_each_dropped_candidate_masked_with_its_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path / "r")
    files: dict[str, str] = {}
    planted: list[str] = []
    for rule_id in ("github-token", "supabase-service-role-key", "kubernetes-secret"):
        file, text, secret = SPECS[rule_id].true_case(_rng(rule_id))
        files[f"true/{rule_id}/{file}"] = text
        planted.append(secret)
    fakes = ("github-token", "supabase-service-role-key", "datadog-rum-client-token")
    for rule_id in fakes:
        file, text, _ = SPECS[rule_id].lookalike_case(_rng(rule_id + "x"))
        files[f"fake/{rule_id}/{file}"] = text
    repo.commit("add", files)
    code = main(["scan-secrets", str(repo.root), "--format", "json", "--explain"], environ={})
    captured = capsys.readouterr()
    assert code == 1
    doc = json.loads(captured.out)
    assert sorted(f["rule"] for f in doc["findings"]) == sorted(
        ["github-token", "supabase-service-role-key", "kubernetes-secret"]
    )
    dropped = {d["file"].split("/")[1]: d for d in doc["dropped"] if d["file"].startswith("fake/")}
    assert set(dropped) == set(fakes)
    assert "checksum does not match" in dropped["github-token"]["reason"]
    assert "Supabase anon" in dropped["supabase-service-role-key"]["reason"]
    assert dropped["datadog-rum-client-token"]["reason"].startswith("public by design")
    assert all(d["secret"].endswith("…") for d in doc["dropped"])
    # Without --explain the JSON is the plain list it always was.
    main(["scan-secrets", str(repo.root), "--format", "json"], environ={})
    assert isinstance(json.loads(capsys.readouterr().out), list)
    # Text: one "dropped" line each, masked; no value whole anywhere.
    main(["scan-secrets", str(repo.root), "--explain"], environ={})
    out = capsys.readouterr().out
    assert "dropped github-token" in out
    fake_values = [
        text.split("=", 1)[-1].strip()
        for name, text in files.items()
        if name.startswith("fake/") and "=" in text
    ]
    for value in planted + fake_values:
        assert value not in captured.out and value not in out


def test_history_only_and_side_branch_secrets_of_new_kinds_are_found(tmp_path: Path) -> None:
    from launchgate.secretscan import scan

    repo = Repo(tmp_path / "r")
    repo.commit("init", {"README.md": "acme\n"})
    planted = {}
    history_only = ("rails-master-key", "age-secret-key", "laravel-app-key")
    for rule_id in history_only:
        file, text, secret = SPECS[rule_id].true_case(_rng(rule_id))
        planted[rule_id] = (file, secret)
        repo.commit(f"add {rule_id}", {file: text})
        (repo.root / file).unlink()
        repo.commit(f"remove {rule_id}")
    repo.git("checkout", "-q", "-b", "side")
    file, text, secret = SPECS["supabase-service-role-key"].true_case(_rng("side"))
    side_file = "side/" + file
    repo.commit("side", {side_file: text})
    repo.git("checkout", "-q", "main")
    assert scan(repo.root).findings == ()
    found = {(f.rule, f.file, f.secret, f.in_head) for f in scan(repo.root, history=True).findings}
    expected = {(rule_id, f, s, False) for rule_id, (f, s) in planted.items()}
    expected.add(("supabase-service-role-key", side_file, secret, False))
    assert found == expected
