"""Fixtures of the watch tests: receivers that are stopped whatever the test did."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from tests.watch.receivers import SmtpServer, WebhookReceiver

SMTP_USER = "alerts@launchgate.test"


@pytest.fixture
def receivers() -> Iterator[Callable[..., WebhookReceiver]]:
    made: list[WebhookReceiver] = []

    def make(failures: tuple[int, ...] = ()) -> WebhookReceiver:
        made.append(WebhookReceiver(failures))
        return made[-1]

    yield make
    for receiver in made:
        receiver.stop()


@pytest.fixture(scope="session")
def smtp_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, str]:
    ca = trustme.CA()
    pem = tmp_path_factory.mktemp("smtp-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    return ca, str(pem)


@pytest.fixture
def smtp_servers(
    smtp_ca: tuple[trustme.CA, str],
) -> Iterator[Callable[..., SmtpServer]]:
    made: list[SmtpServer] = []

    def make(password: str, fail_first: int = 0, starttls: bool = True) -> SmtpServer:
        ca, pem = smtp_ca
        made.append(
            SmtpServer(
                ca,
                pem,
                user=SMTP_USER,
                password=password,
                fail_first=fail_first,
                starttls=starttls,
            )
        )
        return made[-1]

    yield make
    for server in made:
        server.stop()


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path
