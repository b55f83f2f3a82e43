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
    load(tmp_path, dict(BASE, colour="blue"))
    assert "unknown key 'colour'" in capsys.readouterr().err


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


def test_example_config_loads(tmp_path):
    example = Path(__file__).parents[1] / "config.example.json"
    cfg = config.load(str(example), environ={"HOME": str(tmp_path)})
    assert cfg.default_account in cfg.accounts
