"""A refused one-time code, for every provider: the IdP's own words without its "try again", and what to do."""

from types import SimpleNamespace

import pytest

from aws_sts.errors import AuthenticationError
from aws_sts.providers.codes import code_rejected


class Answers:
    makes_codes = False

    def can_make_code(self):
        return False


def flow(interactive: bool, tries: int = 1):
    said = []
    return SimpleNamespace(memory={"code_tries": tries}, idp_name="idp.example.org", say=said.append, said=said,
                           prompts=SimpleNamespace(interactive=interactive),
                           request=SimpleNamespace(answers=Answers()))


@pytest.mark.parametrize("page, shown", [
    ("That code didn't work. Check the code and try again.", "That code didn't work. Check the code."),
    ("Your passcode doesn't match our records. Please try again.", "Your passcode doesn't match our records."),
    ("Wrong code, try again!", "Wrong code."),
    ("Please try again.", "Invalid code."),
    ("The code is wrong or has expired", "The code is wrong or has expired."),
])
def test_the_idps_words_are_quoted_without_their_try_again(page, shown):
    with pytest.raises(AuthenticationError) as err:
        code_rejected(flow(interactive=False), page)
    assert str(err.value).startswith(f"idp.example.org did not accept the verification code: {shown}\n")
    interactive = flow(interactive=True)
    code_rejected(interactive, page)  # asked again: no error
    assert interactive.said == [f"idp.example.org: {shown} Try again."]
