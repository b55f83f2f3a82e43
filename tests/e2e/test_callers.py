"""credential_process callers together, end to end: many `aws-sts --format process` at once after the stored
session ended (they fail together), a clock hours ahead (still one sign-in), a prompt nobody answers (it ends),
and --logout forgetting the cache. The installed CLI, the fake org's real widget, the fake STS over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.okta_org import totp_now
from tests.helpers import assert_failed, saml_calls

CALLERS = 12


def cache_files(home: Path) -> list:
    folder = home / ".aws" / "aws-sts" / "cache"
    return sorted(folder.glob("*.json")) if folder.exists() else []


@pytest.mark.parametrize("output", ["credentials", "process"])
def test_an_sts_token_with_a_line_break_is_one_line_and_nothing_is_written(org, sts, home, run_cli, login_args,
                                                                           output):
    sts.faults.append("linebreak")
    result = run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret), "--role", "Developer",
                     "--format", output)
    err = assert_failed(result, 1, "STS answered credentials that cannot be written to a credentials file")
    assert "unexpected" not in err and result.stdout == ""
    assert len(saml_calls(sts)) == 1  # not retried: STS did answer
    assert not (home / ".aws" / "credentials").exists() and cache_files(home) == []
