"""One way to start a run, for every face: the CLI commands, the pytest plugin and the
Action (through ``launchgate run``) all go from a loaded config to a :class:`RunPlan`
with :func:`prepare`.

The policy lives here, once:

* the defaults of the options (:func:`config_path`, :func:`out_path`);
* the target URL: ``--url``, else ``LAUNCHGATE_URL``, else ``target.url``; a config of
  only offline checks needs none (:func:`resolve_target_url`);
* the live comparison's control: ``--compare-url``, else ``LAUNCHGATE_COMPARE_URL``
  (resolved by the face), else ``probe.compare.url``; written into the config, so the
  probe and its gates read one value (:func:`with_control`);
* the output folder is created and proved writable before anything is checked;
* every secret the config makes known is registered with the redactor exactly once,
  before anything could print it (values a check learns at run time, such as a
  captured token, are still registered by that check);
* a config built from flags (``launchgate edge``, ``launchgate email``) is validated
  like a file, its problems naming the flags (:func:`config_from_flags`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from launchgate.clock import Clock
from launchgate.config.hosts import parse_target_url
from launchgate.config.load import LoadedConfig, validate_config
from launchgate.config.model import CompareSpec, Config
from launchgate.config.yamlsource import KeyPath, Locations
from launchgate.engine import PlannedCheck, Run, known_secrets, needs_target
from launchgate.errors import UsageError
from launchgate.options import DEFAULT_CONFIG, DEFAULT_OUT
from launchgate.redact import Redactor
from launchgate.reports.writer import ensure_writable
from launchgate.results import CheckResult

__all__ = [
    "RunPlan",
    "config_from_flags",
    "config_path",
    "out_path",
    "prepare",
    "resolve_target_url",
    "with_control",
]

FLAGS_SOURCE = Path("(command line)")


@dataclass(frozen=True)
class RunPlan:
    """Everything a run is started with, resolved: nothing downstream applies a default,
    reads the environment for the URL or registers a config secret again."""

    loaded: LoadedConfig
    target_url: str  # "" when every check is offline
    out_dir: Path
    redactor: Redactor  # already holds every secret in ``secrets``
    secrets: tuple[str, ...]
    environ: Mapping[str, str]
    workdir: Path | None = None  # None: the current folder when the run starts
    subject: str | None = None  # names what is checked when there is no URL

    @property
    def config(self) -> Config:
        return self.loaded.config

    def new_run(
        self,
        *,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        on_result: Callable[[CheckResult], None] | None = None,
        on_start: Callable[[PlannedCheck], None] | None = None,
    ) -> Run:
        """The engine's run of this plan; its redactor already holds the secrets."""
        return Run(
            self.loaded,
            target_url=self.target_url,
            redactor=self.redactor,
            clock=clock,
            transport=transport,
            on_result=on_result,
            on_start=on_start,
            environ=self.environ,
            workdir=self.workdir,
            register_secrets=False,
        )


def config_path(option: str | None) -> Path:
    return Path(option or DEFAULT_CONFIG)


def out_path(option: str | None) -> Path:
    return Path(option or DEFAULT_OUT)


def prepare(
    loaded: LoadedConfig,
    *,
    url: str | None,
    environ: Mapping[str, str],
    redactor: Redactor,
    out_dir: Path,
    workdir: Path | None = None,
    url_required: bool | None = None,
    check_out: bool = True,
    subject: str | None = None,
    also_secret: Iterable[str] = (),
    compare_url: str | None = None,
) -> RunPlan:
    """Resolve ``loaded`` and the options into a :class:`RunPlan`.

    ``url_required``: None asks for a URL when some check talks to the app, or one is
    given anyway; True always; False never (the target URL is then ""). ``check_out``
    is False where the output folder is not this process's to write (an xdist worker).
    ``also_secret``: values known before the run that are not in the config.
    ``compare_url``: the control given on the command line (or its variable), which
    takes the place of ``probe.compare.url``."""
    registered: list[str] = []

    def register(values: Iterable[str]) -> None:
        for value in values:
            if value not in registered:
                redactor.add(value)
                registered.append(value)

    # Before the URL is resolved: an error quoting it must not show a ${SECRET} in it.
    register(loaded.secret_values)
    register(also_secret)
    if compare_url:
        loaded = with_control(loaded, compare_url)
    wanted = (
        bool(url or environ.get("LAUNCHGATE_URL")) or needs_target(loaded.config)
        if url_required is None
        else url_required
    )
    target_url = resolve_target_url(url, environ, loaded.config.target.url) if wanted else ""
    register(known_secrets(loaded, target_url))
    if check_out:
        ensure_writable(out_dir)
    return RunPlan(
        loaded=loaded,
        target_url=target_url,
        out_dir=out_dir,
        redactor=redactor,
        secrets=tuple(registered),
        environ=environ,
        workdir=workdir,
        subject=subject,
    )


def resolve_target_url(
    cli_url: str | None, environ: Mapping[str, str], config_url: str | None
) -> str:
    """--url, else LAUNCHGATE_URL, else target.url; an http(s) URL with a host."""
    for source, url in (
        ("--url", cli_url),
        ("LAUNCHGATE_URL", environ.get("LAUNCHGATE_URL")),
        ("target.url", config_url),
    ):
        if url:
            try:
                parse_target_url(url)
            except ValueError as exc:
                raise UsageError(f"{source}: {exc}, got {url!r}") from None
            return url.rstrip("/")
    raise UsageError(
        "no target URL: pass --url, set LAUNCHGATE_URL, or set target.url in the config"
    )


def with_control(loaded: LoadedConfig, url: str) -> LoadedConfig:
    """``loaded`` with ``url`` as the probe's control (``probe.compare.url``)."""
    probe = loaded.config.probe
    if probe is None:
        raise UsageError(
            "--compare-url: the config has no probe: section, so there is nothing to "
            "measure against a control; add one (see the README's probe section)"
        )
    try:
        parse_target_url(url)
    except ValueError as exc:
        raise UsageError(f"--compare-url: {exc}") from None
    compare = probe.compare or CompareSpec()
    probe = probe.model_copy(update={"compare": compare.model_copy(update={"url": url})})
    config = loaded.config.model_copy(update={"probe": probe})
    return dataclasses.replace(loaded, config=config)


def config_from_flags(
    data: dict[str, Any], *, flags: Mapping[str, str], section: str
) -> LoadedConfig:
    """A config built from a command line, validated as a file is: a bad value is a
    :class:`~launchgate.errors.ConfigError` naming the flag that gave it (``flags``
    maps a config key to its flag; ``section`` is named when no flag matches)."""

    def flag(loc: KeyPath) -> str:
        names = [part for part in loc if isinstance(part, str)]
        return next((flags[part] for part in reversed(names) if part in flags), section)

    config = validate_config(data, source=None, key_name=flag)
    return LoadedConfig(config, FLAGS_SOURCE, Locations(), ())
