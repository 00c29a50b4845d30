"""Sign up, log in, log out, profile."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from portal import accounts
from portal.access import home_endpoint_for
from portal.auth.forms import LoginForm, PasswordForm, ProfileForm, SignupForm
from portal.extensions import db, limiter

bp = Blueprint("auth", __name__, url_prefix="/auth")


# A same-site path and query in plain URL characters: no scheme or host, no backslash, no space or
# control character (a CR or LF would end the Location header and start another).
_SAFE_NEXT = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*\Z")


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect a login to another host, or write a header from the query."""
    if not target or not _SAFE_NEXT.match(target) or urlsplit(target).netloc:
        return None
    return target


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"], methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint_for(current_user)))
    form = SignupForm()
    next_url = _safe_next(request.args.get("next"))  # where the visitor was going ("Request these officers")
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.register_employer(
                accounts.EmployerSignup(
                    legal_name=form.legal_name.data,
                    street=form.street.data,
                    city=form.city.data,
                    state=form.state.data,
                    zip_code=form.zip_code.data,
                    contact_name=form.contact_name.data,
                    phone=form.phone.data,
                    email=form.email.data,
                    password=form.password.data,
                )
            )
        except accounts.AccountError as e:
            getattr(form, e.field).errors.append(e.message)
        else:
            _new_form_secret()
            login_user(user)
            flash(f"Welcome to Detail Desk, {user.full_name}. Your organisation's account is ready.", "success")
            return redirect(next_url or url_for("employer.dashboard"))
    if request.method == "POST":
        status = 422
    return render_template("auth/signup.html", form=form, next_url=next_url), status


def _new_form_secret() -> None:
    """Signing in: a form token from before is not one of this session. The new one goes out with the cookie
    of the sign-in itself, so the session's first page is already rendered with its own."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    generate_csrf()


def _login_key() -> str:
    """Rate-limit logins per client address and per account, so neither can be hammered."""
    email = accounts.normalise_email(request.form.get("email", ""))[:254]
    return f"{request.remote_addr}|{email}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_key)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint_for(current_user)))
    form = LoginForm()
    next_url = _safe_next(request.args.get("next"))
    status = 200
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            _new_form_secret()
            login_user(user, remember=form.remember.data)
            flash(f"Signed in as {user.email}.", "success")
            return redirect(next_url or url_for(home_endpoint_for(user)))
        form.password.errors.append("That email and password do not match an account.")
    if request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form, next_url=next_url), status


@bp.post("/logout")
@login_required
def logout():
    # Every session of the user ends, also a copied cookie or a remember-me cookie on another device;
    # the session itself is emptied, so its CSRF token goes with it.
    accounts.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You have been signed out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user, prefix="profile")
    password_form = PasswordForm(prefix="password")
    status = 200
    if request.method == "POST":
        if "profile-submit" in request.form and form.validate_on_submit():
            current_user.full_name = form.full_name.data
            current_user.phone = form.phone.data or ""
            db.session.commit()
            flash("Your profile was saved.", "success")
            return redirect(url_for("auth.profile"))
        if "password-submit" in request.form and password_form.validate_on_submit():
            try:
                accounts.change_password(
                    current_user, password_form.current_password.data, password_form.new_password.data
                )
            except accounts.AccountError as e:
                getattr(password_form, e.field).errors.append(e.message)
            else:
                # Every session ended with the old password; this one goes on, with a new remember-me
                # cookie if it had one.
                remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
                login_user(current_user._get_current_object(), remember=remembered)
                flash("Your password was changed. You were signed out everywhere else.", "success")
                return redirect(url_for("auth.profile"))
        status = 422
    return render_template("auth/profile.html", form=form, password_form=password_form), status
