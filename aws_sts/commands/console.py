"""aws-sts --console: sign in, get the role's credentials, and print a URL that signs in to the AWS console as
the role (one line on stdout, so `aws-sts --console | xargs open` works); nothing is written.

On a desktop (a display here, or macOS) the URL is also opened in the default browser, unless this runs in
aws-sts's container image (AWS_STS_IN_CONTAINER, set by its Dockerfile): a browser there is nobody's. The
URL is a bearer secret for 15 minutes: it goes to stdout and the browser only.
"""

from __future__ import annotations

import os
import sys

from aws_sts import federation, target
from aws_sts.browser import has_display, output_to_devnull
from aws_sts.commands import Request
from aws_sts.commands.common import issue
from aws_sts.errors import EXIT_OK
from aws_sts.prompts import Prompts

IN_CONTAINER = "AWS_STS_IN_CONTAINER"
# What webbrowser falls back to without a graphical browser: they would take over this terminal.
TERMINAL_BROWSERS = {"www-browser", "links", "elinks", "lynx", "w3m"}


def run(request: Request) -> int:
    config, account, prompts = request.config, request.account, Prompts()
    federation.endpoint("aws")  # a wrong AWS_ENDPOINT_URL_SIGNIN stops the run before anyone signs in
    issued = issue(request, prompts)
    partition = issued.role.partition
    endpoint = federation.endpoint(partition)
    token = federation.signin_token(endpoint, issued.result.credentials, timeout=config.timeout_seconds)
    url = federation.login_url(endpoint, token, account.idp_entry_url,
                               federation.destination(partition, config.region))
    print(url, flush=True)
    prompts.say(f"Role: {issued.result.role_arn}. The URL above signs in to the AWS console within 15 minutes; "
                "keep it to yourself.")
    if target.second_hop(config, account, issued.role.account_id):
        prompts.say(f"A chained session (the second hop into {account.name}) is limited to one hour by AWS: so is "
                    "this console session.")
    if can_open_browser():
        prompts.say("Opened it in your browser." if open_quietly(url) else
                    "Could not open a browser here: open the URL yourself.")
    return EXIT_OK


def can_open_browser(environ=os.environ, platform: str = sys.platform) -> bool:
    """A desktop session, not the container."""
    if environ.get(IN_CONTAINER):
        return False
    return platform == "darwin" or has_display()


def open_quietly(url: str) -> bool:
    """webbrowser.open(url) without the browser's output on this run's stdout and stderr (nor them held open by
    a browser that outlives the run); False when no graphical browser was found."""
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    if getattr(browser, "name", "") in TERMINAL_BROWSERS:
        return False
    with output_to_devnull(1, 2):
        return bool(browser.open(url))

