"""Check ids: each builder writes the text earlier versions wrote by hand (reports,
baselines, --lf and -k key on it), and the text reads back into its parts."""

from __future__ import annotations

import pytest

from launchgate.checks.ids import (
    LOGS_ID,
    PROBE_ID,
    READINESS_ID,
    SECRETS_ID,
    SEP,
    CheckId,
    edge_alias_id,
    edge_dns_id,
    edge_id,
    edge_private_cache_id,
    email_dkim_id,
    email_id,
    journey_id,
    probe_gate_id,
    security_id,
    url_id,
    webhook_id,
    webhook_prefix,
)
from launchgate.config.hosts import parse_edge_url

BUILT = {
    "readiness": (READINESS_ID, "readiness"),
    "probe": (PROBE_ID, "probe"),
    "secrets": (SECRETS_ID, "secrets::scan"),
    "journey": (journey_id("login"), "journey::login"),
    "webhook prefix": (webhook_prefix("billing"), "webhook::billing"),
    "webhook": (webhook_id("billing", "forged"), "webhook::billing::forged"),
    "probe gate": (probe_gate_id("home", "p95"), "probe::home::p95"),
    "edge": (edge_id("static-cache"), "edge::static-cache"),
    "edge dns": (edge_dns_id("www.example.com"), "edge::dns::www.example.com"),
    "edge alias": (
        edge_alias_id(parse_edge_url("https://www.example.com")),
        "edge::alias::https://www.example.com",
    ),
    "edge alias path": (
        edge_alias_id(parse_edge_url("http://example.com/shop")),
        "edge::alias::http://example.com/shop",
    ),
    "edge private cache": (edge_private_cache_id("dashboard"), "edge::private-cache::dashboard"),
    "email": (email_id("spf"), "email::spf"),
    "email dkim": (email_dkim_id("s1"), "email::dkim::s1"),
    "security": (security_id("login-rate-limit"), "security::login-rate-limit"),
    "logs": (LOGS_ID, "logs::leaks"),
}


@pytest.mark.parametrize("case", list(BUILT))
def test_every_builder_writes_the_old_literal_form(case: str) -> None:
    built, literal = BUILT[case]
    assert built == literal


def test_a_bare_origin_loses_its_slash_and_a_secret_query_is_masked() -> None:
    assert url_id(parse_edge_url("https://example.com/")) == "https://example.com"
    masked = url_id(parse_edge_url("https://example.com/?token=s3cr3t-v4lue-abcdef"))
    assert "s3cr3t" not in masked


@pytest.mark.parametrize("case", list(BUILT))
def test_parse_round_trips(case: str) -> None:
    text = BUILT[case][0]
    assert str(CheckId.parse(text)) == text


def test_parse_names_the_parts() -> None:
    assert CheckId.parse("webhook::billing::forged") == CheckId("webhook", "billing", "forged")
    assert CheckId.parse("journey::login") == CheckId("journey", "login")
    assert CheckId.parse("probe") == CheckId("probe")
    assert CheckId.parse("edge::https") == CheckId("edge", "https")


def test_a_url_holding_the_separator_stays_one_aspect() -> None:
    text = edge_alias_id(parse_edge_url("https://[::1]:8443"))
    assert text == "edge::alias::https://[::1]:8443"
    parsed = CheckId.parse(text)
    assert parsed == CheckId("edge", "alias", "https://[::1]:8443")
    assert str(parsed) == text


def test_parent_is_one_level_up() -> None:
    assert CheckId.parse("webhook::billing::forged").parent == CheckId("webhook", "billing")
    assert str(CheckId.parse("webhook::billing::forged").parent) == webhook_prefix("billing")
    assert CheckId.parse("journey::login").parent == CheckId("journey")
    assert CheckId.parse("probe::home::p95").parent == CheckId("probe", "home")
    assert CheckId.parse("readiness").parent is None


def test_node_parts_split_at_every_separator() -> None:
    assert CheckId.parse("readiness").node_parts() == ("readiness",)
    assert CheckId.parse("journey::login").node_parts() == ("journey", "login")
    assert CheckId.parse("webhook::billing::forged").node_parts() == (
        "webhook",
        "billing",
        "forged",
    )
    # pytest resolves node ids one "::" part at a time: an aspect holding "::" is split too.
    alias = CheckId.parse("edge::alias::https://[::1]:8443")
    assert alias.node_parts() == ("edge", "alias", "https://[", "1]:8443")
    assert SEP.join(alias.node_parts()) == str(alias)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "starts with none of"),
        ("jurney::login", "starts with none of"),
        ("journey", "journey checks carry a name"),
        ("journey::", "an empty part"),
        ("webhook::::forged", "an empty part"),
        ("webhook::billing::", "an empty part"),
    ],
)
def test_a_malformed_id_is_rejected_naming_it(text: str, why: str) -> None:
    with pytest.raises(ValueError, match="not a check id") as caught:
        CheckId.parse(text)
    assert repr(text) in str(caught.value)
    assert why in str(caught.value)


def test_a_check_id_cannot_be_built_from_bad_parts() -> None:
    with pytest.raises(ValueError, match="not a check kind"):
        CheckId("jurney", "login")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a name"):
        CheckId("webhook", None, "forged")
    with pytest.raises(ValueError, match="no empty parts"):
        CheckId("journey", "")
