import json
from pathlib import Path

import pytest

from aws_sts import config
from aws_sts.errors import ConfigError

BASE = {
    "awsConfigPath": "/.aws/credentials",
    "outputFormat": "json",
    "region": "us-east-1",
    "provider": "okta",
    "idpEntryUrl": "https://example.okta.com/home/amazon_aws/0oa1/272",
    "defaultAccount": "staging",
    "accounts": {"staging": "123456789012", "production": "210987654321"},
}


def load(tmp_path, data, env=None):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return config.load(str(path), environ=env or {"HOME": str(tmp_path)})


def test_string_accounts_shape(tmp_path):
    cfg = load(tmp_path, BASE)
    assert cfg.accounts["production"].number == "210987654321"
    assert cfg.accounts["production"].idp_entry_url == BASE["idpEntryUrl"]
    assert not cfg.accounts["production"].has_own_entry_url
    assert cfg.credentials_path == tmp_path / ".aws" / "credentials"
    assert cfg.account(None).name == "staging"


def test_object_accounts_shape_with_own_entry_url(tmp_path):
    data = dict(BASE, accounts={
        "staging": {"accountNumber": "123456789012"},
        "production": {"accountNumber": "210987654321", "idpEntryUrl": "https://example.okta.com/home/amazon_aws/0oa2/272"},
    })
    cfg = load(tmp_path, data)
    assert cfg.accounts["staging"].idp_entry_url == BASE["idpEntryUrl"]
    assert cfg.accounts["production"].idp_entry_url.endswith("0oa2/272")
    assert cfg.accounts["production"].has_own_entry_url


def test_tilde_and_env_credentials_path(tmp_path):
    cfg = load(tmp_path, dict(BASE, awsConfigPath="~/creds"), env={"HOME": str(tmp_path)})
    assert cfg.credentials_path.name == "creds"
    cfg = load(tmp_path, BASE, env={"HOME": str(tmp_path), "AWS_SHARED_CREDENTIALS_FILE": "/x/y"})
    assert cfg.credentials_path == Path("/x/y")


@pytest.mark.parametrize("change, words", [
    ({"defaultAccount": "nope"}, ["defaultAccount", "staging, production"]),
    ({"accounts": {"staging": "12345"}}, ["accounts.staging", "12-digit"]),
    ({"accounts": {"staging": 123456789012}}, ["accounts.staging", "12-digit"]),
    ({"accounts": {"staging": {"idpEntryUrl": "https://x.okta.com/"}}}, ["accounts.staging.accountNumber", "missing"]),
    ({"idpEntryUrl": "http://example.okta.com/x"}, ["idpEntryUrl", "https"]),
    ({"provider": "onelogin"}, ["provider", "okta"]),
    ({"region": 5}, ["region", "string"]),
    ({"accounts": []}, ["accounts"]),
])
def test_invalid_values_name_the_key(tmp_path, change, words):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, dict(BASE, **change))
    message = str(info.value)
    assert str(tmp_path / "config.json") in message
    for word in words:
        assert word in message


def test_missing_key_is_named(tmp_path):
    data = dict(BASE)
    del data["defaultAccount"]
    with pytest.raises(ConfigError, match="'defaultAccount' is missing"):
        load(tmp_path, data)


def test_loopback_http_allowed(tmp_path):
    cfg = load(tmp_path, dict(BASE, idpEntryUrl="http://127.0.0.1:8080/home/amazon_aws/x/272"))
    assert cfg.idp_entry_url.startswith("http://127.0.0.1")


def test_unknown_key_warns(tmp_path, capsys):
    cfg = load(tmp_path, dict(BASE, colour="blue"))
    assert ["unknown key 'colour'" in line for line in cfg.warnings] == [True]
    assert capsys.readouterr().err == ""  # the CLI prints them (config.py prints nothing)
    with pytest.raises(ConfigError) as error:  # a misspelt key often explains a later error: said with it
        load(tmp_path, dict(BASE, colour="blue", region="nowhere"))
    assert ["unknown key 'colour'" in line for line in error.value.warnings] == [True]


def test_bad_json_names_line(tmp_path):
    with pytest.raises(ConfigError, match="line 2"):
        load(tmp_path, '{\n "region": }')


def test_search_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"
    (home / ".config/aws-sts").mkdir(parents=True)
    (home / ".config/aws-sts/config.json").write_text(json.dumps(BASE))
    monkeypatch.setenv("HOME", str(home))
    assert config.find_config(None, environ={}) == home / ".config/aws-sts/config.json"
    (tmp_path / "config.json").write_text(json.dumps(BASE))
    assert config.find_config(None, environ={}) == Path("config.json")
    assert config.find_config(None, environ={"AWS_STS_CONFIG": "/elsewhere.json"}) == Path("/elsewhere.json")
    assert config.find_config("given.json", environ={"AWS_STS_CONFIG": "/x"}) == Path("given.json")


def test_remember_session_defaults_to_true_and_can_be_turned_off(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(BASE))
    assert config.load(str(path), environ={"HOME": str(tmp_path)}).remember_session is True
    path.write_text(json.dumps({**BASE, "rememberSession": False}))
    assert config.load(str(path), environ={"HOME": str(tmp_path)}).remember_session is False


def test_example_config_loads(tmp_path):
    example = Path(__file__).parents[2] / "config.example.json"
    cfg = config.load(str(example), environ={"HOME": str(tmp_path)})
    assert cfg.default_account in cfg.accounts


# Values that pass a type check but would fail later (in the browser, the credentials file, argparse,
# botocore) fail at load, naming the key and echoing at most a short, escaped piece of the value.
@pytest.mark.parametrize("change, key", [
    ({"region": "us-east-1\n[evil]"}, "region"),
    ({"region": "mars-1"}, "region"),
    ({"region": "us-east-\u0661"}, "region"),
    ({"outputFormat": "xml"}, "outputFormat"),
    ({"outputFormat": "json\r\nregion = x"}, "outputFormat"),
    ({"timeoutSeconds": float("nan")}, "timeoutSeconds"),
    ({"timeoutSeconds": float("inf")}, "timeoutSeconds"),
    ({"timeoutSeconds": 1e308}, "timeoutSeconds"),
    ({"timeoutSeconds": 0}, "timeoutSeconds"),
    ({"timeoutSeconds": True}, "timeoutSeconds"),
    ({"timeoutSeconds": "60"}, "timeoutSeconds"),
    ({"rememberSession": "false"}, "rememberSession"),
    ({"rememberSession": 0}, "rememberSession"),
    ({"rememberSession": None}, "rememberSession"),
    ({"awsConfigPath": "/.aws/cre\x00dentials"}, "awsConfigPath"),
    ({"awsConfigPath": "/.aws/"}, "awsConfigPath"),
    ({"browserPath": "/usr/bin/chromium\n"}, "browserPath"),
    ({"browserPath": "/" + "x" * 5000}, "browserPath"),
    ({"accounts": {"staging": "١٢٣٤٥٦٧٨٩٠١٢"}}, "accounts.staging"),
    ({"accounts": {"staging": "123456789012\n"}}, "accounts.staging"),
    ({"accounts": {"DEFAULT": "123456789012"}, "defaultAccount": "DEFAULT"}, "accounts"),
    ({"accounts": {"a b": "123456789012"}, "defaultAccount": "a b"}, "accounts"),
    ({"accounts": {"a[b]": "123456789012"}, "defaultAccount": "a[b]"}, "accounts"),
    ({"accounts": {"-x": "123456789012"}, "defaultAccount": "-x"}, "accounts"),
    ({"accounts": {"100%": "123456789012"}, "defaultAccount": "100%"}, "accounts"),
    ({"accounts": {"x" * 49: "123456789012"}, "defaultAccount": "x" * 49}, "accounts"),
    ({"idpEntryUrl": "https://example.okta.com\\@evil.com/"}, "idpEntryUrl"),
    ({"idpEntryUrl": "http://127.1/"}, "idpEntryUrl"),
    ({"idpEntryUrl": "http://0x7f.0.0.1/"}, "idpEntryUrl"),
    ({"idpEntryUrl": "http://2130706433/"}, "idpEntryUrl"),
    ({"idpEntryUrl": "http://127.0.0.1./"}, "idpEntryUrl"),
    ({"idpEntryUrl": "http://127.0.0.1.evil.com/"}, "idpEntryUrl"),
    ({"idpEntryUrl": "http://loc%61lhost/"}, "idpEntryUrl"),
    ({"idpEntryUrl": "http://LOCALHOST/"}, "idpEntryUrl"),
    ({"idpEntryUrl": "http:\\\\localhost/"}, "idpEntryUrl"),
    ({"idpEntryUrl": "https://exa\tmple.okta.com/"}, "idpEntryUrl"),
    ({"idpEntryUrl": "https://example.okta.com:0/"}, "idpEntryUrl"),
    ({"idpEntryUrl": "https://example.okta.com:08443/"}, "idpEntryUrl"),
    ({"idpEntryUrl": "https://xn--a.com/"}, "idpEntryUrl"),
    ({"idpEntryUrl": "https://[0:0:0:0:0:0:0:1]/"}, "idpEntryUrl"),
    ({"accounts": {"staging": {"accountNumber": "123456789012", "idpEntryUrl": "http://[::ffff:7f00:1]/"}}},
     "accounts.staging.idpEntryUrl"),
])
def test_values_that_would_fail_later_fail_at_load(tmp_path, change, key):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, dict(BASE, **change))
    message = str(info.value)
    assert f"key '{key}'" in message
    assert len(message) < 300 and "\n" not in message and "\t" not in message and "\x00" not in message


@pytest.mark.parametrize("url", [
    "http://localhost:8080/home/amazon_aws/x/272", "http://127.0.0.2/x", "http://[::1]:9000/x",
    "https://xn--nxasmq6b.example.com/x", "https://10.1.2.3:8443/x", "https://[2001:db8::1]/x",
])
def test_canonical_entry_urls_load(tmp_path, url):
    assert load(tmp_path, dict(BASE, idpEntryUrl=url)).idp_entry_url == url


@pytest.mark.parametrize("change", [
    {"idpEntryUrl": "https://alice:s3cretPW@example.okta.com/x"},
    {"idpEntryUrl": "https://alice:s3cretPW@example.okta.com/x\n"},  # fails the control-character check first
    {"idpEntryUrl": "http://alice:s3cretPW@127.0.0.1\\@example.okta.com/"},
    {"accounts": {"staging": {"accountNumber": "123456789012", "idpEntryUrl": "https://alice:s3cretPW@x.com/"}}},
    {"browserPath": "https://alice:s3cretPW@x.com/\t"},
    {"defaultAccount": "alice:s3cretPW@x"},
])
def test_a_password_is_never_echoed(tmp_path, change):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, dict(BASE, **change))
    assert "s3cretPW" not in str(info.value) and "alice" not in str(info.value)


def test_a_megabyte_value_is_echoed_short(tmp_path):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, dict(BASE, defaultAccount="A" * 200_000 + "\x1b[2J"))
    assert "'defaultAccount'" in str(info.value) and len(str(info.value)) < 300


@pytest.mark.parametrize("content, words", [
    (b" " * (1024 * 1024 + 1), ["larger than 1 MB"]),
    (b"[" * 100_000 + b"]" * 100_000, ["nested too deeply"]),
    (b'{"timeoutSeconds": ' + b"9" * 5000 + b"}", ["number is too long"]),
    (b'{"a": "\xff"}', ["not UTF-8"]),
])
def test_unusable_files_name_the_file(tmp_path, content, words):
    path = tmp_path / "config.json"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        config.load(str(path), environ={"HOME": str(tmp_path)})
    assert str(path) in str(info.value) and all(word in str(info.value) for word in words)
    assert len(str(info.value)) < 300


def test_a_directory_or_a_byte_order_mark(tmp_path):
    with pytest.raises(ConfigError, match="Cannot read"):
        config.load(str(tmp_path), environ={})
    path = tmp_path / "config.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(BASE).encode())  # as Windows editors save it
    assert config.load(str(path), environ={"HOME": str(tmp_path)}).region == "us-east-1"


def test_a_mistyped_key_is_named_with_the_one_meant(tmp_path):
    cfg = load(tmp_path, dict(BASE, idpEntryURL="https://x.okta.com/app", regoin="eu-west-1",
                              accounts={"staging": {"accountNumber": "123456789012", "idpEntryURL": "https://x"}}))
    said = " ".join(cfg.warnings)
    assert "unknown key 'idpEntryURL' is ignored (did you mean 'idpEntryUrl'?)" in said
    assert "unknown key 'regoin' is ignored (did you mean 'region'?)" in said
    assert "unknown key 'accounts.staging.idpEntryURL' is ignored (did you mean 'idpEntryUrl'?)" in said
    assert load(tmp_path, dict(BASE, colour="blue")).warnings[0].endswith("unknown key 'colour' is ignored.")


def test_many_unknown_keys_warn_briefly(tmp_path):
    err = load(tmp_path, dict(BASE, **{f"extra{i}\n": i for i in range(1000)})).warnings
    assert len(err) == 4 and "and 997 more unknown keys" in err[-1]
    assert all("\n" not in line and len(line) < 200 for line in err)


GENERIC = dict(BASE, provider="generic", idpEntryUrl="https://idp.example.org/adfs/ls/IdpInitiatedSignOn.aspx"
               "?loginToRp=urn:amazon:webservices")


def test_generic_provider_takes_a_logout_url(tmp_path, capsys):
    cfg = load(tmp_path, dict(GENERIC, logoutUrl="https://idp.example.org/adfs/ls/?wa=wsignout1.0"))
    assert cfg.provider == "generic"
    assert cfg.provider_settings == {"logoutUrl": "https://idp.example.org/adfs/ls/?wa=wsignout1.0"}
    assert cfg.warnings == ()
    assert load(tmp_path, GENERIC).provider_settings == {}


@pytest.mark.parametrize("url, words", [
    ("http://idp.example.org/logout", ["logoutUrl", "https"]),
    ("javascript:alert(1)", ["logoutUrl"]),
    (7, ["logoutUrl", "string"]),
])
def test_generic_logout_url_is_checked_like_an_entry_url(tmp_path, url, words):
    with pytest.raises(ConfigError) as err:
        load(tmp_path, dict(GENERIC, logoutUrl=url))
    for word in words:
        assert word in str(err.value)


def test_logout_url_is_not_an_okta_key(tmp_path, capsys):
    cfg = load(tmp_path, dict(BASE, logoutUrl="https://example.okta.com/login/signout"))
    assert cfg.provider_settings == {}
    assert ["unknown key 'logoutUrl'" in line for line in cfg.warnings] == [True]


def test_the_generic_example_and_entry_urls_of_the_docs_load(tmp_path):
    """docs/configuration.md "Other identity providers" (the README links there): its config example loads, and
    every entry URL of its table (those without a placeholder) is accepted as idpEntryUrl as written."""
    import re

    docs = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    section = docs[docs.index("## Other identity providers"):]
    example = re.search(r"```json\n(.*?)```", section, re.S).group(1)
    cfg = load(tmp_path, example)
    assert cfg.provider == "generic" and set(cfg.provider_settings) == {"logoutUrl"}
    urls = re.findall(r"^\| [^|]+ \| `(https://[^`<]+)` \|$", section, re.M)
    assert len(urls) >= 4
    for url in urls:
        assert load(tmp_path, dict(GENERIC, idpEntryUrl=url)).idp_entry_url == url


def test_sign_in_origins_are_origins_as_the_browser_compares_them(tmp_path):
    cfg = load(tmp_path, dict(BASE, signInOrigins=["https://login.example.com", "https://sso.example.com:8443/"]))
    assert cfg.sign_in_origins == ("https://login.example.com", "https://sso.example.com:8443")
    assert load(tmp_path, BASE).sign_in_origins == ()


@pytest.mark.parametrize("value, words", [
    ("https://login.example.com", "must be a list"),
    (["https://login.example.com/saml"], "origins only"),
    (["https://login.example.com/?a=1"], "origins only"),
    (["http://login.example.com"], "https"),
    (["https://user:pw@login.example.com"], "signInOrigins"),
    ([42], "non-empty string"),
    (["https://a.example.com"] * 11, "at most 10"),
])
def test_sign_in_origins_are_checked(tmp_path, value, words):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, dict(BASE, signInOrigins=value))
    assert "signInOrigins" in str(info.value) and words in str(info.value)
    assert "pw" not in str(info.value)


def test_stay_signed_in_is_an_okta_switch(tmp_path):
    assert load(tmp_path, dict(BASE, staySignedIn=True)).provider_settings == {"staySignedIn": True}
    with pytest.raises(ConfigError, match="staySignedIn.*true or false"):
        load(tmp_path, dict(BASE, staySignedIn="true"))
