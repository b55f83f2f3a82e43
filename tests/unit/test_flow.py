"""aws_sts.flow with a provider of the test's own (no browser) and the fake STS over real HTTP.

The provider is registered like a real one (providers.PROVIDERS, named by config.json's "provider") and
returns an unsigned Okta-shaped SAML Response; everything after it is the real code: SAML parsing, the
role choice, AssumeRoleWithSAML, the second hop, the credentials file.
"""

from __future__ import annotations

import json
import os
from itertools import product

import pytest

from aws_sts import flow, providers, sts, target
from aws_sts.errors import AuthenticationError, CredentialsFileError, NoTtyError, RoleChoiceError, SamlError
from aws_sts.prompts import Prompts
from aws_sts.saml import Role
from tests.fakes.sts_server import FakeSts
from tests.helpers import (
    ADMIN,
    DEV,
    DEV_P,
    OTHER_P,
    OTHER_RO,
    PROD_DEV,
    PROD_P,
    PRODUCTION,
    STAGING,
    assertion,
    read_profile,
)

SANDBOX = "444444444444"
SANDBOX_DEV = f"arn:aws:iam::{SANDBOX}:role/Developer"
SANDBOX_P = f"arn:aws:iam::{SANDBOX}:saml-provider/Okta"
ALL_ROLES = [(DEV, DEV_P), (ADMIN, DEV_P), (PROD_DEV, PROD_P), (SANDBOX_DEV, SANDBOX_P), (OTHER_RO, OTHER_P)]
TOP_URL, SANDBOX_URL = "https://idp.example.com/app/aws", "https://idp.example.com/app/aws-sandbox"
# Account -> its name in the config (333333333333 is in the assertion but not in the config).
NAMES = {STAGING: "staging", PRODUCTION: "production", SANDBOX: "sandbox"}


class FakeProvider(providers.Provider):
    """A provider as providers.Provider describes it: signs in by handing back the SAML it was given."""

    name = "Fake IdP"
    config_keys = frozenset({"fakeTenant"})

    def __init__(self, settings=None):
        super().__init__(settings)
        self.saml = assertion(ALL_ROLES)  # what login returns
        self.cookies = []  # the browser's cookies after the sign-in, as login reports them
        self.requests = []  # every LoginRequest it got
        self.error = None  # raised by login instead, when set
        self.on_login = None  # called with the request, when set

    def login(self, request):
        self.requests.append(request)
        if self.on_login:
            self.on_login(request)
        if self.error:
            raise self.error
        return providers.Login(self.saml, self.cookies)

    def logout(self, entry_url, cookies, timeout):
        return None


@pytest.fixture(scope="module", autouse=True)
def fake_provider_and_sts(tmp_path_factory):
    """The provider registered under "fake", the fake STS, and an environment with no AWS settings but its URL."""
    with pytest.MonkeyPatch.context() as mp, FakeSts() as server:
        mp.setitem(providers.PROVIDERS, "fake", f"{__name__}:FakeProvider")
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            mp.delenv(name)
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("AWS_CONFIG_FILE", str(tmp_path_factory.mktemp("aws") / "no-config"))
        mp.setenv("AWS_ENDPOINT_URL_STS", server.endpoint_url)
        mp.setattr(sts, "BACKOFF_SECONDS", 0.02)
        yield server


@pytest.fixture
def fake(fake_provider_and_sts):
    server = fake_provider_and_sts
    server.calls.clear()
    server.max_session_duration.clear()
    return server


@pytest.fixture
def idp():
    """The provider the flow signs in with (passed to get_assertion)."""
    return FakeProvider()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # the stored IdP session lives under ~/.aws/aws-sts
    return tmp_path


@pytest.fixture
def cfg(home):
    """staging (default) and production share the top entry URL; sandbox has its own."""
    path = home / "config.json"
    path.write_text(json.dumps({
        "provider": "fake", "fakeTenant": "t1", "region": "eu-west-1", "outputFormat": "json",
        "idpEntryUrl": TOP_URL, "defaultAccount": "staging", "timeoutSeconds": 30,
        "accounts": {"staging": STAGING, "production": PRODUCTION,
                     "sandbox": {"accountNumber": SANDBOX, "idpEntryUrl": SANDBOX_URL}},
    }))
    return flow_config(path, home)


def flow_config(path, home):
    from aws_sts import config

    return config.load(str(path), environ={"HOME": str(home)})


def quiet() -> Prompts:
    return Prompts(interactive=False)


def answers(username=None, password=None, otp=None) -> flow.Answers:
    return flow.Answers(quiet(), username, password, otp)


def role_of(a, arn):
    return next(r for r in a.roles if r.arn == arn)


# -- step 2-5: the provider ---------------------------------------------------------------------------------

@pytest.mark.parametrize("account_name, url", [("staging", TOP_URL), ("production", TOP_URL),
                                               ("sandbox", SANDBOX_URL)])
def test_the_provider_gets_the_accounts_url_and_the_answers(fake, cfg, account_name, url, idp):
    prompts = quiet()
    given = flow.Answers(prompts, "alice@example.com", "correct horse", "123456")
    a = flow.get_assertion(cfg, cfg.account(account_name), given, debug=True, provider=idp)
    [request] = idp.requests
    assert (request.entry_url, request.answers.username(), request.answers.password(), request.otp) == (
        url, "alice@example.com", "correct horse", "123456")
    assert request.prompts is prompts and request.timeout == 30 and request.debug is True
    assert request.cookies is None  # no stored session yet
    assert [r.arn for r in a.roles] == [arn for arn, _ in ALL_ROLES]
    assert a.b64 == idp.saml


def test_the_configs_provider_is_made_with_its_own_keys_and_signs_in_when_none_is_passed(fake, cfg):
    made = providers.get_provider(cfg.provider, cfg.provider_settings)
    assert isinstance(made, FakeProvider) and made.settings == {"fakeTenant": "t1"}  # its own keys, and only those
    a = flow.get_assertion(cfg, cfg.account(None), answers("alice", "pw"))  # the config's provider, from the registry
    assert [r.arn for r in a.roles] == [arn for arn, _ in ALL_ROLES]


def test_every_registered_provider_implements_the_interface():
    for name in providers.names():
        made = providers.get_provider(name, {})
        assert isinstance(made, providers.Provider) and made.name and isinstance(made.config_keys, frozenset)
        assert made.switch_keys <= made.config_keys

    class Incomplete(providers.Provider):  # no logout
        def login(self, request):
            return providers.Login("")

    with pytest.raises(TypeError):
        Incomplete()


def test_answers_never_show_the_password_or_code():
    text = repr(answers("alice", "hunter22-secret", "135791"))
    assert "alice" in text and "hunter22-secret" not in text and "135791" not in text


def test_what_is_missing_is_asked_only_when_a_page_asks(fake, cfg, idp):
    """A provider that never asks for the password (a live session) gets no prompt, so no terminal is needed;
    one that asks, without a terminal, gets the error naming the flag."""
    given = answers()
    flow.get_assertion(cfg, cfg.account(None), given, provider=idp)
    assert given.secrets() == []
    with pytest.raises(NoTtyError, match="--password"):
        given.password()


def test_boto3_is_preloaded_only_once_the_browser_has_asked_for_the_page(fake, cfg, monkeypatch, idp):
    """Imports in a thread hold the GIL: started before Playwright has imported and started its driver, they
    slowed a fresh sign-in by ~0.15 s. So the preload waits for the provider's page_requested()."""
    events = []
    monkeypatch.setattr(sts, "preload", lambda *a, **k: events.append("preload"))

    def login(request):
        events.append("login")
        request.page_requested()
        request.page_requested()  # once at most
        events.append("page requested")

    idp.on_login = login
    flow.get_assertion(cfg, cfg.account(None), answers("alice", "pw"), provider=idp)
    assert events == ["login", "preload", "page requested"]


IDP_COOKIE = {"name": "sid", "value": "102session-cookie-value", "domain": "idp.example.com", "path": "/",
              "expires": -1, "httpOnly": True, "secure": True, "sameSite": "Lax"}
OTHER_COOKIE = {**IDP_COOKIE, "name": "tracker", "domain": "ads.example.net"}


def test_the_session_is_stored_after_a_sign_in_and_handed_to_the_next_one(fake, cfg, home, idp):
    idp.cookies = [IDP_COOKIE, OTHER_COOKIE]
    flow.get_assertion(cfg, cfg.account(None), answers("alice", "pw"), provider=idp)
    stored = home / ".aws" / "aws-sts" / "sessions" / "idp.example.com.json"
    assert stored.stat().st_mode & 0o777 == 0o600
    assert "ads.example.net" not in stored.read_text()  # only the IdP's cookies
    # The next run starts with them (the fast path cannot reach idp.example.com: it hands over to the provider).
    flow.get_assertion(cfg, cfg.account("production"), answers(), provider=idp)
    assert [c["name"] for c in idp.requests[-1].cookies] == ["sid"]


def test_no_session_is_stored_after_a_failed_sign_in(fake, cfg, home, idp):
    idp.cookies = [IDP_COOKIE]
    idp.saml = assertion([])
    with pytest.raises(SamlError):
        flow.get_assertion(cfg, cfg.account(None), answers("alice", "pw"), provider=idp)
    idp.saml, idp.error = assertion(ALL_ROLES), AuthenticationError("Okta: no")
    with pytest.raises(AuthenticationError):
        flow.get_assertion(cfg, cfg.account(None), answers("alice", "pw"), provider=idp)
    assert not (home / ".aws" / "aws-sts" / "sessions").exists() or not any((home / ".aws/aws-sts/sessions").iterdir())


def test_remember_session_false_stores_nothing_and_uses_nothing(fake, cfg, home, idp):
    idp.cookies = [IDP_COOKIE]
    flow.get_assertion(cfg, cfg.account(None), answers("alice", "pw"), provider=idp)  # stored
    off = flow_config(_with(cfg.path, rememberSession=False), home)
    stored = home / ".aws" / "aws-sts" / "sessions" / "idp.example.com.json"
    before = stored.read_bytes()
    idp.cookies = [{**IDP_COOKIE, "value": "102another-session-value"}]
    flow.get_assertion(off, off.account(None), answers("alice", "pw"), provider=idp)
    assert idp.requests[-1].cookies is None and stored.read_bytes() == before


def _with(path, **changes):
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))
    return path


def test_an_assertion_without_roles_is_a_saml_error(fake, cfg, idp):
    idp.saml = assertion([])
    with pytest.raises(SamlError, match="No roles are assigned"):
        flow.get_assertion(cfg, cfg.account(None), answers("alice", "pw"), provider=idp)


def test_a_provider_refusal_reaches_the_caller_and_sts_is_not_called(fake, cfg, idp):
    idp.error = AuthenticationError("Okta: Password is incorrect")
    with pytest.raises(AuthenticationError, match="Password is incorrect"):
        flow.get_assertion(cfg, cfg.account(None), answers("alice", "pw"), provider=idp)
    assert fake.calls == []


# -- step 6: the role ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("wanted, account_name, expected", [
    ("production/Developer", "staging", PROD_DEV),
    ("Developer", "production", PROD_DEV),  # a bare name prefers the chosen account
    ("Developer", "staging", DEV),
    (SANDBOX_DEV, "staging", SANDBOX_DEV),
    (None, "production", PROD_DEV),  # the chosen account's only role, without asking
    (None, "sandbox", SANDBOX_DEV),
])
def test_pick_role(fake, cfg, wanted, account_name, expected, idp):
    a = flow.get_assertion(cfg, cfg.account(account_name), answers("alice", "pw"), provider=idp)
    assert flow.pick_role(a, wanted, cfg, cfg.account(account_name), quiet()).arn == expected


def test_several_roles_and_no_terminal_names_the_flag(fake, cfg, idp):
    a = flow.get_assertion(cfg, cfg.account("staging"), answers("alice", "pw"), provider=idp)
    with pytest.raises((NoTtyError, RoleChoiceError)) as info:
        flow.pick_role(a, None, cfg, cfg.account("staging"), quiet())
    assert "--role" in str(info.value)


# -- step 7: STS and the second hop ------------------------------------------------------------------------

def test_second_hop_rule(cfg):
    staging, production, sandbox = cfg.account("staging"), cfg.account("production"), cfg.account("sandbox")
    role = {arn: Role(arn, p) for arn, p in ALL_ROLES}
    # the default account: never
    assert not any(target.second_hop(cfg, staging, r.account_id) for r in role.values())
    # another account without an entry URL of its own: for a role of any other account
    assert target.second_hop(cfg, production, role[DEV].account_id)
    assert target.second_hop(cfg, production, role[OTHER_RO].account_id)
    assert not target.second_hop(cfg, production, role[PROD_DEV].account_id)  # already in it
    # an account with its own entry URL: its sign-in gives its own roles; never
    assert not any(target.second_hop(cfg, sandbox, r.account_id) for r in role.values())


@pytest.mark.parametrize("account_name, arn", list(product(["staging", "production", "sandbox"],
                                                          [arn for arn, _ in ALL_ROLES])))
def test_credentials_are_for_the_account_the_profile_is_named_after(fake, cfg, account_name, arn, idp):
    account = cfg.account(account_name)
    a = flow.get_assertion(cfg, account, answers("alice", "pw"), provider=idp)
    role = role_of(a, arn)
    # Only production is another account than the default without an entry URL of its own.
    hop = account_name == "production" and role.account_id != PRODUCTION
    assert target.second_hop(cfg, account, role.account_id) is hop
    issued = flow.get_credentials(a, role, cfg, account)

    assert [c["action"] for c in fake.calls] == ["AssumeRoleWithSAML"] + (["AssumeRole"] if hop else [])
    assert fake.calls[0]["params"]["RoleArn"] == arn
    final_account = issued.result.assumed_role_arn.split(":")[4]
    assert final_account == (account.number if hop else role.account_id)
    if hop:
        assert fake.calls[1]["params"] == {"RoleArn": f"arn:aws:iam::{account.number}:role/{role.name}",
                                           "RoleSessionName": "alice@example.com", "DurationSeconds": "3600"}
    # The profile's name starts with the name of the account the keys are for (its number if unnamed).
    assert issued.default_profile == f"{NAMES.get(final_account, final_account)}-{role.name}"
    assert issued.role == role and issued.result.credentials.access_key_id.startswith("ASIA")


def test_a_duration_over_the_roles_maximum_is_said_and_asked_again(fake, cfg, idp):
    idp.saml = assertion(ALL_ROLES, session_duration=28800)
    a = flow.get_assertion(cfg, cfg.account(None), answers("alice", "pw"), provider=idp)
    said = []
    issued = flow.get_credentials(a, role_of(a, DEV), cfg, cfg.account(None), say=said.append)
    assert said == ["The role allows less than 28800 s; asking for 3600 s instead."]
    assert [c["params"].get("DurationSeconds") for c in fake.calls] == ["28800", "3600"]
    assert issued.default_profile == "staging-Developer"


# -- step 8 and the checks before sign-in -------------------------------------------------------------------

def test_the_whole_flow_writes_the_profile(fake, cfg, home, idp):
    account = cfg.account("production")
    a = flow.get_assertion(cfg, account, answers("alice", "pw"), provider=idp)
    issued = flow.get_credentials(a, flow.pick_role(a, "staging/Admin", cfg, account, quiet()), cfg, account)
    assert issued.default_profile == "production-Admin"  # through the second hop
    written = flow.emit_profile(cfg, issued.default_profile, issued)
    assert written == home / ".aws" / "credentials"
    profile = read_profile(home, "production-Admin")
    keys = issued.result.credentials
    assert profile["aws_access_key_id"] == keys.access_key_id
    assert profile["aws_secret_access_key"] == keys.secret_access_key
    assert profile["aws_session_token"] == keys.session_token
    assert profile["region"] == "eu-west-1" and profile["output"] == "json"
    assert profile["x_principal_arn"] == f"arn:aws:iam::{PRODUCTION}:role/Admin"  # the role the keys are for
    session = fake.sessions[keys.access_key_id]
    assert session["secret"] == keys.secret_access_key


def test_checks_before_sign_in_refuse_what_would_fail_later(fake, cfg, home, idp):
    flow.check_before_sign_in(cfg, "production-Admin", "staging/Admin")  # all fine: no error, nothing written
    assert not (home / ".aws").exists()
    with pytest.raises(RoleChoiceError):
        flow.check_before_sign_in(cfg, None, "qa/Developer")  # no such account in the config
    credentials = home / ".aws" / "credentials"
    credentials.parent.mkdir()
    credentials.write_text("[dev]\naws_access_key_id = A\nthis line is no key\n")
    with pytest.raises(CredentialsFileError):
        flow.check_before_sign_in(cfg, "dev", None)
    assert credentials.read_text() == "[dev]\naws_access_key_id = A\nthis line is no key\n"
    assert idp.requests == [] and fake.calls == []
