"""Who serves a name and who sends a domain's mail, told from DNS alone.

Pure tables of well-known suffixes and networks. A host is recognised by its CNAME
chain first (what the DNS provider was told to point at), then by the reverse name of
its addresses (who owns them), then by a few well-known anycast networks. The most
specific suffix wins, so ``elb.amazonaws.com`` is a load balancer, not just "AWS".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

__all__ = [
    "address_owner",
    "hosting_by_suffix",
    "mail_by_selector",
    "mail_by_suffix",
    "needs_reverse_lookup",
]

_HOSTING = {
    "vercel-dns.com": "Vercel",
    "vercel.app": "Vercel",
    "netlify.app": "Netlify",
    "netlify.com": "Netlify",
    "netlifyglobalcdn.com": "Netlify",
    "herokudns.com": "Heroku",
    "herokuapp.com": "Heroku",
    "herokussl.com": "Heroku",
    "cloudfront.net": "Amazon CloudFront",
    "elb.amazonaws.com": "AWS Elastic Load Balancing",
    "amplifyapp.com": "AWS Amplify",
    "amazonaws.com": "AWS",
    "fly.dev": "Fly.io",
    "onrender.com": "Render",
    "github.io": "GitHub Pages",
    "pages.dev": "Cloudflare Pages",
    "workers.dev": "Cloudflare Workers",
    "cdn.cloudflare.net": "Cloudflare",
    "azurewebsites.net": "Azure App Service",
    "azureedge.net": "Azure CDN",
    "azurefd.net": "Azure Front Door",
    "cloudapp.azure.com": "Azure",
    "fastly.net": "Fastly",
    "fastlylb.net": "Fastly",
    "akamaiedge.net": "Akamai",
    "edgekey.net": "Akamai",
    "edgesuite.net": "Akamai",
    "linodeusercontent.com": "Akamai (Linode)",
    "googleusercontent.com": "Google Cloud",
    "ghs.googlehosted.com": "Google",
    "appspot.com": "Google App Engine",
    "run.app": "Google Cloud Run",
    "web.app": "Firebase Hosting",
    "firebaseapp.com": "Firebase Hosting",
    "railway.app": "Railway",
    "ondigitalocean.app": "DigitalOcean App Platform",
    "myshopify.com": "Shopify",
    "squarespace.com": "Squarespace",
    "wixdns.net": "Wix",
    "webflow.io": "Webflow",
    "proxy-ssl.webflow.com": "Webflow",
    "ghost.io": "Ghost",
    "b-cdn.net": "bunny.net",
    "your-server.de": "Hetzner",
}

_MAIL = {
    "_spf.google.com": "Google Workspace",
    "google.com": "Google Workspace",
    "googlemail.com": "Google Workspace",
    "outlook.com": "Microsoft 365",
    "sendgrid.net": "SendGrid",
    "mailgun.org": "Mailgun",
    "amazonses.com": "Amazon SES",
    "mtasv.net": "Postmark",
    "postmarkapp.com": "Postmark",
    "mcsv.net": "Mailchimp",
    "mandrillapp.com": "Mailchimp Transactional (Mandrill)",
    "sendinblue.com": "Brevo",
    "brevo.com": "Brevo",
    "zoho.com": "Zoho Mail",
    "zoho.eu": "Zoho Mail",
    "mailjet.com": "Mailjet",
    "messagingengine.com": "Fastmail",
    "fastmail.com": "Fastmail",
    "protonmail.ch": "Proton Mail",
    "resend.com": "Resend",
    "sparkpostmail.com": "SparkPost",
    "mimecast.com": "Mimecast",
    "hubspotemail.net": "HubSpot",
}

# Selector names providers tell their customers to publish: a weaker hint than a CNAME.
_SELECTORS = {
    "google": "Google Workspace",
    "selector1": "Microsoft 365",
    "selector2": "Microsoft 365",
    "s1": "SendGrid",
    "s2": "SendGrid",
    "k1": "Mailchimp",
    "pm": "Postmark",
    "mailjet": "Mailjet",
    "resend": "Resend",
    "zoho": "Zoho Mail",
    "mandrill": "Mailchimp Transactional (Mandrill)",
}

_NETWORKS = {
    "185.199.108.0/22": "GitHub Pages",
    "76.76.21.0/24": "Vercel",
    "75.2.60.5/32": "Netlify",
    "104.16.0.0/13": "Cloudflare",
    "172.64.0.0/13": "Cloudflare",
    "162.158.0.0/15": "Cloudflare",
    "188.114.96.0/20": "Cloudflare",
    "2606:4700::/32": "Cloudflare",
}


def _by_suffix(table: dict[str, str], names: Iterable[str]) -> tuple[str, str] | None:
    """(provider, the name that told) for the first name with a known suffix."""
    suffixes = sorted(table, key=len, reverse=True)
    for name in names:
        low = name.lower().rstrip(".")
        for suffix in suffixes:
            if low == suffix or low.endswith("." + suffix):
                return table[suffix], low
    return None


def hosting_by_suffix(names: Iterable[str]) -> tuple[str, str] | None:
    return _by_suffix(_HOSTING, names)


def mail_by_suffix(names: Iterable[str]) -> tuple[str, str] | None:
    return _by_suffix(_MAIL, names)


def mail_by_selector(selector: str) -> str | None:
    return _SELECTORS.get(selector.lower())


def address_owner(address: str) -> str | None:
    """A provider or a kind of address (loopback, private) known from the address alone."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    for network, name in _NETWORKS.items():
        net = ipaddress.ip_network(network)
        if ip.version == net.version and ip in net:
            return name
    if ip.is_loopback:
        return "this machine, loopback"
    if ip.is_private:
        return "a private network"
    return None


def needs_reverse_lookup(address: str) -> bool:
    """Loopback and private addresses have no owner a public reverse name would tell."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified) and not (
        ip.is_private and not _is_documentation(ip)
    )


def _is_documentation(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # Python counts the documentation ranges as private; a test zone (or an example in
    # a runbook) may still give them a reverse name, so they are asked.
    docs = ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
    return any(ip.version == net.version and ip in net for net in map(ipaddress.ip_network, docs))
