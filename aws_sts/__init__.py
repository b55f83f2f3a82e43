"""aws-sts: turn an SSO login into short-lived AWS credentials."""

__version__ = "0.1.0"
