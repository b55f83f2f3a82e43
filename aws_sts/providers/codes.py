"""What the user types, for every provider: where the next code comes from, and what a refused code or
password means.

A code is --otp on the first try, else one made from AWS_STS_TOTP_SECRET (twice at most), else asked for
when there is a terminal. A refused code is asked again (up to MAX_CODE_TRIES) when interactive; so is a
refused password (up to MAX_PASSWORD_TRIES), and without a terminal the run ends at once.
"""

from __future__ import annotations

import re

from aws_sts.errors import AuthenticationError

MAX_CODE_TRIES = 3
MAX_PASSWORD_TRIES = 3
PASSWORD_MEANS = "wrong username or password, or the account is locked"


def next_code(signin, prompt="Verification code:", allow_empty: bool = False, made: bool = True) -> str:
    """The code to type now (signin: an aws_sts.providers.engine.SignIn).

    prompt: the question, or a function giving it (called only when there is something to ask).
    made: False for a code the IdP sends (SMS, email): AWS_STS_TOTP_SECRET makes authenticator codes only."""
    tries = signin.memory.get("code_tries", 0)
    signin.memory["code_tries"] = tries + 1
    if tries == 0 and signin.request.otp:
        return signin.request.otp
    answers = signin.request.answers
    if made and answers.can_make_code():
        return answers.made_code()
    if callable(prompt):
        prompt = prompt()
    how = ("pass --otp CODE or set AWS_STS_TOTP_SECRET" if made else
           "pass --otp CODE" + (" (AWS_STS_TOTP_SECRET makes authenticator app codes, not codes sent by SMS or "
                                "email)" if answers.makes_codes else ""))
    code = signin.prompts.code(prompt, what="A verification code", how=how, allow_empty=allow_empty)
    signin.remember_secret(code)
    return code


def code_rejected(signin, message: str, made: bool = True) -> None:
    """A wrong code: return to have the next one typed (a new code from the secret, or asked again when
    interactive, up to MAX_CODE_TRIES), else stop with what to do. made: as for next_code."""
    # IdPs' own text often ends with "Please try again." or "... and try again."; we say what to do ourselves.
    message = re.sub(r"[\s,]*(?:\band\s+)?(?:please\s+)?try again\W*$", "", message, flags=re.I).strip()
    message = message or "Invalid code"
    message += "" if message[-1] in ".!?" else "."
    tries = signin.memory.get("code_tries", 0)
    answers, idp = signin.request.answers, signin.idp_name
    if made and answers.can_make_code():  # the IdP may have seen this code already (a run moments ago): the next one
        signin.say(f"{idp}: {message} Waiting for the next code from AWS_STS_TOTP_SECRET.")
        return
    if made and answers.makes_codes and not signin.prompts.interactive:
        raise AuthenticationError(
            f"{idp} did not accept the codes made from AWS_STS_TOTP_SECRET: {message}\n"
            "Check that it is the secret of the authenticator enrolled for this user, and this machine's clock."
        )
    if not signin.prompts.interactive or tries >= MAX_CODE_TRIES:
        after = f" after {tries} tries" if tries > 1 else ""
        raise AuthenticationError(
            f"{idp} did not accept the verification code{after}: {message}\n"
            "Run again with a fresh code (--otp)" + (", checking the authenticator app's clock." if made else ".")
        )
    signin.say(f"{idp}: {message} Try again.")


def password_rejected(signin, message: str) -> None:
    """The IdP refused the username or password: return to have them typed again (on a terminal, up to
    MAX_PASSWORD_TRIES), else stop with what the IdP said and what that usually means."""
    message = " ".join(message.split()).rstrip(".") or "Authentication failed"
    tries = signin.memory.get("password_tries", 0) + 1
    signin.memory["password_tries"] = tries
    idp = signin.idp_name
    if not signin.prompts.interactive or tries >= MAX_PASSWORD_TRIES:
        after = f" ({tries} tries)" if tries > 1 else ""
        raise AuthenticationError(f"{idp}: {message}{after}: {PASSWORD_MEANS}.\n"
                                  "Check them (--username, --password) or sign in to the IdP in a browser.")
    signin.say(f"{idp}: {message} ({PASSWORD_MEANS}). Try again.")
    signin.request.answers.forget_password()
