"""The first steps of every command that signs in: refuse now what would fail later, then sign in; and the
steps up to the role's credentials, for the commands that use them without writing a profile."""

from __future__ import annotations

from aws_sts import flow, saml
from aws_sts.commands import Request
from aws_sts.prompts import Prompts


def sign_in(request: Request, prompts: Prompts, *, writes: bool) -> saml.Assertion:
    """The SAML assertion of a sign-in with what the request gives (the rest is asked when a page needs it).
    writes: whether the command writes the credentials file (checked before anyone signs in)."""
    flow.check_before_sign_in(request.config, request.profile, request.role, writes=writes)
    answers = flow.Answers(prompts, username=request.username, password=request.password, otp=request.otp,
                           totp_secret=request.totp_secret)
    return flow.get_assertion(request.config, request.account, answers, debug=request.debug)


def issue(request: Request, prompts: Prompts) -> flow.Issued:
    """Steps 1-7 for a command that writes no profile: sign in, pick the role, get its credentials from STS."""
    config, account = request.config, request.account
    assertion = sign_in(request, prompts, writes=False)
    role = flow.pick_role(assertion, request.role, config, account, prompts)
    return flow.get_credentials(assertion, role, config, account, prompts=prompts, duration=request.duration)
