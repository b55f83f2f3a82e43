"""What went wrong with one STS call, said in one line that quotes nothing secret.

botocore's exceptions may quote the answer's body (and with it issued keys): nothing here passes their
text on except an error code and message from AWS's own XML, with the call's secrets removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_sts.redact import MARK

# Error codes AWS uses for "slow down", retried like a 5xx.
THROTTLING = {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
              "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled", "SlowDown",
              "PriorRequestNotComplete", "TransientError"}
WHAT_TO_DO = "try again; if it keeps happening, check your network, any proxy, and AWS_ENDPOINT_URL_STS."


@dataclass(frozen=True)
class Failure:
    """What went wrong in one attempt, in words that quote nothing from the answer."""

    head: str
    detail: str
    advice: str
    retry: bool

    def message(self, attempts: int) -> str:
        tries = f"{attempts} attempts" if attempts > 1 else ""
        inside = ", ".join(part for part in (self.detail, tries) if part)
        return f"{self.head}{f' ({inside})' if inside else ''}{f'; {self.advice}' if self.advice else ''}"


class Unreadable(Exception):
    """A parsed answer without usable credentials."""


def classify(exc: Exception, what: str, endpoint: str, read_timeout: float, secrets) -> Failure:
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
        SSLError,
    )
    from botocore.parsers import ResponseParserError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = one_line(str(error.get("Code") or "Error"), secrets)
        said = f"{code}: {one_line(str(error.get('Message') or ''), secrets)}".rstrip(": ")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if code in THROTTLING:
            return Failure(f"AWS STS at {endpoint} is throttling requests", f"{what}: {said}",
                            "wait a minute and try again.", True)
        if status >= 500:
            return Failure(f"AWS STS at {endpoint} failed {what}", f"HTTP {status} {said}",
                            "AWS may be having trouble: try again in a few minutes.", True)
        return Failure(f"AWS STS refused {what}: {said}", "", "", False)
    # ResponseParserError is not a BotoCoreError; for a well-formed body of the wrong shape (an HTML page)
    # botocore raises a bare KeyError or the like instead. Either way the answer could not be read.
    if isinstance(exc, (ResponseParserError, Unreadable, LookupError, ValueError, TypeError, AttributeError)):
        how = "no usable credentials in it" if isinstance(exc, Unreadable) else "not a valid STS XML answer"
        return Failure("AWS STS sent an answer aws-sts could not read", f"{what}: {how}", WHAT_TO_DO, True)
    if isinstance(exc, SSLError):
        return Failure(f"Could not call AWS STS: the TLS connection to {endpoint} failed", "certificate or proxy",
                        "check AWS_CA_BUNDLE, any TLS-inspecting proxy, and AWS_ENDPOINT_URL_STS.", False)
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):  # refused, DNS, unreachable
        return Failure(f"Could not call AWS STS: could not connect to {endpoint}", "",
                        "check your network connection and AWS_ENDPOINT_URL_STS.", True)
    if isinstance(exc, ConnectionClosedError):
        return Failure(f"AWS STS at {endpoint} closed the connection before answering", what, WHAT_TO_DO, True)
    if isinstance(exc, ReadTimeoutError):
        return Failure(f"AWS STS at {endpoint} did not answer", f"{what}: silent for {read_timeout:g} s",
                        "check your network, or raise timeoutSeconds in the config.", True)
    if isinstance(exc, BotoCoreError):
        return Failure(f"Could not call AWS STS ({what}): {one_line(str(exc), secrets)}", "", "", False)
    raise exc  # not an answer but a bug of ours: the CLI reports it as unexpected


def one_line(text: str, secrets) -> str:
    """Whitespace collapsed, secrets removed, at most 300 characters: a message stays one short line."""
    text = " ".join(text.split())
    for secret in secrets:
        if secret:
            text = text.replace(secret, MARK)
    return text if len(text) <= 300 else text[:297] + "..."
