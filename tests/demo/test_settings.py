"""DemoSettings.from_env: defaults, every variable, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

import launchgate
from launchgate.demo import DemoSettings
from launchgate.demo.settings import DEFAULT_STANDARD_SECRET, DEFAULT_WEBHOOK_SECRET


def test_defaults():
    settings = DemoSettings.from_env({})
    assert settings.email == "demo@launchgate.test"
    assert len(settings.password) >= 16  # generated with secrets.token_urlsafe
    assert settings.faults == frozenset()
    assert settings.webhook_secret == DEFAULT_WEBHOOK_SECRET == "whsec_demo_launchgate"
    assert settings.standard_secret == DEFAULT_STANDARD_SECRET
    assert settings.db_path is None
    assert (settings.users, settings.invoices_per_user) == (4000, 50)
    assert settings.version == f"demo-{launchgate.__version__}"


def test_every_variable_is_read():
    settings = DemoSettings.from_env(
        {
            "LAUNCHGATE_DEMO_EMAIL": " Me@Example.TEST ",
            "LAUNCHGATE_DEMO_PASSWORD": "chosen-password",
            "LAUNCHGATE_DEMO_FAULTS": "login-500,webhook-unsigned",
            "LAUNCHGATE_DEMO_WEBHOOK_SECRET": "whsec_other",
            "LAUNCHGATE_DEMO_STANDARD_SECRET": "whsec_AAAA",
            "LAUNCHGATE_DEMO_DB": "data/x.sqlite3",
            "LAUNCHGATE_DEMO_USERS": "7",
            "LAUNCHGATE_DEMO_INVOICES_PER_USER": "0",
            "LAUNCHGATE_DEMO_VERSION": "v1.2.3",
        }
    )
    assert settings.email == "me@example.test"
    assert settings.password == "chosen-password"
    assert settings.faults == {"login-500", "webhook-unsigned"}
    assert settings.webhook_secret == "whsec_other"
    assert settings.standard_secret == "whsec_AAAA"
    assert settings.db_path == Path("data/x.sqlite3")
    assert (settings.users, settings.invoices_per_user) == (7, 0)
    assert settings.version == "v1.2.3"


def test_an_empty_variable_counts_as_unset():
    settings = DemoSettings.from_env({"LAUNCHGATE_DEMO_PASSWORD": "", "LAUNCHGATE_DEMO_USERS": ""})
    assert settings.password
    assert settings.users == 4000


def test_generated_passwords_differ():
    assert DemoSettings.from_env({}).password != DemoSettings.from_env({}).password


def test_repr_hides_the_password_and_the_secrets():
    text = repr(
        DemoSettings.from_env(
            {
                "LAUNCHGATE_DEMO_PASSWORD": "pw-sentinel-1",
                "LAUNCHGATE_DEMO_WEBHOOK_SECRET": "whsec_sentinel_2",
            }
        )
    )
    assert "pw-sentinel-1" not in text
    assert "sentinel_2" not in text
    assert DEFAULT_STANDARD_SECRET not in text


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("USERS", "lots", "must be an integer"),
        ("USERS", "0", "between 1 and"),
        ("INVOICES_PER_USER", "-1", "between 0 and"),
        ("FAULTS", "login-500,typo", "unknown demo fault"),
        ("STANDARD_SECRET", "plain-secret", "whsec_<base64>"),
    ],
)
def test_bad_values_name_the_variable_or_the_valid_choices(name, value, message):
    with pytest.raises(ValueError, match=message) as caught:
        DemoSettings.from_env({f"LAUNCHGATE_DEMO_{name}": value})
    if name != "FAULTS":
        assert f"LAUNCHGATE_DEMO_{name}" in str(caught.value)
    else:
        assert "valid faults are: cert-expiring, dashboard-slow, flaky" in str(caught.value)
