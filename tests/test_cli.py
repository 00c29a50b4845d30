"""flask seed-demo and flask users create; the README's commands as written."""

import os
import re
import subprocess
from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Agency, Role, User


def test_seed_demo_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "employer@example.com" in first.output
    assert "coordinator@kcpd.example.com" in first.output
    counts = (db.session.scalar(select(func.count(Agency.id))), db.session.scalar(select(func.count(User.id))))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert counts == (db.session.scalar(select(func.count(Agency.id))), db.session.scalar(select(func.count(User.id))))
    assert counts == (4, 6)
    zones = dict(db.session.execute(select(Agency.slug, Agency.time_zone)).all())
    assert zones == {
        "kcpd": "America/Chicago", "mesa": "America/Phoenix",
        "west-valley-city": "America/Denver", "tucson": "America/Phoenix",
    }


def test_demo_logins_work(runner, client):
    runner.invoke(args=["seed-demo"])
    from tests.conftest import post_form

    for email, home in [("employer@example.com", "/employer/"), ("coordinator@mesa.example.com", "/agency/"),
                        ("admin@example.com", "/admin/")]:
        c = client.application.test_client()
        response = post_form(c, "/auth/login", {"email": email, "password": "detail-desk-demo"})
        assert response.headers["Location"].endswith(home), email


def test_users_create_agency_staff(runner, agencies):
    result = runner.invoke(
        args=["users", "create", "--role", "agency-staff", "--agency", "kcpd", "--email", "Sam@KCPD.example.com",
              "--password", "a long enough passphrase"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "sam@kcpd.example.com"))
    assert user.role == Role.AGENCY_STAFF and user.agency.slug == "kcpd"


def test_users_create_reports_problems(runner, agencies):
    unknown = runner.invoke(args=["users", "create", "--role", "agency-staff", "--agency", "nope", "--email",
                                  "a@example.com", "--password", "a long enough passphrase"])
    assert unknown.exit_code == 2 and "No agency with slug 'nope'" in unknown.output
    weak = runner.invoke(args=["users", "create", "--role", "agency-admin", "--agency", "mesa", "--email",
                               "b@example.com", "--password", "short"])
    assert weak.exit_code == 2 and "password: Use at least 12 characters." in weak.output
    no_agency = runner.invoke(args=["users", "create", "--role", "agency-staff", "--email", "c@example.com",
                                    "--password", "a long enough passphrase"])
    assert no_agency.exit_code == 2 and "Agency users belong to an agency" in no_agency.output


def test_cancellation_command_prints_the_spec_example(runner, agencies):
    import json

    body = {"quote_request": {"agency": "mesa", "submitted_at": "2026-12-01T09:00:00-07:00",
                              "shifts": [{"start": "2026-12-20T18:00", "end": "2026-12-20T23:00", "officers": 3}]},
            "at": "2026-12-20T08:00:00-07:00", "approved": True, "deposit_held_cents": 70245,
            "cancel": [{"shift": 0, "positions": {"officer": 1}}]}
    result = runner.invoke(args=["cancellation", "-"], input=json.dumps(body))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["fee_cents"], out["deposit_after_cents"], out["refund_cents"], out["charge_cents"]) == (
        23415, 46830, 0, 0)
    assert out["shifts"][0]["lines"][0]["amount_cents"] == 23415 and out["rule"] and out["source"]
    assert out["agency"] == "mesa" and out["rate_card_version"] == 1


def test_cancellation_command_refusals_and_unusable_input(runner, agencies):
    import json

    started = {"quote_request": {"agency": "mesa", "submitted_at": "2026-12-01T09:00:00-07:00",
                                 "shifts": [{"start": "2026-12-20T18:00", "end": "2026-12-20T23:00", "officers": 3}]},
               "at": "2026-12-20T19:00:00-07:00", "cancel": [{"shift": 0}]}
    refused = runner.invoke(args=["cancellation", "-"], input=json.dumps(started))
    assert refused.exit_code == 1 and json.loads(refused.output)["errors"][0]["field"] == "cancel[0].shift"
    bad_request = {**started, "quote_request": {**started["quote_request"], "shifts": [{"start": "x"}]}}
    fields = {e["field"] for e in json.loads(runner.invoke(args=["cancellation", "-"],
                                                           input=json.dumps(bad_request)).output)["errors"]}
    assert fields and all(f.startswith("quote_request.") for f in fields)
    assert runner.invoke(args=["cancellation", "-"], input="not json").exit_code == 2
    naive = runner.invoke(args=["cancellation", "-"], input=json.dumps({**started, "at": "2026-12-20T08:00"}))
    assert naive.exit_code == 1 and json.loads(naive.output)["errors"][0]["field"] == "at"


REPO = Path(__file__).resolve().parents[1]


def _shell(script: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=REPO, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300, check=False)


def _bare_environment(tmp_path) -> dict[str, str]:
    """What a fresh shell on a fresh checkout has: none of the portal's settings."""
    keep = ("PATH", "HOME", "LANG")
    return {k: os.environ[k] for k in keep if k in os.environ} | {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


def test_without_settings_a_command_says_so_in_one_line(tmp_path):
    """Issue 10: the README's commands printed a 20-line traceback ending in ``SECRET_KEY is not set``."""
    result = _shell(".venv/bin/flask --app wsgi seed-demo", _bare_environment(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "SECRET_KEY is not set" in result.stderr and "Traceback" not in result.stderr


def test_the_readme_commands_work_as_written(tmp_path):
    """The README's command-line block, run as it stands (the password prompt answered twice)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Command line\n.*?```sh\n(.*?)```", readme, re.S).group(1)
    password = "correct horse battery staple\n"
    result = _shell(block, _bare_environment(tmp_path), stdin=password * 2)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Created agency staff sam@kcpd.example.org" in result.stdout
    assert "Disabled sam@kcpd.example.org" in result.stdout
