"""The generic provider never types into a field it is not sure of: generated pages, classified in real Chromium.

Each case is a page of one to three forms, each with zero to four fields of random types, names, labels and
autocomplete hints, some hidden. The page script of aws_sts.providers.generic.pages tags at most one form;
an oracle written here from the rule in the README says which forms may be tagged and as what:

  login       exactly two visible fields: one password, one text/email field that names a user
  password    exactly one visible field, a password
  identifier  exactly one visible field, a text/email field that names a user
  code        exactly one visible field, named like a code or autocomplete="one-time-code"

and never two candidate forms at once. A tag anywhere else (a third field, a hidden one, a select, a second
form) fails the property.
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_sts.browser import LAUNCH_FLAGS, find_browser
from aws_sts.providers.generic.pages import CLASSIFY_JS
from tests.helpers import examples

# Weighted towards sign-in shapes (text, email, password, user and code names), so that near misses (a third
# field, a hidden twin, a code-named password) come up often.
TYPES = ["text"] * 3 + ["email"] * 2 + ["password"] * 3 + ["tel", "number", "search", "url", "hidden", "checkbox",
                                                           "submit"]
NAMES = ["username"] * 3 + ["user", "email", "login", "loginfmt", "passwd", "password", "otp", "code", "passcode",
         "token", "domain", "q", "answer", "first_name", "phone", "account", "mfa_code", "city", ""]
LABELS = ["", "Email address", "Username", "Password", "Verification code", "Domain", "Search", "Your city"]
AUTOCOMPLETE = ["", "username", "current-password", "one-time-code", "off", "email"]
USER = re.compile(r"user|login|e-?mail|ident|account|upn|principal", re.I)
CODE = re.compile(r"otp|code|passcode|token|totp|mfa|one.?time", re.I)

field = st.fixed_dictionaries({
    "tag": st.sampled_from(["input"] * 8 + ["select", "textarea"]),
    "type": st.sampled_from(TYPES), "name": st.sampled_from(NAMES), "label": st.sampled_from(LABELS),
    "autocomplete": st.sampled_from(AUTOCOMPLETE), "maxlength": st.sampled_from([None, 6, 8, 64]),
    "shown": st.sampled_from([True, True, True, False]),  # False: display:none
})
page_forms = st.lists(st.lists(field, max_size=4), min_size=1, max_size=3)


def render(forms) -> str:
    parts = []
    for f, fields in enumerate(forms):
        body = []
        for i, fd in enumerate(fields):
            fid = f"f{f}_{i}"
            attrs = [f'id="{fid}"', f'data-case="{fid}"']
            if fd["name"]:
                attrs.append(f'name="{fd["name"]}"')
            if fd["autocomplete"]:
                attrs.append(f'autocomplete="{fd["autocomplete"]}"')
            if fd["maxlength"]:
                attrs.append(f'maxlength="{fd["maxlength"]}"')
            if not fd["shown"]:
                attrs.append('style="display:none"')
            if fd["tag"] == "input":
                element = f'<input type="{fd["type"]}" {" ".join(attrs)}>'
            elif fd["tag"] == "select":
                element = f'<select {" ".join(attrs)}><option>a</option></select>'
            else:
                element = f'<textarea {" ".join(attrs)}></textarea>'
            label = f'<label for="{fid}">{html.escape(fd["label"])}</label>' if fd["label"] else ""
            body.append(label + element)
        parts.append(f'<form id="form{f}">{"".join(body)}<button type="submit">Sign in</button></form>')
    return f"<!DOCTYPE html><html><body>{''.join(parts)}</body></html>"


def typed(fd) -> bool:
    """A field a person could type into or choose in, visible (what the rule counts)."""
    return fd["shown"] and not (fd["tag"] == "input" and fd["type"] in ("hidden", "checkbox", "submit"))


def input_type(fd) -> str:
    return fd["type"] if fd["tag"] == "input" else fd["tag"]


def names_a_user(fd) -> bool:
    words = " ".join([fd["name"], fd["autocomplete"], fd["label"]])
    return (input_type(fd) in ("text", "email") and not CODE.search(fd["name"]) and
            fd["autocomplete"] != "one-time-code" and (input_type(fd) == "email" or bool(USER.search(words))))


def allowed(fields) -> dict:
    """kind -> the set of field indexes the rule lets that kind tag in this form (empty: not a candidate)."""
    visible = [i for i, fd in enumerate(fields) if typed(fd)]
    out = {}
    if len(visible) == 1:
        fd = fields[visible[0]]
        out["code"] = out["password"] = out["identifier"] = {visible[0]}
        if input_type(fd) != "password":
            out.pop("password")
        if not names_a_user(fd):
            out.pop("identifier")
        code_like = fd["autocomplete"] == "one-time-code" or (
            input_type(fd) in ("text", "tel", "number", "password") and CODE.search(fd["name"] or "")
            and (fd["maxlength"] is None or fd["maxlength"] <= 12))
        if not code_like:
            out.pop("code")
    if len(visible) == 2:
        passwords = [i for i in visible if input_type(fields[i]) == "password"]
        if len(passwords) == 1:
            other = next(i for i in visible if i != passwords[0])
            if names_a_user(fields[other]):
                out["login"] = {passwords[0]}
                out["username"] = {other}
    return out


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_browser(None, True), args=LAUNCH_FLAGS)
        yield browser.new_page()
        browser.close()


@settings(max_examples=examples(2000), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(forms=page_forms)
def test_only_a_field_the_rule_is_sure_of_is_tagged(page, forms):
    page.set_content(render(forms))
    page.evaluate(CLASSIFY_JS)
    tags = page.evaluate("""() => [...document.querySelectorAll('[data-aws-sts-kind]')]
        .filter((el) => el.dataset.case).map((el) => [el.dataset.case, el.dataset.awsStsKind])""")
    candidates = [f for f, fields in enumerate(forms) if any(k != "username" for k in allowed(fields))]
    if len(candidates) != 1:
        assert tags == [], (render(forms), tags)  # none, or two sign-in forms: not sure which one
        return
    for case, kind in tags:
        f, i = (int(n) for n in case[1:].split("_"))
        assert f == candidates[0] and i in allowed(forms[f]).get(kind, set()), (render(forms), tags)
    # And a form that is exactly one shape is recognised (the rule is not just "tag nothing").
    kinds = {kind for _, kind in tags}
    shapes = allowed(forms[candidates[0]])
    assert kinds & set(shapes), (render(forms), tags, shapes)
