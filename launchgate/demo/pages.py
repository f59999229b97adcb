"""The demo's HTML pages, as plain functions returning strings.

Self-contained: no script, no inline style, no external asset, so the strict
``Content-Security-Policy: default-src 'self'`` holds without exceptions (only the
``mixed-content`` fault adds an ``http://`` script, and ``render-blocking-script`` a
third party's in ``<head>``). The public pages name their URL on the canonical host in
a ``<link rel="canonical">``. Every value that came from a user or the database goes
through ``html.escape``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from launchgate.demo.db import Dashboard

__all__ = [
    "PRODUCT",
    "STYLESHEET",
    "account_created",
    "dashboard",
    "error_page",
    "home",
    "login_form",
    "pricing",
    "signup_form",
]

PRODUCT = "Acme Dashboard"

STYLESHEET = """\
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
nav a { margin-right: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; }
.error { color: #a00; }
.plans { display: flex; gap: 1rem; }
.plans section { flex: 1; border: 1px solid #ddd; padding: 1rem; }
"""

_PLANS = (
    ("Starter", "$9", "per month", "One project, email support."),
    ("Pro", "$29", "per month", "Ten projects, priority support."),
    ("Business", "$99", "per month", "Unlimited projects, a named contact."),
)


def home(
    *,
    canonical: str | None = None,
    insecure_script: str | None = None,
    blocking_script: str | None = None,
) -> str:
    """``canonical``: this page's URL on the canonical host; ``insecure_script``: an
    ``http://`` script to load (the mixed-content fault); ``blocking_script``: a script
    for ``<head>``, without async or defer (the render-blocking-script fault)."""
    script = f'\n<script src="{escape(insecure_script)}"></script>' if insecure_script else ""
    head = _canonical(canonical)
    if blocking_script:
        head += f'<script src="{escape(blocking_script)}"></script>\n'
    return _page(
        PRODUCT,
        f"<h1>{PRODUCT}</h1>\n"
        "<p>Subscriptions, invoices and customers in one place.</p>\n"
        '<p><a href="/signup">Start your free trial</a> or <a href="/login">log in</a>.</p>'
        + script,
        head=head,
    )


def pricing(*, canonical: str | None = None) -> str:
    plans = "\n".join(
        f"<section><h2>{name}</h2><p><strong>{price}</strong> {period}</p><p>{blurb}</p></section>"
        for name, price, period, blurb in _PLANS
    )
    return _page(
        f"Pricing - {PRODUCT}",
        f'<h1>Pricing</h1>\n<div class="plans">\n{plans}\n</div>',
        head=_canonical(canonical),
    )


def signup_form(csrf_token: str, *, email: str = "", error: str | None = None) -> str:
    return _credentials_form("Sign up", "/signup", csrf_token, email, error, new_password=True)


def login_form(csrf_token: str, *, email: str = "", error: str | None = None) -> str:
    return _credentials_form("Log in", "/login", csrf_token, email, error, new_password=False)


def account_created(email: str) -> str:
    return _page(
        f"Account created - {PRODUCT}",
        "<h1>Account created</h1>\n"
        f"<p>Welcome, {escape(email)}. Your 14-day trial has started.</p>\n"
        '<p><a href="/login">Log in</a></p>',
    )


def dashboard(data: Dashboard) -> str:
    if data.invoices:
        rows = "\n".join(
            f"<tr><td>INV-{inv.id:06d}</td><td>{_date(inv.created_at)}</td>"
            f"<td>{_dollars(inv.amount_cents)}</td><td>{escape(inv.status)}</td></tr>"
            for inv in data.invoices
        )
    else:
        rows = '<tr><td colspan="4">No invoices yet.</td></tr>'
    counts = ", ".join(f"{n} {escape(status)}" for status, n in sorted(data.status_counts.items()))
    return _page(
        f"Dashboard - {PRODUCT}",
        "<h1>Dashboard</h1>\n"
        f"<p>Signed in as <strong>{escape(data.user.email)}</strong></p>\n"
        f"<p>Plan: {escape(data.user.plan)}</p>\n"
        f"<p>Billed in the last 12 months: {_dollars(data.billed_cents)}</p>\n"
        f"<p>Open balance: {_dollars(data.open_cents)}</p>\n"
        f"<p>Invoices: {counts or 'none yet'}</p>\n"
        "<h2>Latest invoices</h2>\n"
        "<table>\n<thead><tr><th>Invoice</th><th>Date</th><th>Amount</th><th>Status</th>"
        f"</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>\n"
        '<form method="post" action="/logout"><button type="submit">Log out</button></form>',
    )


def error_page(title: str, message: str) -> str:
    return _page(f"{title} - {PRODUCT}", f"<h1>{escape(title)}</h1>\n<p>{escape(message)}</p>")


def _credentials_form(
    title: str, action: str, csrf_token: str, email: str, error: str | None, *, new_password: bool
) -> str:
    button = "Create account" if new_password else "Log in"
    autocomplete = "new-password" if new_password else "current-password"
    problem = f'<p class="error" role="alert">{escape(error)}</p>\n' if error else ""
    # The password is never written back into the page, even after a failed attempt.
    return _page(
        f"{title} - {PRODUCT}",
        f"<h1>{title}</h1>\n{problem}"
        f'<form method="post" action="{action}">\n'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">\n'
        '<p><label>Email <input type="email" name="email" autocomplete="email" required'
        f' value="{escape(email)}"></label></p>\n'
        '<p><label>Password <input type="password" name="password" minlength="8" required'
        f' autocomplete="{autocomplete}"></label></p>\n'
        f'<p><button type="submit">{button}</button></p>\n'
        "</form>",
    )


def _canonical(url: str | None) -> str:
    return f'<link rel="canonical" href="{escape(url)}">\n' if url else ""


def _page(title: str, body: str, *, head: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        '<link rel="stylesheet" href="/static/app.css">\n'
        f"{head}"
        "</head>\n<body>\n"
        f'<nav><a href="/">{PRODUCT}</a><a href="/pricing">Pricing</a>'
        '<a href="/signup">Sign up</a><a href="/login">Log in</a></nav>\n'
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _date(unix_s: int) -> str:
    return datetime.fromtimestamp(unix_s, UTC).strftime("%Y-%m-%d")


def _dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"
