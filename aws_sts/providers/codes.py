"""One-time codes, for every provider: where the next code comes from, and what a refused code means.

A code is --otp on the first try, else one made from AWS_STS_TOTP_SECRET (twice at most), else asked for
when there is a terminal. A refused code is asked again (up to MAX_CODE_TRIES) when interactive.
"""

from __future__ import annotations

import re

from aws_sts.errors import AuthenticationError

MAX_CODE_TRIES = 3


def next_code(flow, prompt="Verification code:", allow_empty: bool = False) -> str:
    """The code to type now (flow: an aws_sts.providers.engine.Flow).

    prompt: the question, or a function giving it (called only when there is something to ask)."""
    tries = flow.memory.get("code_tries", 0)
    flow.memory["code_tries"] = tries + 1
    if tries == 0 and flow.request.otp:
        return flow.request.otp
    if flow.request.answers.can_make_code():
        return flow.request.answers.made_code()
    if callable(prompt):
        prompt = prompt()
    code = flow.prompts.code(prompt, what="A verification code", how="pass --otp CODE or set AWS_STS_TOTP_SECRET",
                             allow_empty=allow_empty)
    flow.remember_secret(code)
    return code


def code_rejected(flow, message: str) -> None:
    """A wrong code: return to have the next one typed (a new code from the secret, or asked again when
    interactive, up to MAX_CODE_TRIES), else stop with what to do."""
    # IdPs' own text often ends with "Please try again." or "... and try again."; we say what to do ourselves.
    message = re.sub(r"[\s,]*(?:\band\s+)?(?:please\s+)?try again\W*$", "", message, flags=re.I).strip()
    message = message or "Invalid code"
    message += "" if message[-1] in ".!?" else "."
    tries = flow.memory.get("code_tries", 0)
    answers, idp = flow.request.answers, flow.idp_name
    if answers.can_make_code():  # the IdP may have seen this code already (a run moments ago): the next one
        flow.say(f"{idp}: {message} Waiting for the next code from AWS_STS_TOTP_SECRET.")
        return
    if answers.makes_codes and not flow.prompts.interactive:
        raise AuthenticationError(
            f"{idp} did not accept the codes made from AWS_STS_TOTP_SECRET: {message}\n"
            "Check that it is the secret of the authenticator enrolled for this user, and this machine's clock."
        )
    if not flow.prompts.interactive or tries >= MAX_CODE_TRIES:
        after = f" after {tries} tries" if tries > 1 else ""
        raise AuthenticationError(
            f"{idp} did not accept the verification code{after}: {message}\n"
            "Run again with a fresh code (--otp), checking the authenticator app's clock."
        )
    flow.say(f"{idp}: {message} Try again.")
