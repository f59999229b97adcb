"""The form reading of `init --from` on markup the recipe apps do not produce: a
Devise (Rails) login form, where the token's value comes before its name and the
field names have brackets, and single-quoted attributes."""

from __future__ import annotations

import re

from launchgate.initfrom import render
from launchgate.initfrom.html import parse
from launchgate.initfrom.render import _capture_regex

DEVISE = """<form class="new_user" action="/users/sign_in" method="post">
<input type="hidden" value="tok+/=1" name="authenticity_token" autocomplete="off">
<input autofocus type="email" value="" name="user[email]" id="user_email">
<input type="password" name="user[password]" id="user_password">
<input name="user[remember_me]" type="hidden" value="0"><input type="checkbox" value="1"
 name="user[remember_me]"><input type="submit" name="commit" value="Log in"></form>"""


def test_a_devise_form_and_its_token_capture() -> None:
    (form,) = parse(DEVISE).forms
    assert (form.action, form.method) == ("/users/sign_in", "POST")
    assert [(f.name, f.kind) for f in form.fields] == [
        ("authenticity_token", "hidden"),
        ("user[email]", "email"),
        ("user[password]", "password"),
        ("user[remember_me]", "hidden"),
        ("user[remember_me]", "checkbox"),
    ]
    pattern = _capture_regex(form.fields[0], DEVISE)
    assert pattern is not None
    match = re.search(pattern, DEVISE)
    assert match is not None
    assert match.group(1) == "tok+/=1"


def test_single_quoted_attributes() -> None:
    page = "<form method=post><input type=hidden name='csrf' value='a b'></form>"
    (form,) = parse(page).forms
    pattern = _capture_regex(form.fields[0], page)
    assert pattern is not None
    match = re.search(pattern, page)
    assert match is not None
    assert match.group(1) == "a b"


def test_a_name_twice_is_sent_once(tmp_path) -> None:
    from launchgate.initfrom.inspect import FoundForm, Page

    page = Page("/users/sign_in", 200, None, None, DEVISE, (), "text/html")
    (form,) = page.parsed.forms
    lines = "".join(render._form_steps(FoundForm(page, form, "/users/sign_in"), "", {}, "login"))
    assert lines.count('"user[remember_me]":') == 1
    assert 'authenticity_token: "{{ authenticity_token }}"' in lines
