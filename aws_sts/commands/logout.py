"""aws-sts --logout: end the stored IdP session of each account's IdP host (--account: its host only), at the IdP
and here, and forget the credential_process cache entries signed in through it. The credentials file is left
alone.
"""

from __future__ import annotations

from typing import Callable

from aws_sts import cache, idp_session
from aws_sts.commands import Request
from aws_sts.errors import EXIT_FAILURE, EXIT_OK
from aws_sts.prompts import Prompts
from aws_sts.providers import NotEnded, get_provider
from aws_sts.redact import first_line


def run(request: Request) -> int:
    """Exit 1 when an IdP could not be told (its local file is deleted all the same)."""
    config, say = request.config, Prompts().say
    accounts = [request.account] if request.account_named else list(config.accounts.values())
    all_told = True
    done = set()
    for account in accounts:
        url = account.idp_entry_url
        host = idp_session.host_of(url)
        if host in done:
            continue
        done.add(host)
        cookies = idp_session.load(url, warn=say)
        if not cookies:
            idp_session.forget(url)
            say(f"No stored sign-in for {host}.")
            _say_forgotten(cache.forget_signed_in_through(host), host, say)
            continue
        provider = get_provider(config.provider, config.provider_settings)
        deleted = f"Deleted the stored sign-in for {host}"
        try:
            ended = provider.logout(url, cookies, config.timeout_seconds)
        except NotEnded as exc:
            all_told = False
            line = f"{deleted}; not signed out at {provider.name}: {exc}."
        except OSError as exc:
            all_told = False
            line = (f"Signed out of {host}: {provider.name} could not be told ({_network_failure(exc)}), so the "
                    "session may stay open there until it times out; the stored sign-in was deleted.")
        else:
            if ended is None:  # the provider cannot end the session (the generic one without logoutUrl)
                line = (f"{deleted}; the session stays open at {provider.name} until it times out "
                        f"({provider.no_logout_hint}).")
            else:
                told = f"{provider.name} ended the session" if ended else \
                    f"the session had already ended at {provider.name}"
                line = f"Signed out of {host}: {told}; the stored sign-in was deleted."
        idp_session.forget(url)
        say(line)
        _say_forgotten(cache.forget_signed_in_through(host), host, say)
    return EXIT_OK if all_told else EXIT_FAILURE


def _say_forgotten(count: int, host: str, say: Callable[[str], None]) -> None:
    if count:
        say(f"Forgot {count} cached credential{'' if count == 1 else 's'} of --format process signed in "
            f"through {host}.")


def _network_failure(exc: OSError) -> str:
    """Why a request failed, in a few plain words: urllib's "<urlopen error [Errno 111] Connection refused>"
    becomes "Connection refused"; a provider's own OSError("... answered HTTP 500") stays as it is."""
    reason = getattr(exc, "reason", None)  # URLError wraps the socket (or TLS) error
    inner = reason if isinstance(reason, BaseException) else exc
    if isinstance(inner, TimeoutError) or type(inner).__name__ == "timeout":
        return "no answer in time"
    text = getattr(inner, "verify_message", None) or getattr(inner, "strerror", None)
    if not text and isinstance(reason, str):
        text = reason
    if not text and type(exc) is OSError and len(exc.args) == 1 and isinstance(exc.args[0], str):
        text = exc.args[0]
    return first_line(text) if text else f"network error: {type(inner).__name__}"

