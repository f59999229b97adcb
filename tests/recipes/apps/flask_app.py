"""A stock Flask app: Flask-Login sessions, Flask-WTF forms with CSRFProtect, the way
their documentation writes them. Served by uvicorn through asgiref's WSGI adapter."""

from __future__ import annotations

import os

from asgiref.wsgi import WsgiToAsgi
from flask import Flask, redirect, render_template_string, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["RECIPE_SECRET_KEY"]
CSRFProtect(app)
login_manager = LoginManager(app)
login_manager.login_view = "login"

# username -> password hash; the gate's own account exists from the start.
PASSWORDS: dict[str, str] = {
    os.environ["RECIPE_USERNAME"]: generate_password_hash(os.environ["RECIPE_PASSWORD"])
}


class User(UserMixin):
    def __init__(self, username: str) -> None:
        self.id = username


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return User(user_id) if user_id in PASSWORDS else None


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class SignupForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    confirm = PasswordField("Repeat password", validators=[EqualTo("password")])


PAGE = """<!doctype html><title>{{ title }}</title>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post">{{ form.csrf_token }}
{% for field in form if field.name != "csrf_token" %}{{ field.label }} {{ field() }}
{% for e in field.errors %}<span class="error">{{ e }}</span>{% endfor %}{% endfor %}
<button>{{ title }}</button></form>"""


@app.get("/")
def home() -> str:
    return '<a href="/signup">Sign up</a> <a href="/login">Log in</a>'


@app.route("/signup", methods=["GET", "POST"])
def signup() -> str | Response:
    form = SignupForm()
    error = ""
    if form.validate_on_submit():
        name = form.username.data or ""
        if name in PASSWORDS:
            error = "That username is taken."
        else:
            PASSWORDS[name] = generate_password_hash(form.password.data or "")
            return redirect(url_for("login"))
    return render_template_string(PAGE, title="Sign up", form=form, error=error)


@app.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    error = ""
    if form.validate_on_submit():
        name = form.username.data or ""
        known = PASSWORDS.get(name)
        if known and check_password_hash(known, form.password.data or ""):
            login_user(User(name))
            return redirect(url_for("dashboard"))
        error = "Invalid username or password."
    return render_template_string(PAGE, title="Log in", form=form, error=error)


@app.get("/dashboard")
@login_required
def dashboard() -> str:
    return render_template_string(
        "<h1>Dashboard</h1><p>Signed in as {{ name }}</p>", name=current_user.id
    )


asgi_app = WsgiToAsgi(app)
