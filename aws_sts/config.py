"""config.json -> frozen dataclasses.

Both shapes of `accounts` that the original Node tool accepted load:
  {"staging": "123456789012"}  and  {"staging": {"accountNumber": "123456789012", "idpEntryUrl": "..."}}
Every error names the file, the key and what was expected.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlsplit

from aws_sts.errors import ConfigError

KNOWN_KEYS = {
    "awsConfigPath", "outputFormat", "region", "provider", "idpEntryUrl", "defaultAccount", "accounts",
    "browserPath", "timeoutSeconds",
}
ACCOUNT_KEYS = {"accountNumber", "idpEntryUrl"}
PROVIDERS = ("okta",)
DEFAULT_AWS_CONFIG_PATH = "/.aws/credentials"
SYSTEM_CONFIG = Path("/etc/aws-sts/config.json")


@dataclass(frozen=True)
class Account:
    name: str
    number: str
    idp_entry_url: str
    has_own_entry_url: bool  # decides the second hop (DESIGN §4)


@dataclass(frozen=True)
class Config:
    path: Path
    credentials_path: Path
    output_format: Optional[str]
    region: Optional[str]
    provider: str
    idp_entry_url: Optional[str]
    default_account: str
    accounts: Mapping[str, Account]
    browser_path: Optional[str] = None
    timeout_seconds: float = 120.0

    def account(self, name: Optional[str]) -> Account:
        return self.accounts[name or self.default_account]

    def account_name_for(self, number: str) -> Optional[str]:
        for account in self.accounts.values():
            if account.number == number:
                return account.name
        return None


def candidate_paths(environ: Mapping[str, str] = os.environ) -> list[Path]:
    """Where config.json is looked for, in order (DESIGN §3)."""
    paths = []
    if environ.get("AWS_STS_CONFIG"):
        paths.append(Path(environ["AWS_STS_CONFIG"]).expanduser())
    paths.append(Path("config.json"))
    paths.append(Path("~/.config/aws-sts/config.json").expanduser())
    paths.append(SYSTEM_CONFIG)
    return paths


def find_config(explicit: Optional[str], environ: Mapping[str, str] = os.environ) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    candidates = candidate_paths(environ)
    if environ.get("AWS_STS_CONFIG"):
        return candidates[0]  # an explicit variable is not silently skipped when its file is missing
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigError(
        "No config.json found (looked in: " + ", ".join(str(p) for p in candidates) + ").\n"
        "Pass --config FILE or set AWS_STS_CONFIG; config.example.json shows the format."
    )


def load(explicit: Optional[str] = None, environ: Mapping[str, str] = os.environ) -> Config:
    path = find_config(explicit, environ)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"Config file {path} does not exist. Pass --config FILE or set AWS_STS_CONFIG.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.") from None
    return parse(data, path, environ)


def parse(data: object, path: Path, environ: Mapping[str, str] = os.environ) -> Config:
    def fail(key: str, expected: str) -> ConfigError:
        return ConfigError(f"{path}: key '{key}' {expected}.")

    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object at the top level.")
    for key in sorted(set(data) - KNOWN_KEYS):
        print(f"aws-sts: warning: {path}: unknown key '{key}' is ignored.", file=sys.stderr)

    def get_str(key: str, required: bool = False, default: Optional[str] = None) -> Optional[str]:
        if key not in data:
            if required:
                raise fail(key, "is missing")
            return default
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            raise fail(key, f"must be a non-empty string, got {json.dumps(value)}")
        return value

    provider = get_str("provider", default="okta")
    if provider not in PROVIDERS:
        raise fail("provider", f"must be one of {', '.join(PROVIDERS)}, got \"{provider}\"")
    top_url = get_str("idpEntryUrl")
    if top_url is not None:
        check_url(top_url, lambda expected: fail("idpEntryUrl", expected))

    raw_accounts = data.get("accounts")
    if raw_accounts is None:
        raise fail("accounts", "is missing")
    if not isinstance(raw_accounts, dict) or not raw_accounts:
        raise fail("accounts", 'must be an object such as {"staging": "123456789012"}')
    accounts = {}
    for name, value in raw_accounts.items():
        key = f"accounts.{name}"
        if isinstance(value, str):
            number, own_url = value, None
        elif isinstance(value, dict):
            for extra in sorted(set(value) - ACCOUNT_KEYS):
                print(f"aws-sts: warning: {path}: unknown key '{key}.{extra}' is ignored.", file=sys.stderr)
            number = value.get("accountNumber")
            if number is None:
                raise fail(f"{key}.accountNumber", "is missing")
            own_url = value.get("idpEntryUrl")
            if own_url is not None:
                if not isinstance(own_url, str):
                    raise fail(f"{key}.idpEntryUrl", "must be a string")
                check_url(own_url, lambda expected, key=key: fail(f"{key}.idpEntryUrl", expected))
        else:
            raise fail(key, 'must be a 12-digit account number string or {"accountNumber": ..., "idpEntryUrl": ...}')
        if not isinstance(number, str) or not re.fullmatch(r"\d{12}", number):
            raise fail(key if isinstance(value, str) else f"{key}.accountNumber",
                       f"must be a 12-digit AWS account number as a string, got {json.dumps(number)}")
        url = own_url or top_url
        if url is None:
            raise fail("idpEntryUrl", f"is missing (needed by account '{name}', which has none of its own)")
        accounts[name] = Account(name=name, number=number, idp_entry_url=url, has_own_entry_url=own_url is not None)

    default_account = get_str("defaultAccount", required=True)
    if default_account not in accounts:
        raise fail("defaultAccount", f"must be one of the accounts ({', '.join(accounts)}), got \"{default_account}\"")

    output_format = get_str("outputFormat")
    region = get_str("region")
    browser_path = get_str("browserPath")
    timeout = data.get("timeoutSeconds", 120)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise fail("timeoutSeconds", "must be a positive number of seconds")

    return Config(
        path=path,
        credentials_path=credentials_path(get_str("awsConfigPath", default=DEFAULT_AWS_CONFIG_PATH), environ),
        output_format=output_format,
        region=region,
        provider=provider,
        idp_entry_url=top_url,
        default_account=default_account,
        accounts=accounts,
        browser_path=browser_path,
        timeout_seconds=float(timeout),
    )


def credentials_path(aws_config_path: str, environ: Mapping[str, str] = os.environ) -> Path:
    """The original joined awsConfigPath to $HOME ("/.aws/credentials" -> ~/.aws/credentials)."""
    if environ.get("AWS_SHARED_CREDENTIALS_FILE"):
        return Path(environ["AWS_SHARED_CREDENTIALS_FILE"]).expanduser()
    if aws_config_path.startswith("~"):
        return Path(aws_config_path).expanduser()
    home = environ.get("HOME") or str(Path.home())
    return Path(home) / aws_config_path.lstrip("/")


def check_url(url: str, fail) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return  # the bundled demo and the tests run the fake Okta org on 127.0.0.1
    raise fail(f"must be an https:// URL (plain http only for localhost), got \"{url}\"")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
