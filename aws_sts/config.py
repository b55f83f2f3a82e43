"""config.json -> frozen dataclasses.

Both shapes of `accounts` that the original Node tool accepted load:
  {"staging": "123456789012"}  and  {"staging": {"accountNumber": "123456789012", "idpEntryUrl": "..."}}
Every error names the file, the key and what was expected. A value that would fail later (in the
browser, in the credentials file, in argparse, in botocore) fails here, before anything else happens.
Messages echo a value only shortened and escaped, and never a URL that may hold a password.
"""

from __future__ import annotations

import json
import os
import re
from collections import namedtuple
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from aws_sts import providers, urls
from aws_sts.errors import ConfigError
from aws_sts.providers.origin import origin_of
from aws_sts.shown import names as _names
from aws_sts.shown import shown
from aws_sts.shown import where as _where

KNOWN_KEYS = {"awsConfigPath", "outputFormat", "region", "provider", "idpEntryUrl", "defaultAccount", "accounts",
              "browserPath", "timeoutSeconds", "rememberSession", "signInOrigins"}
ACCOUNT_KEYS = {"accountNumber", "idpEntryUrl"}
OUTPUT_FORMATS = ("json", "text", "table", "yaml", "yaml-stream")  # the AWS CLI's `output` values
DEFAULT_AWS_CONFIG_PATH = "/.aws/credentials"
SYSTEM_CONFIG = Path("/etc/aws-sts/config.json")

MAX_FILE_BYTES = 1024 * 1024  # a real config is a few hundred bytes; /dev/zero or a log file is not one
MAX_PATH = 2048
MAX_NAME = 48
MAX_WARNINGS = 3
TIMEOUT_RANGE = (1, 3600)
# us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1 ... ([0-9], not \d: ASCII only)
_REGION = re.compile(r"[a-z]{2,4}(?:-[a-z]{1,12}){1,3}-[0-9]{1,2}")
MAX_REGION = 32
_ACCOUNT_NUMBER = re.compile(r"[0-9]{12}")
_NAME_PUNCTUATION = "-_.+=@,"


# Frozen records as named tuples, not dataclasses: importing dataclasses costs ~7 ms (it imports inspect),
# and this module is on the path of runs that must answer in a few tens of milliseconds (the still-valid
# skip, the credential_process cache).
class Account(namedtuple("Account", "name number idp_entry_url has_own_entry_url")):
    """name, number (12 digits), idp_entry_url, has_own_entry_url (decides the second hop:
    flow.needs_second_hop)."""

    __slots__ = ()


_CONFIG_FIELDS = ("path credentials_path output_format region provider idp_entry_url default_account accounts "
                  "browser_path timeout_seconds remember_session provider_settings sign_in_origins warnings")


class Config(namedtuple("Config", _CONFIG_FIELDS, defaults=(None, 120.0, True, {}, (), ()))):
    """path and credentials_path (Path), output_format, region, provider, idp_entry_url (str or None),
    default_account, accounts (name -> Account), browser_path (None), timeout_seconds (120.0),
    remember_session (True: keep the IdP's session cookies between runs, aws_sts.idp_session),
    provider_settings (the keys of the provider's own config_keys that config.json gives, e.g. logoutUrl),
    sign_in_origins (other origins where the IdP signs in: secrets may be typed there, providers/origin.py),
    warnings (lines about the file to show the user: unknown keys, which are ignored)."""

    __slots__ = ()

    def account(self, name: str | None) -> Account:
        return self.accounts[name or self.default_account]

    def account_name_for(self, number: str) -> str | None:
        for account in self.accounts.values():
            if account.number == number:
                return account.name
        return None


def candidate_paths(environ: Mapping[str, str] = os.environ) -> list[Path]:
    """Where config.json is looked for, in order (as the README and --help say)."""
    paths = []
    if environ.get("AWS_STS_CONFIG"):
        paths.append(Path(environ["AWS_STS_CONFIG"]).expanduser())
    paths.append(Path("config.json"))
    paths.append(Path("~/.config/aws-sts/config.json").expanduser())
    paths.append(SYSTEM_CONFIG)
    return paths


def find_config(explicit: str | None, environ: Mapping[str, str] = os.environ) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    candidates = candidate_paths(environ)
    if environ.get("AWS_STS_CONFIG"):
        return candidates[0]  # an explicit variable is not silently skipped when its file is missing
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigError(
        "No config.json found (looked in: " + ", ".join(_where(p) for p in candidates) + ").\n"
        "Pass --config FILE or set AWS_STS_CONFIG; config.example.json shows the format."
    )


def load(explicit: str | None = None, environ: Mapping[str, str] = os.environ) -> Config:
    path = find_config(explicit, environ)
    where = _where(path)
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)  # bounded: never read a huge file or a device whole
    except FileNotFoundError:
        raise ConfigError(f"Config file {where} does not exist. Pass --config FILE or set AWS_STS_CONFIG.") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read config file {where}: {exc.strerror or type(exc).__name__}.") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{where}: larger than 1 MB, so not a config file. Check --config / AWS_STS_CONFIG.")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: not UTF-8 text (byte {exc.start + 1}). Save it as UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.") from None
    except RecursionError:
        raise ConfigError(f"{where}: JSON nested too deeply to be a config file.") from None
    except ValueError:  # e.g. a number with thousands of digits
        raise ConfigError(f"{where}: not valid JSON (a number is too long).") from None
    return parse(data, path, environ)


def parse(data: object, path: Path, environ: Mapping[str, str] = os.environ) -> Config:
    def fail(key: str, expected: str) -> ConfigError:
        return ConfigError(f"{_where(path)}: key '{key}' {expected}.")

    if not isinstance(data, dict):
        raise ConfigError(f"{_where(path)}: expected a JSON object at the top level.")
    provider = data.get("provider", "okta")
    known = KNOWN_KEYS | (providers.config_keys(provider) if isinstance(provider, str) else frozenset())
    unknown = sorted(str(key) for key in data if key not in known)
    try:
        return _parse(data, path, environ, fail, unknown)._replace(warnings=_unknown_lines(path, unknown, known))
    except ConfigError as exc:  # the warnings too: a misspelt key often explains the error
        exc.warnings = _unknown_lines(path, unknown, known)
        raise


def _parse(data: dict, path: Path, environ, fail, unknown: list) -> Config:
    def get_str(key: str, max_length: int, default: str | None = None, required: bool = False):
        if key not in data:
            if required:
                raise fail(key, "is missing")
            return default
        return _check_text(data[key], max_length, lambda expected: fail(key, expected))

    provider = get_str("provider", 16, default="okta")
    if provider not in providers.names():
        raise fail("provider", f"must be one of {', '.join(providers.names())}, got {shown(provider)}")
    top_url = get_str("idpEntryUrl", urls.MAX_LENGTH)
    if top_url is not None:
        check_url(top_url, lambda expected: fail("idpEntryUrl", expected))

    raw_accounts = data.get("accounts")
    if raw_accounts is None:
        raise fail("accounts", "is missing")
    if not isinstance(raw_accounts, dict) or not raw_accounts:
        raise fail("accounts", 'must be an object such as {"staging": "123456789012"}')
    accounts = {name: _account(name, value, top_url, fail, unknown) for name, value in raw_accounts.items()}

    default_account = get_str("defaultAccount", MAX_NAME * 2, required=True)
    if default_account not in accounts:
        raise fail("defaultAccount", f"must be one of the accounts ({_names(list(accounts))}), "
                                     f"got {shown(default_account)}")

    output_format = get_str("outputFormat", 16)
    if output_format is not None and output_format not in OUTPUT_FORMATS:
        raise fail("outputFormat", f"must be one of {', '.join(OUTPUT_FORMATS)}, got {shown(output_format)}")
    region = get_str("region", MAX_REGION)
    wrong_region = region is not None and region_problem(region)
    if wrong_region:
        raise fail("region", wrong_region)
    browser_path = get_str("browserPath", MAX_PATH)
    aws_config_path = get_str("awsConfigPath", MAX_PATH, default=DEFAULT_AWS_CONFIG_PATH)
    if aws_config_path.endswith("/"):
        raise fail("awsConfigPath", f"must name a file, not a directory, got {shown(aws_config_path)}")
    timeout, (low, high) = data.get("timeoutSeconds", 120), TIMEOUT_RANGE
    # `low <= timeout <= high` is False for NaN and the infinities json.loads accepts, and safe for huge ints.
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not low <= timeout <= high:
        raise fail("timeoutSeconds", f"must be a number of seconds from {low} to {high}, got {shown(timeout)}")
    remember_session = data.get("rememberSession", True)
    if not isinstance(remember_session, bool):
        raise fail("rememberSession", f"must be true or false, got {shown(remember_session)}")
    settings = {key: data[key] for key in sorted(providers.config_keys(provider)) if key in data}
    for key in settings:
        if key.endswith("Url"):  # a provider's URL keys (the generic provider's logoutUrl) are checked here
            settings[key] = get_str(key, urls.MAX_LENGTH)
            check_url(settings[key], lambda expected, key=key: fail(key, expected))
        elif key in providers.config_keys(provider, switches=True) and not isinstance(settings[key], bool):
            raise fail(key, f"must be true or false, got {shown(settings[key])}")

    sign_in_origins = _origins(data.get("signInOrigins", []), lambda expected: fail("signInOrigins", expected))

    return Config(
        path=path,
        credentials_path=credentials_path(aws_config_path, environ),
        output_format=output_format,
        region=region,
        provider=provider,
        idp_entry_url=top_url,
        default_account=default_account,
        accounts=accounts,
        browser_path=browser_path,
        timeout_seconds=float(timeout),
        remember_session=remember_session,
        provider_settings=settings,
        sign_in_origins=sign_in_origins,
    )


def region_problem(region: str) -> str | None:
    """What is wrong with a region (config "region", --region), as "must be ..."; None when it is one."""
    if len(region) <= MAX_REGION and _REGION.fullmatch(region):
        return None
    return f"must be an AWS region such as us-east-1, got {shown(region)}"


MAX_ORIGINS = 10


def _origins(value: object, fail) -> tuple:
    """signInOrigins: a list of origins such as "https://login.example.com" (https, or http on loopback, as
    for idpEntryUrl; scheme, host and port only), each as the browser compares it."""
    if not isinstance(value, list) or len(value) > MAX_ORIGINS:
        raise fail(f'must be a list of at most {MAX_ORIGINS} origins such as ["https://login.example.com"]')
    origins = []
    for item in value:
        text = _check_text(item, urls.MAX_LENGTH, fail)
        check_url(text, fail)
        parts = urlsplit(text)
        if parts.path not in ("", "/") or parts.query or parts.fragment or not origin_of(text):
            raise fail(f"must hold origins only (scheme, host and port, no path), got {shown(text)}")
        origins.append(origin_of(text))
    return tuple(origins)


def _account(name: str, value: object, top_url: str | None, fail, unknown: list) -> Account:
    name_problem = _name_problem(name)
    if name_problem:
        raise fail("accounts", f"has an account name {shown(name)} that {name_problem}")
    key = f"accounts.{name}"
    if isinstance(value, str):
        number, own_url, number_key = value, None, key
    elif isinstance(value, dict):
        unknown.extend(f"{key}.{extra}" for extra in sorted(str(k) for k in value if k not in ACCOUNT_KEYS))
        number_key = f"{key}.accountNumber"
        if "accountNumber" not in value:
            raise fail(number_key, "is missing")
        number, own_url = value["accountNumber"], value.get("idpEntryUrl")
        if own_url is not None:
            own_url = _check_text(own_url, urls.MAX_LENGTH, lambda expected: fail(f"{key}.idpEntryUrl", expected))
            check_url(own_url, lambda expected: fail(f"{key}.idpEntryUrl", expected))
    else:
        raise fail(key, 'must be a 12-digit account number string or {"accountNumber": ..., "idpEntryUrl": ...}')
    if not isinstance(number, str) or not _ACCOUNT_NUMBER.fullmatch(number):
        raise fail(number_key, f"must be a 12-digit AWS account number as a string, got {shown(number)}")
    url = own_url or top_url
    if url is None:
        raise fail("idpEntryUrl", f"is missing (needed by account '{name}', which has none of its own)")
    return Account(name=name, number=number, idp_entry_url=url, has_own_entry_url=own_url is not None)


def _name_problem(name: str) -> str | None:
    """Names become --account choices, profile names `<account>-<role>` ([section] headers) and the
    ACCOUNT part of --role ACCOUNT/ROLE; anything that would break one of these is refused."""
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        return f"is not 1 to {MAX_NAME} characters long"
    if not all(c.isalnum() or c in _NAME_PUNCTUATION for c in name):
        return f"has characters other than letters, digits and {' '.join(_NAME_PUNCTUATION)}"
    if name.startswith("-"):
        return "starts with '-' (it would read as an option)"
    if name == "DEFAULT" or _ACCOUNT_NUMBER.fullmatch(name):
        return "is reserved (DEFAULT, or a 12-digit number that reads as an account id)"
    return None


def _check_text(value: object, max_length: int, fail: Callable[[str], ConfigError]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(f"must be a non-empty string, got {shown(value)}")
    if len(value) > max_length:
        raise fail(f"is {len(value)} characters long; at most {max_length} are allowed")
    if not value.isprintable():
        raise fail(f"contains a line break, tab or other control character: {shown(value)}")
    return value


def credentials_path(aws_config_path: str, environ: Mapping[str, str] = os.environ) -> Path:
    """The original joined awsConfigPath to $HOME ("/.aws/credentials" -> ~/.aws/credentials)."""
    if environ.get("AWS_SHARED_CREDENTIALS_FILE"):
        return Path(environ["AWS_SHARED_CREDENTIALS_FILE"]).expanduser()
    if aws_config_path.startswith("~"):
        return Path(aws_config_path).expanduser()
    home = environ.get("HOME") or str(Path.home())
    return Path(home) / aws_config_path.lstrip("/")


def check_url(url: str, fail: Callable[[str], Exception]) -> None:
    """Raise fail(expected) unless `url` is an entry URL the browser reads as Python does (aws_sts.urls)."""
    problem = urls.problem(url)
    if problem is None:
        return
    if "@" in url:  # the part before an '@' may be a password: such a URL is never echoed
        raise fail(problem)
    raise fail(f"{problem}, got {shown(url)}")


def _near(key: str, known) -> str:
    """ " (did you mean 'idpEntryUrl'?)" for a key that is a known one mistyped (case, a letter or two)."""
    from difflib import get_close_matches  # here: only a config with an unknown key pays for it (~1.5 ms)

    last = key.rsplit(".", 1)[-1]  # accounts.<name>.idpEntryURL: the key's own name
    names = ACCOUNT_KEYS if "." in key else known
    folded = {name.lower(): name for name in names}
    close = [folded[last.lower()]] if last.lower() in folded else get_close_matches(last, sorted(names), 1, 0.8)
    return f" (did you mean {shown(close[0])}?)" if close else ""


def _unknown_lines(path: Path, keys: list, known: frozenset) -> tuple:
    lines = [f"{_where(path)}: unknown key {shown(key)} is ignored{_near(key, known)}."
             for key in keys[:MAX_WARNINGS]]
    if len(keys) > MAX_WARNINGS:
        lines.append(f"{_where(path)}: and {len(keys) - MAX_WARNINGS} more unknown keys are ignored.")
    return tuple(lines)
