"""Failure artifacts: a screenshot and the HTML of the page aws-sts was stuck on, for the user to look at.

They live in ~/.aws/aws-sts-debug/ (0700, files 0600), which survives the Docker container because ~/.aws
is mounted. They never hold a secret: typed values are cleared from the page first, the HTML goes
through redact.scrub, and when the page *shows* a secret or anything shaped like an assertion (a
screenshot cannot be scrubbed) the screenshot is left out.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Optional, Sequence

from aws_sts import redact

CLEAR_TYPED_VALUES_JS = """() => {
  const keep = ['submit', 'button', 'reset', 'image', 'checkbox', 'radio'];  // labels, not typed values
  for (const el of document.querySelectorAll('input, textarea')) {
    if (keep.includes((el.type || '').toLowerCase())) continue;
    el.value = '';
    if (el.hasAttribute('value')) el.setAttribute('value', '');
    if (el.tagName === 'TEXTAREA') el.textContent = '';
  }
}"""


def debug_dir() -> Path:
    return Path.home() / ".aws" / "aws-sts-debug"


def save(page, label: str, secrets: Sequence[Optional[str]]) -> Optional[Path]:
    """Screenshot + HTML of the current page, scrubbed of secrets. Returns the folder, or None on failure."""
    folder = debug_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "page"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        try:
            page.evaluate(CLEAR_TYPED_VALUES_JS)
        except Exception:  # a page that is gone or navigating: the HTML scrub still applies
            pass
        raw = page.content()
        base = folder / f"{stamp}-{slug}"
        shown = _visible_text(page)
        if shown is None or redact.shows_secret(shown, secrets):
            raw = "<!-- aws-sts: no screenshot: this page shows a secret (scrubbed below) -->\n" + raw
        else:
            _write(f"{base}.png", page.screenshot(full_page=True))
        _write(f"{base}.html", redact.scrub(raw, secrets).encode("utf-8"))
        return folder
    except Exception:  # artifacts are a courtesy: never let them hide the real error
        return None


def _visible_text(page) -> Optional[str]:
    """What a screenshot would show: the page's text (input values were cleared just before); None when
    that cannot be told, which counts as showing a secret."""
    try:
        return page.evaluate("() => document.body ? document.body.innerText : ''") or ""
    except Exception:
        return None


def _write(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
