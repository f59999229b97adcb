"""Who serves a host and who sends mail, from the suffix and network tables alone."""

from __future__ import annotations

from launchgate.audit.providers import (
    address_owner,
    hosting_by_suffix,
    mail_by_selector,
    mail_by_suffix,
    needs_reverse_lookup,
)


def test_the_most_specific_suffix_wins() -> None:
    assert hosting_by_suffix(["my-lb-1.eu-west-1.elb.amazonaws.com"]) == (
        "AWS Elastic Load Balancing",
        "my-lb-1.eu-west-1.elb.amazonaws.com",
    )
    assert hosting_by_suffix(["ec2-1-2-3-4.compute-1.amazonaws.com"]) == (
        "AWS",
        "ec2-1-2-3-4.compute-1.amazonaws.com",
    )


def test_a_suffix_matches_whole_labels_only() -> None:
    assert hosting_by_suffix(["notgithub.io.example.com", "evilgithub.io"]) is None
    assert hosting_by_suffix(["Octo.GitHub.IO."]) == ("GitHub Pages", "octo.github.io")


def test_the_first_name_of_a_chain_that_is_known_tells() -> None:
    chain = ["www.example.com", "example.netlify.app", "lb.netlifyglobalcdn.com"]
    assert hosting_by_suffix(chain) == ("Netlify", "example.netlify.app")


def test_mail_providers_from_includes_mx_and_selectors() -> None:
    assert mail_by_suffix(["_spf.google.com"]) == ("Google Workspace", "_spf.google.com")
    outlook = "example-com.mail.protection.outlook.com"
    assert mail_by_suffix([outlook]) == ("Microsoft 365", outlook)
    assert mail_by_suffix(["u123.wl.sendgrid.net"]) == ("SendGrid", "u123.wl.sendgrid.net")
    assert mail_by_selector("selector1") == "Microsoft 365"
    assert mail_by_selector("mystery") is None


def test_addresses_known_by_network_or_kind() -> None:
    assert address_owner("185.199.110.153") == "GitHub Pages"
    assert address_owner("76.76.21.21") == "Vercel"
    assert address_owner("2606:4700::6810:85e5") == "Cloudflare"
    assert address_owner("127.0.0.1") == "this machine, loopback"
    assert address_owner("10.1.2.3") == "a private network"
    assert address_owner("8.8.8.8") is None


def test_reverse_names_are_asked_for_public_and_documentation_addresses_only() -> None:
    assert needs_reverse_lookup("8.8.8.8")
    assert needs_reverse_lookup("203.0.113.10")
    assert not needs_reverse_lookup("127.0.0.1")
    assert not needs_reverse_lookup("192.168.1.1")
