"""No secret anywhere it does not belong: every flow run with --debug (tracebacks, failure artifacts), then
stdout, stderr and every file under $HOME are searched for every secret of the run.

Secrets: the password, the one-time codes, the SAML assertion (its base64, URL-encoded and its signature),
the keys STS issued, Okta's session tokens. Only the credentials file (mode 0600) may hold the issued keys.
"""

from __future__ import annotations

import base64
import re
import stat
from urllib.parse import quote

import pytest

from tests.fakes.okta_org import totp_now

FLOWS = {
    "success": dict(),
    "success-second-hop": dict(args=["--account", "production"]),
    "wrong-password": dict(password="Wr0ng-passw0rd!"),
    "wrong-code": dict(otp="135791"),
    "unknown-page": dict(factors="question"),
    "timeout": dict(factors="push", push_waits=10_000, config=dict(timeoutSeconds=8)),
    "sts-refuses": dict(deny=True),
    "sts-garbage": dict(faults=["truncated", "truncated", "truncated", "truncated"]),
    "saml-posted-elsewhere": dict(saml_post_path="/not-aws/acs"),
}


def secrets_of(org, sts, password: str, codes: list) -> dict:
    found = {"password": [password], "code": [c for c in codes if c]}
    for b64 in org.saml_responses:
        xml = base64.b64decode(b64).decode()
        signature = re.search(r"SignatureValue>([^<]{40})", xml).group(1)
        found.setdefault("assertion", []).extend([b64[:48], b64[-48:], quote(b64, safe="")[:48], signature])
    for session in sts.sessions.values():
        found.setdefault("issued", []).extend(v for k, v in session.items()
                                              if k in ("secret", "token") and v)
    found["okta-token"] = list(org.issued_tokens)
    found["okta-session"] = list(org.issued_session_ids)
    return found


@pytest.mark.parametrize("flow", list(FLOWS))
def test_no_secret_leaks(flow, org, sts, home, run_cli, write_config):
    spec = FLOWS[flow]
    scenario = org.scenario
    scenario.factors = spec.get("factors", "totp")
    scenario.push_waits = spec.get("push_waits", 1)
    scenario.saml_post_path = spec.get("saml_post_path")
    if spec.get("deny"):
        sts.deny_roles.add(scenario.roles[0][0])
    sts.faults.extend(spec.get("faults", []))
    write_config(**spec.get("config", {}))
    password = spec.get("password", scenario.password)
    otp = spec.get("otp") or totp_now(scenario.totp_secret)
    result = run_cli("--username", scenario.username, "--password", password, "--otp", otp, "--debug",
                     *spec.get("args", []), env={"DISPLAY": ""})
    assert (result.returncode == 0) is flow.startswith("success"), result.stderr

    secrets = secrets_of(org, sts, password, [otp])
    if flow.startswith("success"):
        # the scan knows what to look for
        assert secrets.get("assertion") and secrets.get("issued") and secrets["okta-token"]
        assert secrets["okta-session"] and list((home / ".aws" / "aws-sts" / "sessions").glob("*.json"))
    credentials = home / ".aws" / "credentials"
    places = {"stdout": result.stdout, "stderr": result.stderr}
    for path in home.rglob("*"):
        if path.is_file() and not path.is_symlink():
            places[str(path.relative_to(home))] = path.read_bytes().decode("utf-8", "replace")
    leaks = []
    for place, text in places.items():
        for kind, values in secrets.items():
            if kind == "issued" and place == ".aws/credentials":
                continue  # where the issued keys belong
            if kind == "okta-session" and place.startswith(".aws/aws-sts/sessions/"):
                assert stat.S_IMODE((home / place).stat().st_mode) == 0o600
                continue  # where the remembered sign-in belongs
            leaks += [f"{kind} in {place}" for value in values if value and value in text]
    assert leaks == []
    if credentials.exists():
        assert stat.S_IMODE(credentials.stat().st_mode) == 0o600

