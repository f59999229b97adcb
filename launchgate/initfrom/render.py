"""The launchgate.yml text for what :mod:`launchgate.initfrom.inspect` found: plain
lines with comments (a YAML dumper would drop them), each value JSON-quoted, which
YAML reads as the same string."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from launchgate.initfrom.html import FormField
from launchgate.initfrom.inspect import Findings, FoundForm

HEADER = """\
# yaml-language-server: $schema=https://raw.githubusercontent.com/launchgate/launchgate/main/launchgate/config/launchgate.schema.json
# Written by `launchgate init --from {url}` from what the app answered.
# Set the password of the gate's own account, then run it:
#   export LAUNCHGATE_PASSWORD=...
#   launchgate run
# Lines marked TODO are what launchgate could not tell from outside; recipes for
# Django, Flask, FastAPI and Rails: docs/recipes/.
version: 1

target:
  url: ${{LAUNCHGATE_URL:-{url}}}
  timeout: 10s
  deadline: 2m
"""
_IDENTITY_WORDS = ("user", "email", "login", "name", "account")


def q(value: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_/][A-Za-z0-9_/.\-]*", value):
        return value
    # "$${" keeps a literal "${" from being read as an environment variable.
    return json.dumps(value).replace("${", "$${")


def sq(value: str) -> str:
    """YAML single quotes, where a regex's backslashes stay as written."""
    return "'" + value.replace("'", "''").replace("${", "$${") + "'"


def render(f: Findings, *, username: str | None, ca_bundle: str | None, problem: str | None) -> str:
    out = [HEADER.format(url=f.base)]
    if ca_bundle:
        out.append(f"  ca_bundle: ${{LAUNCHGATE_CA_BUNDLE:-{ca_bundle}}}\n")
    elif f.base.startswith("https://"):
        out.append("  # ca_bundle: ca.pem   # only for a private CA\n")
    out.append("\nsecrets:\n  - LAUNCHGATE_PASSWORD\n\n")
    if problem:
        out.append(f"# TODO: {problem}\n")
    out.extend(_readiness(f))
    out.append("\njourneys:\n")
    journeys = list(_journeys(f, username))
    if not any(re.match(r"  [A-Za-z]", line) for line in journeys):
        out.append(
            "  # TODO: no page answered as expected; describe one journey your customers take.\n"
            "  homepage:\n    title: The homepage loads\n    steps:\n      - path: /\n"
            "        expect: {status: 200}\n"
        )
    out.extend(journeys)
    if f.cookies:
        out.append(
            f"\n# Cookies the app set: {', '.join(f.cookies)}. They travel from step to step\n"
            "# within a journey, and into a journey with `session:`.\n"
        )
    return "".join(out)


def _readiness(f: Findings) -> Iterator[str]:
    yield "readiness:\n"
    if f.health:
        yield f"  path: {q(f.health)}\n"
    elif f.login:
        yield f"  # TODO: no health route answered ({', '.join(_health_list())}); the login\n"
        yield "  # page answers once the app and its database are up; a route of your own\n"
        yield "  # is better.\n"
        yield f"  path: {q(f.login.page.path)}\n"
    else:
        yield "  # TODO: no health route answered; point this at one of yours.\n"
        yield "  path: /\n"
    yield "  timeout: 60s\n"
    if f.version:
        yield "  # Require the new version to be the one serving (TODO: the value it shows):\n"
        yield f"  # version:\n  #   path: {f.version}\n  #   contains: ${{GITHUB_SHA}}\n"


def _health_list() -> list[str]:
    from launchgate.initfrom.inspect import HEALTH_PATHS

    return list(HEALTH_PATHS)


def _journeys(f: Findings, username: str | None) -> Iterator[str]:
    home = f.home
    if home is not None and f.home_problem is None and home.status < 400:
        yield "  homepage:\n    title: The homepage loads\n    steps:\n      - path: /\n"
        yield f"        expect:\n          status: {home.status}\n"
        title = home.parsed.title
        if home.status == 200 and title and len(title) <= 80 and title in home.text:
            yield f"          body_contains: {q(title)}\n"
        if home.location:
            yield f"          headers: {{location: {q(home.location)}}}\n"
    elif home is not None and f.home_problem is None:
        yield f"  # TODO: / answered {home.status}; no homepage journey.\n"
    if f.signup and f.signup.post_path:
        yield from _signup(f, f.signup)
    if f.login and f.login.post_path:
        yield from _login(f.login, username)
        if f.protected:
            yield "\n  dashboard:\n    title: A logged-in user reaches the page behind the login\n"
            yield "    session: login\n    steps:\n"
            yield f"      - path: {q(f.protected)}\n"
            yield "        # Without the session this redirects to the login page.\n"
            yield "        expect:\n          status: 200\n"
            yield "          # TODO: body_contains: a text only a logged-in user sees\n"
        else:
            yield "\n  # TODO: no page redirected to the login form; add a journey with\n"
            yield "  # `session: login` that opens a page only a logged-in user sees.\n"
    elif f.login:
        yield "  # TODO: the login form posts to another host; write the login journey by hand.\n"
    elif f.openapi is not None:
        yield from _api(f.openapi, username)
    else:
        yield "  # TODO: no login form found at the usual routes (/login, /accounts/login/,\n"
        yield "  # /signin, /users/sign_in, ...) or on the homepage; see docs/recipes/.\n"


def _capture_regex(field: FormField, text: str) -> str | None:
    """A regex over the page for this hidden field's value, checked against the page."""
    name = re.escape(field.name)
    tag = field.tag
    quote = '"' if 'name="' in tag else "'" if "name='" in tag else ""
    if not quote:
        return None
    if tag.find("value=") > tag.find("name="):
        pattern = rf"name={quote}{name}{quote}[^>]*?value={quote}([^{quote}]*)"
    else:
        pattern = rf"value={quote}([^{quote}]*){quote}[^>]*?name={quote}{name}{quote}"
    m = re.search(pattern, text)
    return pattern if m and m.group(1) == field.value else None


def _form_steps(found: FoundForm, prefix: str, values: dict[str, str], label: str) -> Iterator[str]:
    page, form = found.page, found.form
    captures, form_lines, todos = [], [], []
    seen: set[str] = set()
    for fld in form.fields:
        # `form:` is a mapping: a name twice (Rails' hidden "0" before its checkbox)
        # is sent once, as the first field of that name, which a browser sends too.
        if fld.name in seen:
            continue
        seen.add(fld.name)
        if fld.kind == "hidden":
            var = prefix + re.sub(r"\W", "_", fld.name).strip("_")[:40]
            pattern = _capture_regex(fld, page.text) if fld.value else None
            if pattern:
                captures.append(f"          {var}: {{regex: {sq(pattern)}}}\n")
                form_lines.append(f'          {q(fld.name)}: "{{{{ {var} }}}}"\n')
            else:
                form_lines.append(f"          {q(fld.name)}: {q(fld.value)}\n")
        elif fld.name in values:
            form_lines.append(f"          {q(fld.name)}: {values[fld.name]}\n")
        elif fld.kind == "checkbox":
            continue  # unchecked boxes are not sent by a browser either
        elif fld.required:
            todos.append(fld.name)
            form_lines.append(f'          {q(fld.name)}: ""   # TODO: a valid value\n')
    yield f"      - name: open the {label} form\n        path: {q(page.path)}\n"
    yield "        expect: {status: 200}\n"
    if captures:
        yield "        # Hidden fields (CSRF tokens) change per visit: captured, sent back.\n"
        yield "        capture:\n" + "".join(captures)
    yield f"      - name: submit the {label} form\n        method: POST\n"
    yield f"        path: {q(found.post_path or page.path)}\n        form:\n" + "".join(form_lines)


def _identity(found: FoundForm) -> FormField | None:
    candidates = [f for f in found.form.fields if f.kind in ("text", "email")]
    for f in candidates:
        if f.kind == "email" or any(w in f.name.lower() for w in _IDENTITY_WORDS):
            return f
    return candidates[0] if candidates else None


def _signup(f: Findings, found: FoundForm) -> Iterator[str]:
    ident = _identity(found)
    values = {p.name: '"{{ run.password }}"' for p in found.form.of_kind("password")}
    new_name = '"lg-{{ run.id }}"'
    if ident is not None:
        is_email = ident.kind == "email" or "email" in ident.name.lower()
        new_name = '"{{ run.email }}"' if is_email else new_name
        values[ident.name] = new_name
    for fld in found.form.fields:  # an email next to a username
        if fld.kind == "email" and fld.name not in values:
            values[fld.name] = '"{{ run.email }}"'
    yield "  signup:\n    title: A new user can sign up and then log in\n    steps:\n"
    yield from _form_steps(found, "signup_", values, "signup")
    yield "        # A form with errors often answers 200 too: the login after this proves it.\n"
    yield "        expect:\n          status: [200, 201, 301, 302, 303]\n"
    login = f.login
    if login is None or not login.post_path:
        yield "      # TODO: log in as the new account here.\n"
        return
    lid = _identity(login)
    lvalues = {p.name: '"{{ run.password }}"' for p in login.form.of_kind("password")}
    if lid is not None:
        lvalues[lid.name] = new_name
    yield from _form_steps(login, "login_", lvalues, "login")
    yield from _login_expect()
    if f.protected:
        yield "      - name: the new user reaches the page behind the login\n"
        yield f"        path: {q(f.protected)}\n        expect: {{status: 200}}\n"
    yield "\n"


def _login_expect() -> Iterator[str]:
    yield "        # A login form answers a wrong password with the form again; success\n"
    yield "        # redirects. TODO: name where, e.g. headers: {location: /dashboard}\n"
    yield "        expect:\n          status: [301, 302, 303]\n"


def _login(found: FoundForm, username: str | None) -> Iterator[str]:
    ident = _identity(found)
    values = {p.name: "${LAUNCHGATE_PASSWORD}" for p in found.form.of_kind("password")}
    if ident is not None:
        values[ident.name] = _account(username)
    yield "  login:\n    title: The gate's account can log in\n    steps:\n"
    if username is None:
        yield "    # TODO: pass --username, or set LAUNCHGATE_USERNAME: the gate's own account.\n"
    yield from _form_steps(found, "", values, "login")
    yield from _login_expect()


def _account(username: str | None) -> str:
    return f"${{LAUNCHGATE_USERNAME:-{username}}}" if username else "${LAUNCHGATE_USERNAME:-}"


def _api(doc: dict[str, Any], username: str | None) -> Iterator[str]:
    """An OAuth2 password flow as FastAPI documents it: the token URL, a signup route
    taking a username and password as JSON, a GET that needs the bearer token."""
    token_url = None
    for scheme in (doc.get("components") or {}).get("securitySchemes", {}).values():
        flow = (scheme.get("flows") or {}).get("password") if isinstance(scheme, dict) else None
        if isinstance(flow, dict) and isinstance(flow.get("tokenUrl"), str):
            token_url = "/" + flow["tokenUrl"].lstrip("/")
    if token_url is None:
        yield "  # TODO: an OpenAPI document but no OAuth2 password flow; see docs/recipes/.\n"
        return
    paths: dict[str, Any] = doc["paths"]
    secured = next(
        (p for p, ops in paths.items()
         if "{" not in p and isinstance(ops.get("get"), dict) and ops["get"].get("security")),
        None,
    )  # fmt: skip
    signup = next(
        (p for p, ops in paths.items()
         if p != token_url and isinstance(ops.get("post"), dict)
         and _json_fields(doc, ops["post"]) >= {"username", "password"}),
        None,
    )  # fmt: skip
    yield "  # The token comes back in the JSON body, is captured (masked in every output)\n"
    yield "  # and sent as a header.\n"
    if signup:
        created = _success(paths[signup]["post"])
        yield "  signup:\n    title: A new user can sign up and get a token\n    steps:\n"
        yield "      - name: create a fresh account\n        method: POST\n"
        yield f"        path: {q(signup)}\n"
        yield '        json: {username: "lg-{{ run.id }}", password: "{{ run.password }}"}\n'
        yield f"        expect: {{status: {created}}}\n"
        yield from _token_step(token_url, '"lg-{{ run.id }}"', '"{{ run.password }}"')
        if secured:
            yield from _bearer_step(secured)
        yield "\n"
    yield "  login:\n    title: The gate's account gets a token\n    steps:\n"
    yield from _token_step(token_url, _account(username), "${LAUNCHGATE_PASSWORD}")
    if secured:
        yield "\n  account:\n    title: The token opens the API\n    session: login\n"
        yield "    steps:\n"
        yield from _bearer_step(secured)


def _token_step(url: str, user: str, password: str) -> Iterator[str]:
    yield f"      - name: get a token\n        method: POST\n        path: {q(url)}\n"
    yield f"        form:\n          username: {user}\n          password: {password}\n"
    yield "        expect: {status: 200}\n        capture:\n"
    yield "          token: {json: $.access_token}\n"


def _bearer_step(path: str) -> Iterator[str]:
    yield f"      - name: read {path} with the token\n        path: {q(path)}\n"
    yield '        headers: {Authorization: "Bearer {{ token }}"}\n'
    yield "        expect: {status: 200}\n"


def _success(op: dict[str, Any]) -> int:
    codes = sorted(int(c) for c in (op.get("responses") or {}) if str(c).startswith("2"))
    return codes[0] if codes else 200


def _json_fields(doc: dict[str, Any], op: dict[str, Any]) -> set[str]:
    schema = (
        ((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
    ).get("schema") or {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        schema = (doc.get("components") or {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
    props = schema.get("properties") if isinstance(schema, dict) else None
    return set(props) if isinstance(props, dict) else set()
