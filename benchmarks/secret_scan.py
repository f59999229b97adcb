"""Benchmark of the secret scan: recall and false positives on a labelled corpus beside
detect-secrets and secretlint, and scan speed on a 5,000-commit history.

    python benchmarks/secret_scan.py [--secretlint DIR] [--commits 5000] [--sets 5]

The corpus is a git repository the script builds from random, real-format secrets
(``tests/secretscan/samples.py``): some only in history (committed, then deleted), some
on a side branch, the rest in the tree, and look-alikes of every kind. detect-secrets
and secretlint do not read git history, so every distinct blob is also written to a
flat folder that all three tools scan; launchgate also scans the repository with
``--history``. A report counts as found when it names a labelled (file, line).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from launchgate.secretscan import scan  # noqa: E402
from tests.secretscan.gitrepo import Repo  # noqa: E402
from tests.secretscan.samples import Sample, lookalikes, secrets  # noqa: E402

Location = tuple[str, int]


def build_corpus(where: Path, sets: int) -> tuple[Repo, list[Sample], list[Sample]]:
    rng = random.Random(1)
    repo = Repo(where / "corpus")
    repo.commit("init", {"README.md": "corpus\n"})
    planted, fakes = [], []
    for i in range(sets):
        batch = secrets(rng, tag=f"-{i}")
        planted += batch
        fakes += lookalikes(rng, tag=f"-{i}")
        history_only, side, tree = batch[:4], batch[4:7], batch[7:]
        repo.commit(f"leak {i}", {s.file: s.text for s in history_only})
        for s in history_only:
            (repo.root / s.file).unlink()
        repo.commit(f"remove {i}")
        repo.git("checkout", "-q", "-b", f"side-{i}")
        repo.commit(f"side {i}", {s.file: s.text for s in side})
        repo.git("checkout", "-q", "main")
        for s in side:
            (repo.root / s.file).unlink(missing_ok=True)
        repo.commit(f"tree {i}", {s.file: s.text for s in tree})
    repo.commit("look-alikes", {s.file: s.text for s in fakes})
    return repo, planted, fakes


def flatten(repo: Repo, out: Path) -> int:
    """Every distinct blob of every commit as a file under out/<commit>/<path>."""
    total = 0
    seen: set[str] = set()
    for commit in repo.git("rev-list", "--all").split():
        for line in repo.git("ls-tree", "-r", commit).splitlines():
            meta, path = line.split("\t", 1)
            sha = meta.split()[2]
            if sha in seen:
                continue
            seen.add(sha)
            data = subprocess.run(
                ["git", "cat-file", "blob", sha], cwd=repo.root, capture_output=True, check=True
            ).stdout
            target = out / commit[:8] / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            total += len(data)
    return total


def strip_prefix(path: str) -> str:
    """out/<commit>/<path> -> <path>, to compare with the labels."""
    parts = Path(path).parts
    return str(Path(*parts[1:])) if len(parts) > 1 and len(parts[0]) == 8 else path


def score(name: str, reported: set[Location], planted: list[Sample]) -> dict[str, object]:
    truth = {(s.file, s.line) for s in planted}
    found = reported & truth
    missed = sorted({s.rule for s in planted if (s.file, s.line) not in found})
    return {
        "tool": name,
        "found": len(found),
        "planted": len(truth),
        "recall": round(len(found) / len(truth), 3),
        "false_positives": len(reported - truth),
        "missed_kinds": missed,
    }


def run_launchgate_history(repo: Repo) -> set[Location]:
    return {(f.file, f.line) for f in scan(repo.root, history=True).findings}


def run_launchgate_flat(flat: Path) -> set[Location]:
    return {(strip_prefix(f.file), f.line) for f in scan(flat).findings}


def run_detect_secrets(flat: Path) -> tuple[set[Location], float]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "--all-files", "."],
        cwd=flat,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    elapsed = time.perf_counter() - started
    results = json.loads(out)["results"]
    return {
        (strip_prefix(name), item["line_number"])
        for name, items in results.items()
        for item in items
    }, elapsed


def run_secretlint(flat: Path, secretlint: Path) -> set[Location]:
    rc = flat / ".secretlintrc.json"
    rc.write_text('{"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]}')
    report = flat.parent / "secretlint.json"  # node cuts piped stdout at 64 KiB on exit
    subprocess.run(
        [
            str(secretlint / "node_modules/.bin/secretlint"),
            "**/*",
            "**/.*",
            "--format",
            "json",
            "--secretlintrc",
            str(rc),
            "--no-maskSecrets",
            "--output",
            str(report),
        ],
        cwd=flat,
        capture_output=True,
        check=False,
    )
    rc.unlink()
    out = report.read_text() if report.exists() else ""
    reported = set()
    for result in json.loads(out or "[]"):
        rel = str(Path(result["filePath"]).relative_to(flat))
        for message in result["messages"]:
            reported.add((strip_prefix(rel), message["loc"]["start"]["line"]))
    return reported


def build_history(where: Path, commits: int) -> Repo:
    """A repository of ``commits`` commits, each changing one of 200 source files, made
    with git fast-import (seconds, not the minutes of 5,000 ``git commit`` calls)."""
    rng = random.Random(2)
    repo = Repo(where / "history")
    words = ["user", "invoice", "plan", "amount", "status", "created_at", "session", "total"]
    files: dict[str, list[str]] = {f"app/module_{i}.py": [] for i in range(200)}
    stream = []
    for n in range(commits):
        name = f"app/module_{n % 200}.py"
        lines = files[name]
        for _ in range(8):
            a, b = rng.choice(words), rng.choice(words)
            lines.append(f"def {a}_{b}_{n}(x):\n    return x.{a} + {rng.randrange(10**6)}  # {b}\n")
        data = "".join(lines[-120:]).encode()
        message = f"change {n}".encode()
        stream.append(
            b"commit refs/heads/main\n"
            + f"committer t <t@example.com> {1700000000 + n} +0000\n".encode()
            + b"data %d\n%s\n" % (len(message), message)
            + f"M 100644 inline {name}\n".encode()
            + b"data %d\n%s\n" % (len(data), data)
        )
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo.root, input=b"".join(stream), check=True
    )
    repo.git("checkout", "-q", "-f", "main")
    return repo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--secretlint", type=Path, help="folder where secretlint is installed")
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--sets", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lg-bench-"))
    try:
        repo, planted, fakes = build_corpus(work, args.sets)
        flat = work / "flat"
        flat.mkdir()
        flat_bytes = flatten(repo, flat)
        rows = [
            score("launchgate scan-secrets --history (repo)", run_launchgate_history(repo), planted)
        ]
        started = time.perf_counter()
        rows.append(
            score("launchgate scan-secrets (flat blobs)", run_launchgate_flat(flat), planted)
        )
        lg_flat_s = time.perf_counter() - started
        ds_found, ds_s = run_detect_secrets(flat)
        rows.append(score("detect-secrets 1.5 (flat blobs)", ds_found, planted))
        if args.secretlint:
            rows.append(
                score("secretlint (flat blobs)", run_secretlint(flat, args.secretlint), planted)
            )
        print(
            f"corpus: {len(planted)} secrets of {len({s.rule for s in planted})} rules, "
            f"{len(fakes)} look-alike files, {flat_bytes / 1e6:.2f} MB of blobs"
        )
        for row in rows:
            print(json.dumps(row))
        print(
            f"flat corpus: launchgate {flat_bytes / 1e6 / lg_flat_s:.1f} MB/s, "
            f"detect-secrets {flat_bytes / 1e6 / ds_s:.1f} MB/s (process start included)"
        )
        history = build_history(work, args.commits)
        report = scan(history.root, history=True)
        print(
            f"history: {args.commits} commits, {report.blobs_scanned} blobs, "
            f"{report.bytes_scanned / 1e6:.1f} MB in {report.duration_s:.2f}s "
            f"({report.bytes_scanned / 1e6 / report.duration_s:.1f} MB/s), "
            f"{len(report.findings)} findings"
        )
        hflat = work / "hflat"
        hflat.mkdir()
        hbytes = flatten(history, hflat)
        _, hds = run_detect_secrets(hflat)
        print(
            f"detect-secrets on the same {hbytes / 1e6:.1f} MB of blobs (flattened): "
            f"{hds:.2f}s ({hbytes / 1e6 / hds:.1f} MB/s)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
