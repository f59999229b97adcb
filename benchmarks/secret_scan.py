"""Benchmark of the secret scan: recall and false positives on a labelled corpus beside
detect-secrets and secretlint, and scan speed on a 5,000-commit history.

    python benchmarks/secret_scan.py [--detect-secrets EXE] [--secretlint DIR]
        [--sets 10] [--commits 5000] [--seed 1] [--peer-speed] [--tune]

The corpus is a git repository the script builds, deterministically from ``--seed``,
out of random, real-format secrets (``tests/secretscan/samples.py``): 32 kinds a set
(every credential format the scan knows, and generated passwords of 10-20 characters
from three alphabets under password-named keys in compose, ``.env``, YAML, JSON, TOML,
Python, JavaScript, Go and a connection URL on a documentation host), some only in
history (committed, then deleted), some only on a side branch, the rest in the tree;
and 67 look-alikes a set (documented example keys, placeholders, ``${VAR}``
references, hashes, public keys by design, fixtures marked fake, word passwords).

detect-secrets and secretlint do not read git history, so every distinct blob is also
written to a flat folder that all three tools scan; launchgate also scans the
repository with ``--history``. A report counts as found when it names a labelled
(file, line); any other reported location is a false positive. A peer that is not
installed is reported as skipped and the rest runs. ``--peer-speed`` adds
detect-secrets on the flattened 5,000-commit history (minutes); ``--tune`` prints the
password threshold's acceptance on generated passwords (``launchgate/secretscan/
passwords.py`` quotes it). Raw figures go to ``benchmarks/results/secret_scan.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
from launchgate.secretscan.passwords import is_random_password  # noqa: E402
from tests.secretscan.catalog import catalog_samples  # noqa: E402
from tests.secretscan.gitrepo import Repo  # noqa: E402
from tests.secretscan.samples import (  # noqa: E402
    LOWER_DIGITS,
    MIXED_DIGITS,
    WITH_SYMBOLS,
    Sample,
    lookalikes,
    password,
    password_lookalikes,
    passwords,
    secrets,
)

Location = tuple[str, int]
RESULTS = ROOT / "benchmarks" / "results" / "secret_scan.json"


def kind(s: Sample) -> str:
    return s.kind or s.rule


def build_corpus(
    where: Path, sets: int, seed: int, *, catalog: bool = False
) -> tuple[Repo, list[Sample], list[Sample]]:
    """``catalog``: each set also holds a true sample and a look-alike of every detector
    of the table (tests/secretscan/catalog.py), a fifth of the secrets only in history
    and a twelfth only on a side branch."""
    rng = random.Random(seed)
    repo = Repo(where / "corpus")
    repo.commit("init", {"README.md": "corpus\n"})
    planted, fakes = [], []
    for i in range(sets):
        batch = secrets(rng, tag=f"-{i}") + passwords(rng, tag=f"-{i}")
        fakes += lookalikes(rng, tag=f"-{i}") + password_lookalikes(rng, tag=f"-{i}")
        if catalog:
            more, more_fakes = catalog_samples(rng, tag=f"-{i}")
            batch += more
            fakes += more_fakes
        rng.shuffle(batch)  # every kind lands in history, on a side branch or in the tree
        planted += batch
        n_history, n_side = (len(batch) // 5, len(batch) // 12) if catalog else (5, 3)
        history_only = batch[:n_history]
        side = batch[n_history : n_history + n_side]
        tree = batch[n_history + n_side :]
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


def score(
    name: str, reported: set[Location], planted: list[Sample], fakes: list[Sample]
) -> dict[str, object]:
    truth = {(s.file, s.line) for s in planted}
    found = reported & truth
    wrong = reported - truth
    fake_files = {s.file for s in fakes}
    by_kind: dict[str, list[int]] = {}
    for s in planted:
        hit = by_kind.setdefault(kind(s), [0, 0])
        hit[0] += (s.file, s.line) in found
        hit[1] += 1
    fake_kind = {(s.file, s.line): kind(s) for s in fakes if s.line}
    # A look-alike file without line labels: name every kind it holds.
    file_kinds: dict[str, str] = {}
    for s in fakes:
        if not s.line and kind(s) not in file_kinds.get(s.file, ""):
            file_kinds[s.file] = ", ".join(filter(None, (file_kinds.get(s.file), kind(s))))
    wrong_kinds: dict[str, int] = {}
    for file, line in wrong:
        k = fake_kind.get((file, line)) or file_kinds.get(file, "a line of a secret's file")
        wrong_kinds[k] = wrong_kinds.get(k, 0) + 1
    return {
        "tool": name,
        "found": len(found),
        "planted": len(truth),
        "recall": round(len(found) / len(truth), 3),
        "false_positives": len(wrong),
        "false_positives_in_lookalike_files": sum(f in fake_files for f, _ in wrong),
        "missed_kinds": sorted(k for k, (n, total) in by_kind.items() if n < total),
        "recall_by_kind": {k: f"{n}/{total}" for k, (n, total) in sorted(by_kind.items())},
        "false_positives_by_kind": dict(sorted(wrong_kinds.items(), key=lambda kv: -kv[1])),
    }


def run_launchgate_history(repo: Repo) -> set[Location]:
    return {(f.file, f.line) for f in scan(repo.root, history=True).findings}


def run_launchgate_flat(flat: Path) -> set[Location]:
    return {(strip_prefix(f.file), f.line) for f in scan(flat).findings}


def run_detect_secrets(flat: Path, exe: list[str]) -> tuple[set[Location], float]:
    started = time.perf_counter()
    out = subprocess.run(
        [*exe, "scan", "--all-files", "."],
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


def tune(n: int, seed: int) -> dict[str, dict[int, float]]:
    """The share of generated passwords the password threshold accepts, by alphabet and
    length (uniform draws, no class guaranteed: the harder case)."""
    rng = random.Random(seed)
    alphabets = {
        "lowercase+digits": LOWER_DIGITS,
        "mixed case+digits": MIXED_DIGITS,
        "with symbols": WITH_SYMBOLS,
        "mixed case+digits, each class once or more": "",
    }
    out: dict[str, dict[int, float]] = {}
    for name, alphabet in alphabets.items():
        row = out.setdefault(name, {})
        for length in range(10, 21):
            if alphabet:
                values = ["".join(rng.choice(alphabet) for _ in range(length)) for _ in range(n)]
            else:
                values = [password(rng, MIXED_DIGITS, length) for _ in range(n)]
            row[length] = round(sum(map(is_random_password, values)) / n, 4)
    return out


def peer_version(argv: list[str]) -> str | None:
    try:
        done = subprocess.run([*argv, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def machine() -> dict[str, object]:
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else ""
    cpu = ""
    if Path("/proc/cpuinfo").exists():
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "load_1min_at_start": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--detect-secrets",
        default=None,
        help="detect-secrets executable (default: python -m detect_secrets in this venv)",
    )
    parser.add_argument("--secretlint", type=Path, help="folder where secretlint is installed")
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--sets", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peer-speed", action="store_true", help="detect-secrets on history")
    parser.add_argument("--tune", type=int, default=0, metavar="N", help="N passwords a cell")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--catalog",
        action="store_true",
        help="add a true sample and a look-alike of every detector to each set",
    )
    args = parser.parse_args()
    results: dict[str, object] = {"machine": machine(), "args": vars(args) | {"out": args.out.name}}
    ds_exe = (
        [args.detect_secrets] if args.detect_secrets else [sys.executable, "-m", "detect_secrets"]
    )
    ds_version = peer_version(ds_exe)
    sl_exe = args.secretlint / "node_modules/.bin/secretlint" if args.secretlint else None
    sl_version = peer_version([str(sl_exe)]) if sl_exe else None
    peers = {"detect-secrets": ds_version, "secretlint": sl_version}
    for peer, version in peers.items():
        print(f"{peer}: {version or 'not installed, skipped'}")
    results["peers"] = peers
    work = Path(tempfile.mkdtemp(prefix="lg-bench-"))
    try:
        repo, planted, fakes = build_corpus(work, args.sets, args.seed, catalog=args.catalog)
        head_files = set(repo.git("ls-tree", "-r", "--name-only", "HEAD").splitlines())
        side_files: set[str] = set()
        for ref in repo.git(
            "for-each-ref", "--format=%(refname:short)", "refs/heads/side-*"
        ).split():
            side_files |= set(repo.git("ls-tree", "-r", "--name-only", ref).splitlines())
        side_files -= head_files
        side_only = sum(s.file in side_files for s in planted)
        history_only = sum(s.file not in head_files | side_files for s in planted)
        flat = work / "flat"
        flat.mkdir()
        flat_bytes = flatten(repo, flat)
        corpus = {
            "secrets": len(planted),
            "kinds": len({kind(s) for s in planted}),
            "lookalikes": len(fakes),
            "lookalike_kinds": len({kind(s) for s in fakes}),
            "history_only": history_only,
            "side_branch_only": side_only,
            "flat_bytes": flat_bytes,
        }
        print(
            f"corpus (seed {args.seed}): {corpus['secrets']} secrets of {corpus['kinds']} kinds "
            f"({corpus['history_only']} only in history, {corpus['side_branch_only']} only on "
            f"side branches), {corpus['lookalikes']} look-alikes of "
            f"{corpus['lookalike_kinds']} kinds, {flat_bytes / 1e6:.2f} MB of blobs"
        )
        rows = [
            score(
                "launchgate scan-secrets --history (repo)",
                run_launchgate_history(repo),
                planted,
                fakes,
            )
        ]
        started = time.perf_counter()
        rows.append(
            score("launchgate scan-secrets (flat blobs)", run_launchgate_flat(flat), planted, fakes)
        )
        lg_flat_s = time.perf_counter() - started
        ds_s = None
        if ds_version:
            ds_found, ds_s = run_detect_secrets(flat, ds_exe)
            rows.append(
                score(f"detect-secrets {ds_version} (flat blobs)", ds_found, planted, fakes)
            )
        if sl_exe and sl_version:
            found = run_secretlint(flat, args.secretlint)
            rows.append(score(f"secretlint {sl_version} (flat blobs)", found, planted, fakes))
        base = rows[1]
        for row in rows:
            print(
                f"{row['tool']}: {row['found']}/{row['planted']} found, recall "
                f"{row['recall']:.3f}, {row['false_positives']} false positives "
                f"({row['false_positives_in_lookalike_files']} in look-alike files)"
            )
            if row is not base and row is not rows[0]:
                lg_fp = int(str(base["false_positives"]))
                fp = int(str(row["false_positives"]))
                row["recall_vs_launchgate"] = round(
                    float(str(row["recall"])) / float(str(base["recall"])), 3
                )
                row["false_positives_vs_launchgate"] = (
                    round(fp / lg_fp, 2) if lg_fp else f"{fp} vs 0"
                )
                print(
                    f"  vs launchgate (flat): recall x{row['recall_vs_launchgate']}, "
                    f"false positives {row['false_positives_vs_launchgate']}"
                )
            missed = row["missed_kinds"]
            assert isinstance(missed, list)
            print(f"  missed kinds: {'; '.join(missed) or '-'}")
        results["corpus"] = corpus
        results["tools"] = rows
        speed = {"launchgate_flat_mb_s": round(flat_bytes / 1e6 / lg_flat_s, 2)}
        if ds_s:
            speed["detect_secrets_flat_mb_s"] = round(flat_bytes / 1e6 / ds_s, 4)
        print(
            f"flat corpus: launchgate {speed['launchgate_flat_mb_s']} MB/s"
            + (f", detect-secrets {speed['detect_secrets_flat_mb_s']} MB/s" if ds_s else "")
            + " (process start included for detect-secrets)"
        )
        history = build_history(work, args.commits)
        report = scan(history.root, history=True)
        speed |= {
            "history_commits": args.commits,
            "history_blobs": report.blobs_scanned,
            "history_mb": round(report.bytes_scanned / 1e6, 2),
            "launchgate_history_s": round(report.duration_s, 2),
            "launchgate_history_findings": len(report.findings),
        }
        print(
            f"history: {args.commits} commits, {report.blobs_scanned} blobs, "
            f"{report.bytes_scanned / 1e6:.1f} MB in {report.duration_s:.2f}s "
            f"({report.bytes_scanned / 1e6 / report.duration_s:.1f} MB/s), "
            f"{len(report.findings)} findings"
        )
        if args.peer_speed and ds_version:
            hflat = work / "hflat"
            hflat.mkdir()
            hbytes = flatten(history, hflat)
            _, hds = run_detect_secrets(hflat, ds_exe)
            speed["detect_secrets_history_s"] = round(hds, 2)
            print(
                f"detect-secrets on the same {hbytes / 1e6:.1f} MB of blobs (flattened): "
                f"{hds:.2f}s ({hbytes / 1e6 / hds:.1f} MB/s)"
            )
        results["speed"] = speed
        if args.tune:
            table = tune(args.tune, args.seed)
            results["password_threshold_acceptance"] = table
            print(f"password threshold, share accepted of {args.tune} generated a cell:")
            print(f"  {'length':<44}" + " ".join(f"{n:>6}" for n in range(10, 21)))
            for name, row_ in table.items():
                print(f"  {name:<44}" + " ".join(f"{v:6.4f}" for v in row_.values()))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"wrote {args.out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
