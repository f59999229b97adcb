"""Benchmark of the secret scan: recall and false positives on a labelled repository laid
out like a small SaaS, beside detect-secrets, secretlint and Kingfisher, and scan speed
on a 5,000-commit history.

    python benchmarks/secret_scan.py [--detect-secrets EXE] [--secretlint DIR]
        [--kingfisher EXE] [--seed 1] [--commits 5000] [--peer-speed] [--tune N]

The corpus (``benchmarks/saas_corpus.py``, deterministic from ``--seed`` but for a few
tool-made keys) is a git repository of a Django app, a Rails sidecar, a Laravel site, a
front end, Terraform, Kubernetes and Helm, CI workflows and the files clients keep
credentials in: 470 secrets of 143 kinds (115 kinds once in each of four services,
14 made by ssh-keygen and openssl, 28 held out; 88 only in history, 36 only on side
branches, 20 live under ``tests/``) and 280 look-alikes (public-by-design keys, password
hashes, encrypted values, digests, unsigned JWTs, fixtures marked fake; 41 copied by
hand from public documentation, 41 held out). Its docstring says which part is "own
generators" (written here from the providers' published formats, not from launchgate's
rules), which is "independent" (copied from public sources, or made by ssh-keygen and
openssl) and which "held-out" (``benchmarks/saas_holdout.py``); the scores are given
for each part.

Each tool runs as users run it, on the checkout of HEAD ("tree"), and on everything it
can see of the history: launchgate ``--history`` and Kingfisher read git; detect-secrets
and secretlint do not, so every distinct blob of every commit is written to a flat
folder (``<commit>/<path>``) that they scan. A report counts as found when it names a
labelled (file, line) of a secret (any line of a multi-line key); a report anywhere in
a look-alike's file flags that look-alike (each has a file of its own); any other
report (in a secret's file, off its lines) is a false positive too. A
peer that is not installed is reported as skipped. ``--peer-speed`` adds
detect-secrets on the flattened 5,000-commit history (minutes); ``--tune`` prints the
password threshold's acceptance on generated passwords (``launchgate/secretscan/
passwords.py`` quotes it). Raw figures go to ``benchmarks/results/secret_scan.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from saas_corpus import INDEPENDENT, OWN, Corpus, Label, build  # noqa: E402
from saas_holdout import HELD_OUT  # noqa: E402

from launchgate.secretscan import scan  # noqa: E402
from launchgate.secretscan.passwords import is_random_password  # noqa: E402
from tests.secretscan.gitrepo import Repo  # noqa: E402
from tests.secretscan.samples import (  # noqa: E402
    LOWER_DIGITS,
    MIXED_DIGITS,
    WITH_SYMBOLS,
    password,
)

Location = tuple[str, int]
RESULTS = ROOT / "benchmarks" / "results" / "secret_scan.json"
_COMMIT_DIR = re.compile(r"^[0-9a-f]{8}$")


def strip_prefix(path: str) -> str:
    """<commit>/<path> of the flat folder -> <path>, to compare with the labels."""
    parts = Path(path).parts
    return str(Path(*parts[1:])) if len(parts) > 1 and _COMMIT_DIR.match(parts[0]) else path


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


def _match(labels: list[Label]) -> dict[str, list[Label]]:
    by_file: dict[str, list[Label]] = {}
    for label in labels:
        by_file.setdefault(label.file, []).append(label)
    return by_file


def _at(by_file: dict[str, list[Label]], loc: Location) -> Label | None:
    file, line = loc
    return next((x for x in by_file.get(file, ()) if x.line <= line <= x.last), None)


def score(
    name: str, reported: set[Location], corpus: Corpus, *, only: set[str] | None = None
) -> dict[str, object]:
    """``only``: the ``where`` values that count as plantable (the tree-only runs cannot
    see history and side branches, so N is the secrets of HEAD there)."""
    secrets = [s for s in corpus.secrets if only is None or s.where in only]
    secret_at, fake_at = _match(corpus.secrets), _match(corpus.lookalikes)
    found: set[Label] = set()
    flagged: set[Label] = set()
    other = 0
    for loc in reported:
        hit = _at(secret_at, loc)
        if hit is not None:
            found.add(hit)
            continue
        # Each look-alike has a file of its own: a report anywhere in it flags it.
        fake = next(iter(fake_at.get(loc[0], ())), None)
        if fake is not None:
            flagged.add(fake)
        else:
            other += 1
    row: dict[str, object] = {"tool": name, "secrets": len(secrets)}
    row["found"] = sum(s in found for s in secrets)
    row["recall"] = round(int(str(row["found"])) / len(secrets), 3)
    row["lookalikes"] = len(corpus.lookalikes)
    row["lookalikes_flagged"] = len(flagged)
    row["lookalike_rate"] = round(len(flagged) / len(corpus.lookalikes), 3)
    row["other_false_positives"] = other
    for where in ("history", "side", "tests"):
        of = [s for s in secrets if s.where == where]
        row[f"{where}_found"] = f"{sum(s in found for s in of)}/{len(of)}"
    for part in (OWN, INDEPENDENT, HELD_OUT):
        mine = [s for s in secrets if s.part == part]
        fakes = [f for f in corpus.lookalikes if f.part == part]
        row[part] = {
            "found": f"{sum(s in found for s in mine)}/{len(mine)}",
            "recall": round(sum(s in found for s in mine) / len(mine), 3) if mine else None,
            "lookalikes_flagged": f"{sum(f in flagged for f in fakes)}/{len(fakes)}",
            "lookalike_rate": round(sum(f in flagged for f in fakes) / len(fakes), 3),
        }
    by_kind: dict[str, list[int]] = {}
    for s in secrets:
        cell = by_kind.setdefault(s.kind, [0, 0])
        cell[0] += s in found
        cell[1] += 1
    row["missed_kinds"] = {k: f"{n}/{t}" for k, (n, t) in sorted(by_kind.items()) if n < t}
    flagged_kinds: dict[str, int] = {}
    for f in flagged:
        flagged_kinds[f.kind] = flagged_kinds.get(f.kind, 0) + 1
    row["flagged_kinds"] = dict(sorted(flagged_kinds.items(), key=lambda kv: -kv[1]))
    return row


def export_tree(repo: Repo, out: Path) -> None:
    """The checkout of HEAD, without .git: what a tool sees when run on the tree."""
    data = subprocess.run(
        ["git", "archive", "HEAD"], cwd=repo.root, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(out, filter="data")


def run_launchgate(where: Path, *, history: bool, flat: bool = False) -> set[Location]:
    report = scan(where, history=history)
    return {(strip_prefix(f.file) if flat else f.file, f.line) for f in report.findings}


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


def run_kingfisher(target: Path, exe: str, work: Path) -> set[Location]:
    """Kingfisher 2.x offline: validation off (--no-validate), no update check, every
    occurrence (--no-dedup), its default rules and confidence. On a git repository it
    reads the whole history (every ref); on a folder, the files."""
    report = work / f"kingfisher-{target.name}.json"
    subprocess.run(
        [
            exe,
            "scan",
            str(target),
            "--no-validate",
            "--no-update-check",
            "--no-dedup",
            "--format",
            "json",
            "--output",
            str(report),
            "--quiet",
        ],
        capture_output=True,
        check=False,
    )
    doc = json.loads(report.read_text()) if report.exists() else {}
    out: set[Location] = set()
    for item in doc.get("findings", []):
        finding = item["finding"]
        path = Path(finding["path"])
        if path.is_absolute():
            path = path.relative_to(target)
        out.add((strip_prefix(str(path)), int(finding["line"])))
    return out


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


def _timed(fn: Callable[[], set[Location]]) -> tuple[set[Location], float]:
    started = time.perf_counter()
    out = fn()
    return out, round(time.perf_counter() - started, 2)


def _print_row(row: dict[str, object]) -> None:
    own, ind, held = row[OWN], row[INDEPENDENT], row[HELD_OUT]
    assert isinstance(own, dict)
    assert isinstance(ind, dict)
    assert isinstance(held, dict)
    print(
        f"{row['tool']}: {row['found']}/{row['secrets']} found ({row['recall']:.3f}), "
        f"{row['lookalikes_flagged']}/{row['lookalikes']} look-alikes flagged "
        f"({row['lookalike_rate']:.3f}), {row['other_false_positives']} other reports; "
        f"history-only {row['history_found']}, side {row['side_found']}, tests/ "
        f"{row['tests_found']}; own {own['found']} / {own['lookalikes_flagged']}, "
        f"independent {ind['found']} / {ind['lookalikes_flagged']}, held-out "
        f"{held['found']} / {held['lookalikes_flagged']} ({row['seconds']} s)"
    )
    missed = row["missed_kinds"]
    assert isinstance(missed, dict)
    print(f"  missed: {'; '.join(f'{k} {v}' for k, v in missed.items()) or '-'}")
    flagged = row["flagged_kinds"]
    assert isinstance(flagged, dict)
    print(f"  flagged: {'; '.join(f'{k} {v}' for k, v in flagged.items()) or '-'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--detect-secrets",
        default=None,
        help="detect-secrets executable (default: python -m detect_secrets in this venv)",
    )
    parser.add_argument("--secretlint", type=Path, help="folder where secretlint is installed")
    parser.add_argument("--kingfisher", default=None, help="kingfisher executable")
    parser.add_argument("--commits", type=int, default=5000, help="0: no speed run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peer-speed", action="store_true", help="detect-secrets on history")
    parser.add_argument("--tune", type=int, default=0, metavar="N", help="N passwords a cell")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results: dict[str, object] = {"machine": machine(), "args": vars(args) | {"out": args.out.name}}
    ds_exe = (
        [args.detect_secrets] if args.detect_secrets else [sys.executable, "-m", "detect_secrets"]
    )
    ds_version = peer_version(ds_exe)
    sl_exe = args.secretlint / "node_modules/.bin/secretlint" if args.secretlint else None
    sl_version = peer_version([str(sl_exe)]) if sl_exe else None
    kf_exe = args.kingfisher or shutil.which("kingfisher")
    kf_version = peer_version([kf_exe]) if kf_exe else None
    if kf_version:
        kf_version = kf_version.removeprefix("kingfisher ").strip()
    peers = {"detect-secrets": ds_version, "secretlint": sl_version, "kingfisher": kf_version}
    for peer, version in peers.items():
        print(f"{peer}: {version or 'not installed, skipped'}")
    results["peers"] = peers
    work = Path(tempfile.mkdtemp(prefix="lg-bench-"))
    try:
        corpus = build(work, args.seed)
        repo = corpus.repo
        flat, tree = work / "flat", work / "tree"
        flat.mkdir()
        tree.mkdir()
        flat_bytes = flatten(repo, flat)
        export_tree(repo, tree)
        secrets, fakes = corpus.secrets, corpus.lookalikes
        summary = {
            "secrets": len(secrets),
            "kinds": len({s.kind for s in secrets}),
            "lookalikes": len(fakes),
            "lookalike_kinds": len({f.kind for f in fakes}),
            "commits": int(repo.git("rev-list", "--all", "--count")),
            "flat_bytes": flat_bytes,
        }
        for where in ("tree", "tests", "history", "side"):
            summary[f"secrets_{where}"] = sum(s.where == where for s in secrets)
        for part in (OWN, INDEPENDENT, HELD_OUT):
            summary[f"secrets_{part}"] = sum(s.part == part for s in secrets)
            summary[f"lookalikes_{part}"] = sum(f.part == part for f in fakes)
        results["corpus"] = summary
        print(f"corpus (seed {args.seed}): {json.dumps(summary)}")
        runs: list[tuple[str, str, Callable[[], set[Location]]]] = [
            (
                "launchgate scan-secrets --history (git)",
                "history",
                lambda: run_launchgate(repo.root, history=True),
            ),
            (
                "launchgate scan-secrets (flat blobs)",
                "history",
                lambda: run_launchgate(flat, history=False, flat=True),
            ),
            ("launchgate scan-secrets (tree)", "tree", lambda: run_launchgate(tree, history=False)),
        ]
        if kf_exe and kf_version:
            exe = kf_exe
            runs += [
                (
                    f"Kingfisher {kf_version} (git history)",
                    "history",
                    lambda: run_kingfisher(repo.root, exe, work),
                ),
                (
                    f"Kingfisher {kf_version} (tree)",
                    "tree",
                    lambda: run_kingfisher(tree, exe, work),
                ),
            ]
        if ds_version:
            runs += [
                (
                    f"detect-secrets {ds_version} (flat blobs)",
                    "history",
                    lambda: run_detect_secrets(flat, ds_exe)[0],
                ),
                (
                    f"detect-secrets {ds_version} (tree)",
                    "tree",
                    lambda: run_detect_secrets(tree, ds_exe)[0],
                ),
            ]
        if sl_exe and sl_version and args.secretlint:
            sl_dir = args.secretlint
            runs += [
                (
                    f"secretlint {sl_version} (flat blobs)",
                    "history",
                    lambda: run_secretlint(flat, sl_dir),
                ),
                (f"secretlint {sl_version} (tree)", "tree", lambda: run_secretlint(tree, sl_dir)),
            ]
        rows = []
        for name, scope, fn in runs:
            reported, seconds = _timed(fn)
            only = None if scope == "history" else {"tree", "tests"}
            row = score(name, reported, corpus, only=only) | {"scope": scope, "seconds": seconds}
            rows.append(row)
            _print_row(row)
        results["tools"] = rows
        speed: dict[str, object] = {}
        if args.commits:
            history = build_history(work, args.commits)
            report = scan(history.root, history=True)
            speed |= {
                "history_commits": args.commits,
                "history_blobs": report.blobs_scanned,
                "history_mb": round(report.bytes_scanned / 1e6, 2),
                "launchgate_history_s": round(report.duration_s, 2),
                "launchgate_history_findings": len(report.findings),
                "load_1min_at_speed_run": Path("/proc/loadavg").read_text().split()[0],
            }
            print(
                f"history: {args.commits} commits, {report.blobs_scanned} blobs, "
                f"{report.bytes_scanned / 1e6:.1f} MB in {report.duration_s:.2f}s, "
                f"{len(report.findings)} findings"
            )
            if args.peer_speed and ds_version:
                hflat = work / "hflat"
                hflat.mkdir()
                hbytes = flatten(history, hflat)
                _, hds = run_detect_secrets(hflat, ds_exe)
                speed["detect_secrets_history_s"] = round(hds, 2)
                print(f"detect-secrets on the same {hbytes / 1e6:.1f} MB of blobs: {hds:.2f}s")
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
