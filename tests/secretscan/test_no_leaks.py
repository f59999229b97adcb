"""Plant secrets, run every face of the scan, and search every byte it wrote for them:
the terminal (text and JSON), the gate's report files, and the allowlist it appends."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest

from launchgate.cli import main
from tests.secretscan.gitrepo import Repo
from tests.secretscan.samples import secrets


def leaked(planted: list[str], texts: dict[str, str]) -> list[tuple[str, str]]:
    """(where, form) of every planted value found whole, or base64-encoded."""
    out = []
    for secret in planted:
        forms = {secret, base64.b64encode(secret.encode()).decode().rstrip("=")}
        for where, text in texts.items():
            out += [(where, form[:6]) for form in forms if form in text]
    return out


def test_no_output_of_any_face_holds_a_planted_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path / "repo")
    planted = secrets(random.Random(7))
    repo.commit("leak everything", {s.file: s.text for s in planted})
    for s in planted[:5]:  # some only in history
        (repo.root / s.file).unlink()
    repo.commit("delete some")
    values = [s.secret for s in planted]
    texts: dict[str, str] = {}
    for fmt in ("text", "json"):
        code = main(["scan-secrets", str(repo.root), "--history", "--format", fmt], environ={})
        captured = capsys.readouterr()
        assert code == 1
        texts[f"stdout {fmt}"], texts[f"stderr {fmt}"] = captured.out, captured.err
    assert len(json.loads(texts["stdout json"])) == len(planted)
    main(["scan-secrets", str(repo.root), "--update-allowlist"], environ={})
    texts["allowlist"] = (repo.root / ".launchgate-allow.yml").read_text()
    (repo.root / ".launchgate-allow.yml").unlink()
    config = tmp_path / "launchgate.yml"
    config.write_text(f"secret_scan:\n  path: {repo.root}\n  history: true\n")
    out = tmp_path / "out"
    code = main(["run", "--config", str(config), "--out", str(out)], environ={})
    captured = capsys.readouterr()
    texts["run stdout"], texts["run stderr"] = captured.out, captured.err
    texts |= {str(p): p.read_text() for p in out.iterdir()}
    assert code == 1
    assert leaked(values, texts) == []
    # The masked forms are there: first four characters and an ellipsis.
    assert f"{planted[3].secret[:4]}…" in texts["stdout text"]


def test_a_finding_in_launchgate_run_is_a_blocker_that_says_rotate(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    sample = next(s for s in secrets(random.Random(3)) if s.rule == "aws-access-key-id")
    repo.commit("add", {sample.file: sample.text})
    config = tmp_path / "launchgate.yml"
    config.write_text(f"secret_scan:\n  path: {repo.root}\n")
    out = tmp_path / "out"
    assert main(["run", "--config", str(config), "--out", str(out)], environ={}) == 1
    report = json.loads((out / "report.json").read_text())
    [check] = report["checks"]
    assert check["id"] == "secrets::scan"
    [finding] = check["findings"]
    assert finding["severity"] == "blocker"
    assert "rotate it now" in finding["remedy"]
    assert f"{sample.file}:{sample.line}" in finding["title"]


def test_a_clean_repo_passes_and_a_shallow_one_cannot_decide(tmp_path: Path) -> None:
    origin = Repo(tmp_path / "origin")
    for i in range(2):
        origin.commit(f"c{i}", {"f.txt": str(i)})
    config = tmp_path / "launchgate.yml"
    config.write_text(f"secret_scan:\n  path: {origin.root}\n")
    assert main(["run", "--config", str(config), "--out", str(tmp_path / "a")], environ={}) == 0
    clone = tmp_path / "clone"
    origin.git("clone", "-q", "--depth", "1", f"file://{origin.root}", str(clone))
    config.write_text(f"secret_scan:\n  path: {clone}\n")
    assert main(["run", "--config", str(config), "--out", str(tmp_path / "b")], environ={}) == 3
