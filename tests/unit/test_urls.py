"""aws_sts.urls.is_loopback: the one answer to "is this host this machine?", for the proxy rule (aws_sts.web), the
config's "plain http only for localhost" and where a secret may be typed. It reads a host as the resolver does;
the config rule's own cases are in test_config_props.py."""

from __future__ import annotations

import pytest

from aws_sts import urls


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.255.255.254", True), ("127.1", True), ("2130706433", True), ("localhost", True),
    ("LOCALHOST", True), ("::1", True), ("[::1]", True), ("::ffff:127.0.0.1", True),
    ("128.0.0.1", False), ("10.0.0.1", False), ("example.com", False),
    ("localhost.example.com", False), ("127.0.0.1.nip.io", False), ("::2", False), ("", False),
    # inet_aton's other forms, as getaddrinfo reads them
    ("0x7f.1", True), ("0x7F000001", True), ("0177.0.0.1", True), ("127.000.000.001", True), ("[::ffff:7f00:1]", True),
    ("0:0:0:0:0:0:0:1", True), ("0x80.0.0.1", False), ("0", False), ("::ffff:10.0.0.1", False),
    # names glibc asks DNS about (another machine may answer), and what inet_aton reads but getaddrinfo refuses
    ("a.localhost", False), ("localhost.", False), ("LocalHost.", False), ("127.0.0.1.", False),
    ("127.0.0.1 evil.com", False), ("127.0.0.1\t", False), ("127.0.0.1\0", False)])
def test_is_loopback(host, loopback):
    assert urls.is_loopback(host) is loopback


@pytest.mark.parametrize("url, accepted", [
    ("http://127.0.0.1:8080/sso", True), ("http://localhost/sso", True), ("http://[::1]:9000/sso", True),
    ("http://127.1/sso", False), ("http://[::ffff:7f00:1]/sso", False), ("http://a.localhost/sso", False)])
def test_the_config_rule_takes_plain_http_only_for_hosts_the_browser_calls_localhost(url, accepted):
    assert (urls.problem(url) is None) is accepted
