"""One exception tree. Each class carries its exit code; the message is what the user sees.

Messages are one or two plain lines: what went wrong and what to do. They must never contain a
password, a code, a SAML assertion or a session token.
"""

EXIT_OK = 0
EXIT_FAILURE = 1  # authentication or AWS failure
EXIT_USAGE = 2  # usage or configuration error
EXIT_INTERRUPTED = 130


class AwsStsError(Exception):
    """Base class: str(error) is the message shown to the user."""

    exit_code = EXIT_FAILURE


class UsageError(AwsStsError):
    """Bad flags, or a prompt that cannot be shown (no TTY)."""

    exit_code = EXIT_USAGE


class ConfigError(AwsStsError):
    """config.json is missing, unreadable or invalid. warnings: lines about the file worth showing with it."""

    exit_code = EXIT_USAGE
    warnings: tuple = ()


class NoTtyError(UsageError):
    """A value is needed and there is no terminal to ask for it."""


class PromptTimeoutError(AwsStsError):
    """Nobody answered a question on the terminal within its time limit."""


class RoleChoiceError(UsageError):
    """--role matched no role, or more than one."""


class CredentialsFileError(AwsStsError):
    """The AWS credentials file cannot be read, parsed or written. It is left untouched."""

    exit_code = EXIT_USAGE


class AuthenticationError(AwsStsError):
    """The IdP refused the sign-in (wrong password, wrong code, push rejected, locked...)."""


class BrowserError(AwsStsError):
    """No browser found, or it could not be started."""


class PageError(AwsStsError):
    """The IdP showed a page the tool does not know, or a wait timed out."""


class SamlError(AwsStsError):
    """The SAML assertion is missing, malformed, or assigns no roles."""


class StsError(AwsStsError):
    """AWS STS refused the request or could not be reached."""


class CommandError(AwsStsError):
    """--exec's command cannot be started: 127 when it is not found, 126 when it cannot run (as a shell says)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code
