"""The secret scan on real git repositories: the working tree, the history, side
branches, shallow clones, the allowlist and the command's outputs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from launchgate.cli import main
from launchgate.secretscan import scan
from launchgate.secretscan.allowlist import load_allowlist
from launchgate.secretscan.finding import fingerprint
from tests.secretscan.gitrepo import Repo
from tests.secretscan.samples import lookalikes, secrets


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20240601)


def test_every_kind_in_the_tree_is_found_with_rule_file_and_line(
    tmp_path: Path, rng: random.Random
) -> None:
    repo = Repo(tmp_path / "r")
    planted = secrets(rng)
    repo.commit("add", {s.file: s.text for s in planted})
    found = {(f.rule, f.file, f.line, f.fingerprint) for f in scan(repo.root).findings}
    expected = {(s.rule, s.file, s.line, fingerprint(s.rule, s.secret)) for s in planted}
    assert found == expected
    assert all(f.in_head for f in scan(repo.root).findings)


def test_no_lookalike_is_reported(tmp_path: Path, rng: random.Random) -> None:
    repo = Repo(tmp_path / "r")
    repo.commit("docs and locks", {s.file: s.text for s in lookalikes(rng)})
    assert scan(repo.root, history=True).findings == ()


def test_a_secret_committed_then_deleted_is_found_in_history(
    tmp_path: Path, rng: random.Random
) -> None:
    repo = Repo(tmp_path / "r")
    repo.commit("init", {"README.md": "hello\n"})
    sample = next(s for s in secrets(rng) if s.rule == "stripe-secret-key")
    added = repo.commit("add billing", {sample.file: sample.text})
    (repo.root / sample.file).unlink()
    repo.commit("remove the key")
    assert scan(repo.root).findings == ()  # gone from the tree and from HEAD
    [finding] = scan(repo.root, history=True).findings
    assert (finding.rule, finding.file, finding.line) == (sample.rule, sample.file, sample.line)
    assert finding.commit == added
    assert finding.in_head is False
    assert "rotate it now" in json.dumps(finding.to_json())


def test_a_secret_on_a_side_branch_is_found(tmp_path: Path, rng: random.Random) -> None:
    repo = Repo(tmp_path / "r")
    repo.commit("init", {"README.md": "hello\n"})
    repo.git("checkout", "-q", "-b", "experiment")
    sample = next(s for s in secrets(rng) if s.rule == "openai-api-key")
    side = repo.commit("try the api", {sample.file: sample.text})
    repo.git("checkout", "-q", "main")
    [finding] = scan(repo.root, history=True).findings
    assert finding.commit == side
    assert finding.in_head is False


def test_untracked_files_count_and_ignored_ones_do_not(tmp_path: Path, rng: random.Random) -> None:
    repo = Repo(tmp_path / "r")
    repo.commit("init", {".gitignore": "local.env\n"})
    one, two = [s for s in secrets(rng) if s.rule == "generic-secret-assignment"][:2]
    repo.write(one.file, one.text)  # untracked, not ignored: about to be committed
    repo.write("local.env", two.text)  # ignored
    [finding] = scan(repo.root).findings
    assert finding.file == one.file
    assert (finding.commit, finding.in_head, finding.committed) == (None, False, False)


def test_each_blob_is_read_once(tmp_path: Path, rng: random.Random) -> None:
    repo = Repo(tmp_path / "r")
    sample = secrets(rng)[0]
    repo.commit("one", {sample.file: sample.text, "copy.txt": sample.text})
    for i in range(3):
        repo.commit(f"touch {i}", {"n.txt": str(i)})
    report = scan(repo.root, history=True)
    assert report.blobs_scanned == 4  # the shared blob once, and n.txt three times
    assert len(report.findings) == 1  # the copy is the same blob, first seen at one path


def test_a_shallow_clone_is_incomplete_not_clean(tmp_path: Path) -> None:
    origin = Repo(tmp_path / "origin")
    for i in range(3):
        origin.commit(f"c{i}", {"f.txt": str(i)})
    clone = tmp_path / "clone"
    Repo(tmp_path / "tmp").git("clone", "-q", "--depth", "1", f"file://{origin.root}", str(clone))
    report = scan(clone, history=True)
    assert report.findings == ()
    assert report.incomplete is not None
    assert "shallow" in report.incomplete
    assert main(["scan-secrets", str(clone), "--history"], environ={}) == 3
    assert scan(clone).incomplete is None  # the tree alone is complete


def test_a_plain_folder_is_scanned(tmp_path: Path, rng: random.Random) -> None:
    sample = secrets(rng)[2]
    (tmp_path / "web").mkdir()
    (tmp_path / sample.file).write_text(sample.text)
    [finding] = scan(tmp_path).findings
    assert (finding.rule, finding.commit) == (sample.rule, None)


def test_the_allowlist_suppresses_exactly_what_it_lists(
    tmp_path: Path, rng: random.Random, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path / "r")
    planted = secrets(rng)
    repo.commit("add", {s.file: s.text for s in planted})
    by_rule = {s.rule: s for s in planted}
    listed = by_rule["google-api-key"]
    repo.write(
        ".launchgate-allow.yml",
        f"- fingerprint: {fingerprint(listed.rule, listed.secret)}\n"
        "  reason: a browser key restricted to our domain, public by design\n"
        "- path: certs/**\n  reason: throwaway test certificates\n",
    )
    code = main(["scan-secrets", str(repo.root), "--format", "json"], environ={})
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    reported = {(f["rule"], f["file"]) for f in out}
    expected = {(s.rule, s.file) for s in planted if not s.file.startswith("certs/")}
    expected.discard((listed.rule, listed.file))
    assert reported == expected
    assert {"rule", "file", "line", "commit", "in_head", "fingerprint"} <= set(out[0])


def test_a_folder_inside_a_repository_scans_the_whole_repository_and_says_so(
    tmp_path: Path, rng: random.Random, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path / "r")
    sample = secrets(rng)[0]
    repo.commit("add", {"api/app.py": "x = 1\n", f"billing/{sample.file}": sample.text})
    assert main(["scan-secrets", str(repo.root / "api")], environ={}) == 1
    out = capsys.readouterr().out
    assert f"billing/{sample.file}:{sample.line}: {sample.rule}" in out
    assert f"of {repo.root} (the whole repository: api/ is inside it" in out
    assert main(["scan-secrets", str(repo.root)], environ={}) == 1
    assert "the whole repository" not in capsys.readouterr().out


def test_update_allowlist_appends_entries_that_need_a_reason(
    tmp_path: Path, rng: random.Random, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path / "r")
    sample = secrets(rng)[0]
    repo.commit("add", {sample.file: sample.text})
    assert main(["scan-secrets", str(repo.root), "--update-allowlist"], environ={}) == 1
    allow = repo.root / ".launchgate-allow.yml"
    assert fingerprint(sample.rule, sample.secret) in allow.read_text()
    # Unreviewed entries silence nothing: the next scan is a usage error naming the line.
    capsys.readouterr()
    assert main(["scan-secrets", str(repo.root)], environ={}) == 2
    assert "no reason" in capsys.readouterr().err
    allow.write_text(allow.read_text().replace("reason:  #", "reason: reviewed, a test value #"))
    assert main(["scan-secrets", str(repo.root)], environ={}) == 0


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("- path: a/**\n", "no reason"),
        ("- reason: x\n", "exactly one of fingerprint or path"),
        ("- fingerprint: ab\n  path: x\n  reason: y\n", "exactly one"),
        ("- fingerprnt: ab\n  reason: y\n", "unknown key"),
        ("allow: []\n", "expected a list"),
    ],
)
def test_bad_allowlists_are_usage_errors(tmp_path: Path, text: str, error: str) -> None:
    from launchgate.errors import UsageError

    path = tmp_path / "allow.yml"
    path.write_text(text)
    with pytest.raises(UsageError, match=error):
        load_allowlist(path)
