"""Secrets go only into the identity provider's own pages (aws_sts/providers/origin.py), end to end.

Hostile servers on loopback: 127.0.0.1 on another port, and 127.0.0.2, are other hosts (other origins) to the
browser. Each keeps every request it receives, so "nothing received there" is checked, not assumed.
"""

from __future__ import annotations

import html
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes import saml_idp
from tests.fakes.hostile import PageServer
from tests.fakes.okta_org import Scenario, totp_now
from tests.helpers import THOROUGH, assert_failed, assert_ok

USERNAME, PASSWORD = "alice@example.com", "pa55-never-elsewhere"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

FORMS = {
    "login": '<input name="username" autocomplete="username"><input type="password" name="password">',
    "password": '<input type="password" name="password">',
    "identifier": '<input type="email" name="email" autocomplete="username">',
    "zipcode": '<input name="zipcode" maxlength="8">',
}


def page(form: str, action: str) -> str:
    return (f'<!doctype html><html><body><h1>Sign in</h1><form method="post" action="{html.escape(action)}">'
            f'{FORMS[form]}<button type="submit">Sign in</button></form></body></html>')


def saml_page() -> str:
    b64 = saml_idp.build_saml_response(Scenario(), USERNAME)
    return (f'<form method="post" action="{saml_idp.AWS_SIGNIN_URL}"><input type="hidden" name="SAMLResponse" '
            f'value="{html.escape(b64)}"></form><script>document.forms[0].submit()</script>')


@pytest.fixture(scope="module")
def idp():
    with PageServer("127.0.0.1") as server:
        yield server


@pytest.fixture(scope="module")
def other():
    with PageServer("127.0.0.2") as server:
        yield server


@pytest.fixture
def servers(idp, other):
    for server in (idp, other):
        server.pages.clear()
        server.requests.clear()
    return idp, other


def generic_config(home, entry_url, **more):
    config = {"provider": "generic", "idpEntryUrl": entry_url, "region": "us-east-1", "timeoutSeconds": 20,
              "defaultAccount": "staging", "accounts": {"staging": "123456789012"}, **more}
    (home / "config.json").write_text(json.dumps(config))


def secrets_in(bodies) -> list:
    return [b for b in bodies if USERNAME.split("@")[0] in b or PASSWORD in b or "zipcode=" in b]


def test_a_redirect_to_a_sign_in_form_on_another_host_gets_nothing(servers, sts, home, run_cli):
    idp, other = servers
    idp.pages["/start"] = (302, {"Location": other.base_url + "/login"}, "")
    other.pages["/login"] = (200, {}, page("login", "/collect"))
    generic_config(home, idp.base_url + "/start")
    result = run_cli("--username", USERNAME, "--password", PASSWORD)
    assert_failed(result, 1, f"did not type into {other.base_url}", "signInOrigins")
    assert other.posted() == [] and secrets_in(b for _, _, b in idp.requests + other.requests) == []
    assert not (home / ".aws" / "credentials").exists()


def test_a_form_of_the_idp_that_posts_elsewhere_gets_nothing(servers, sts, home, run_cli):
    idp, other = servers
    idp.pages["/start"] = (200, {}, page("login", other.base_url + "/collect"))
    generic_config(home, idp.base_url + "/start")
    result = run_cli("--username", USERNAME, "--password", PASSWORD)
    assert_failed(result, 1, f"did not type into {other.base_url}", "form's target")
    assert other.requests == [] and idp.posted() == []


def test_a_code_field_on_another_host_never_gets_a_code_from_the_secret(servers, sts, home, run_cli):
    idp, other = servers
    idp.pages["/start"] = (302, {"Location": other.base_url + "/verify"}, "")
    other.pages["/verify"] = (200, {}, page("zipcode", "/collect"))
    generic_config(home, idp.base_url + "/start")
    result = run_cli("--username", USERNAME, "--password", PASSWORD, env={"AWS_STS_TOTP_SECRET": SECRET})
    assert_failed(result, 1, f"did not type into {other.base_url}")
    assert other.posted() == []


def test_an_okta_look_alike_elsewhere_gets_nothing_and_a_configured_origin_works(
        servers, org, sts, home, run_cli, write_config):
    idp, _ = servers
    idp.pages["/start"] = (302, {"Location": org.app_url}, "")  # the org is on another port: another origin
    write_config(idpEntryUrl=idp.base_url + "/start")
    result = run_cli("--username", org.scenario.username, "--password", org.scenario.password,
                     "--otp", totp_now(org.scenario.totp_secret))
    assert_failed(result, 1, f"did not type into {org.base_url}", "signInOrigins")
    assert org.primary_sign_ins() == [] and "verify:totp:ok" not in org.events

    write_config(idpEntryUrl=idp.base_url + "/start", signInOrigins=[org.base_url])
    result = run_cli("--username", org.scenario.username, "--password", org.scenario.password,
                     "--otp", totp_now(org.scenario.totp_secret))
    assert_ok(result)
    assert org.primary_sign_ins() == ["authn:ok"]


@settings(max_examples=12 if THOROUGH else 4, deadline=None, suppress_health_check=list(HealthCheck))
@given(form=st.sampled_from(sorted(FORMS)), form_on=st.sampled_from(["idp", "other"]),
       posts_to=st.sampled_from(["same", "idp", "other"]), redirect=st.booleans())
def test_no_secret_ever_leaves_for_an_origin_the_rule_does_not_allow(servers, sts, home, run_cli,
                                                                     form, form_on, posts_to, redirect):
    idp, other = servers
    for server in servers:
        server.pages.clear()
        server.requests.clear()
    host = {"idp": idp, "other": other}[form_on]
    action = "/collect" if posts_to == "same" else {"idp": idp, "other": other}[posts_to].base_url + "/collect"
    host.pages["/login"] = (200, {}, page(form, action))
    idp.pages["/collect"] = (200, {}, saml_page())
    if redirect or form_on == "other":
        idp.pages["/start"] = (302, {"Location": host.base_url + "/login"}, "")
    else:
        idp.pages["/start"] = (200, {}, page(form, action))
    generic_config(home, idp.base_url + "/start", timeoutSeconds=10)
    result = run_cli("--username", USERNAME, "--password", PASSWORD, env={"AWS_STS_TOTP_SECRET": SECRET})
    allowed = form_on == "idp" and posts_to != "other"
    assert other.posted() == []  # whatever the page: nothing is ever posted to the other host
    if allowed:
        assert secrets_in(idp.posted()) and "did not type" not in result.stderr, result.stderr
    else:
        assert_failed(result, 1, "did not type into")
        assert idp.posted() == []


def test_two_sign_in_forms_are_a_page_it_does_not_know_not_a_timeout(servers, sts, home, run_cli):
    idp, _ = servers
    two = "".join(f'<form method="post" action="/{name}">{FORMS["login"]}</form>' for name in "ab")
    idp.pages["/start"] = (200, {}, f"<!doctype html><html><body>{two}<button>Sign in</button></body></html>")
    generic_config(home, idp.base_url + "/start", timeoutSeconds=120)
    result = run_cli("--username", USERNAME, "--password", PASSWORD, timeout=60)
    assert_failed(result, 1, "cannot answer")
    assert "Timed out" not in result.stderr and idp.posted() == []
