"""The customer journeys of the demo, against a real server: pages, signup, login,
dashboard, API, logout, CSRF and the headers every response carries."""

from __future__ import annotations

import uuid

import pytest

from launchgate.demo.middleware import SECURITY_HEADERS


def fresh_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.test"


def test_full_journey_signup_login_dashboard_api(clean_demo, browser):
    b = browser(clean_demo)
    email, password = fresh_email(), "correct horse battery"

    created = b.signup(email, password)
    assert created.status_code == 200
    assert "Account created" in created.text
    assert email in created.text

    logged_in = b.login(email, password)
    assert logged_in.status_code == 303
    assert logged_in.headers["location"] == "/dashboard"
    cookie = logged_in.headers["set-cookie"]
    assert cookie.startswith("lg_session=")
    for attribute in ("HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie

    dashboard = b.client.get("/dashboard")
    assert dashboard.status_code == 200
    assert email in dashboard.text
    assert "Plan: trial" in dashboard.text
    assert "<table>" in dashboard.text
    assert dashboard.headers["cache-control"] == "private, no-store"

    me = b.client.get("/api/me")
    assert me.status_code == 200
    assert me.json() == {"email": email, "plan": "trial", "invoice_count": 0}


def test_demo_user_sees_plan_and_latest_20_of_24_invoices(clean_demo, browser):
    b = browser(clean_demo)
    assert b.login(clean_demo.email, clean_demo.password).status_code == 303

    page = b.client.get("/dashboard").text
    assert "Plan: pro" in page
    assert page.count("<tr><td>INV-") == 20
    assert b.client.get("/api/me").json() == {
        "email": clean_demo.email,
        "plan": "pro",
        "invoice_count": 24,
    }


def test_wrong_password_is_401_with_a_plain_message(clean_demo, browser):
    response = browser(clean_demo).login(clean_demo.email, "not-the-password")
    assert response.status_code == 401
    assert "Invalid email or password" in response.text
    assert "lg_session" not in response.headers.get("set-cookie", "")


def test_unknown_email_gets_the_same_401(clean_demo, browser):
    response = browser(clean_demo).login(fresh_email(), "whatever-password")
    assert response.status_code == 401
    assert "Invalid email or password" in response.text


@pytest.mark.parametrize("path", ["/signup", "/login"])
def test_post_without_csrf_token_is_403(clean_demo, browser, path):
    b = browser(clean_demo)
    b.csrf_token(path)  # the cookie is set, but the field is missing
    response = b.client.post(path, data={"email": fresh_email(), "password": "long enough"})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/signup", "/login"])
def test_post_with_mismatched_csrf_token_is_403(clean_demo, browser, path):
    b = browser(clean_demo)
    token = b.csrf_token(path)
    data = {"email": fresh_email(), "password": "long enough", "csrf_token": token + "x"}
    assert b.client.post(path, data=data).status_code == 403


def test_post_without_csrf_cookie_is_403(clean_demo, browser):
    token = browser(clean_demo).csrf_token("/signup")
    fresh = browser(clean_demo)  # another cookie jar: the field without its cookie
    data = {"email": fresh_email(), "password": "long enough", "csrf_token": token}
    assert fresh.client.post("/signup", data=data).status_code == 403


def test_duplicate_signup_is_409(clean_demo, browser):
    b = browser(clean_demo)
    email = fresh_email()
    assert b.signup(email, "first password").status_code == 200
    again = b.signup(email.upper(), "second password")  # emails compare case-insensitively
    assert again.status_code == 409
    assert "already exists" in again.text


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", "long enough", "valid email"),
        ("a@b", "long enough", "valid email"),
        ("short@example.test", "1234567", "at least 8"),
    ],
)
def test_invalid_signup_is_422_with_a_message(clean_demo, browser, email, password, message):
    response = browser(clean_demo).signup(email, password)
    assert response.status_code == 422
    assert message in response.text
    assert password not in response.text  # never echoed back


def test_dashboard_without_session_redirects_to_login(clean_demo, browser):
    response = browser(clean_demo).client.get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_dashboard_with_a_forged_session_redirects_to_login(clean_demo, browser):
    b = browser(clean_demo)
    b.client.cookies.set("lg_session", "forged-token")
    assert b.client.get("/dashboard").status_code == 303


def test_api_me_without_session_is_json_401(clean_demo, browser):
    response = browser(clean_demo).client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"error": "not logged in"}


def test_logout_ends_the_session(clean_demo, browser):
    b = browser(clean_demo)
    b.login(clean_demo.email, clean_demo.password)
    session = b.client.cookies["lg_session"]

    response = b.client.post("/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/"

    # The server forgot the session, not only the browser.
    replay = browser(clean_demo)
    replay.client.cookies.set("lg_session", session)
    assert replay.client.get("/dashboard").status_code == 303


def test_public_pages(clean_demo, browser):
    client = browser(clean_demo).client
    home = client.get("/")
    assert home.status_code == 200
    assert "Acme Dashboard" in home.text
    for link in ('href="/pricing"', 'href="/signup"', 'href="/login"'):
        assert link in home.text
    pricing = client.get("/pricing")
    assert pricing.status_code == 200
    assert pricing.text.count("per month") == 3
    assert "<script" not in home.text + pricing.text  # self-contained, CSP-clean


@pytest.mark.parametrize("path", ["/signup", "/login"])
def test_form_pages_set_the_csrf_cookie_and_field(clean_demo, browser, path):
    b = browser(clean_demo)
    token = b.csrf_token(path)
    assert b.client.cookies["lg_csrf"] == token


def test_health_and_version(clean_demo, browser):
    client = browser(clean_demo).client
    health = client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    version = client.get("/version")
    assert version.status_code == 200
    assert version.json()["version"].startswith("demo-")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/pricing"),
        ("GET", "/login"),
        ("GET", "/dashboard"),
        ("GET", "/api/me"),
        ("GET", "/healthz"),
        ("GET", "/no-such-page"),
        ("POST", "/login"),
        ("POST", "/webhooks/billing"),
    ],
)
def test_every_response_carries_the_security_headers(clean_demo, browser, method, path):
    response = browser(clean_demo).client.request(method, path)
    for name, value in SECURITY_HEADERS:
        assert response.headers.get(name) == value, (name, response.status_code)


def test_static_stylesheet_is_publicly_cacheable(clean_demo, browser):
    response = browser(clean_demo).client.get("/static/app.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["cache-control"].startswith("public")
