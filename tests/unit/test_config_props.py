"""Properties of config validation over generated input (hypothesis).

The entry-URL rule is proved against a real WHATWG URL parser: Node's global URL class, which follows
the same standard as Chromium. One node process per test module answers JSON lines.
"""

import io
import json
import math
import re
import shutil
import subprocess
from collections import Counter
from contextlib import redirect_stderr
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_sts import config, urls
from aws_sts.errors import ConfigError
from tests.helpers import examples

PATH = Path("/etc/aws-sts/config.json")
DEFAULT_PORTS = {"http:": "80", "https:": "443"}

NODE_SCRIPT = r"""
const rl = require("readline").createInterface({input: process.stdin});
function parse(url) {
  try {
    const u = new URL(url);
    return {protocol: u.protocol, hostname: u.hostname, port: u.port, username: u.username, password: u.password};
  } catch (e) {
    return null;
  }
}
rl.on("line", (line) => {  // one URL, or a list of them
  const input = JSON.parse(line);
  process.stdout.write(JSON.stringify(Array.isArray(input) ? input.map(parse) : parse(input)) + "\n");
});
"""


@pytest.fixture(scope="module")
def whatwg():
    """url (or a list of urls) -> Node's parse ({protocol, hostname, port, username, password}), None if it fails."""
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed: the URL rule cannot be checked against a WHATWG parser")
    proc = subprocess.Popen([node, "-e", NODE_SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def parse(url):
        proc.stdin.write(json.dumps(url) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    yield parse
    proc.stdin.close()
    proc.wait(timeout=10)


def node_says_loopback(hostname):
    # Node prints IPv4 hosts as canonical dotted quads and IPv6 compressed in brackets.
    return hostname in ("localhost", "[::1]") or re.fullmatch(r"127\.[0-9]+\.[0-9]+\.[0-9]+", hostname) is not None


# ---------------------------------------------------------------- a hostile URL grammar

def ipv4_part(n, style):
    return {"dec": str(n), "hex": hex(n), "HEX": hex(n).upper(), "oct": "0" + oct(n)[2:], "pad": "00" + str(n)}[style]


ipv4_shorthand = st.builds(
    lambda parts, styles, dot: ".".join(ipv4_part(n, s) for n, s in zip(parts, styles)) + dot,
    st.lists(st.sampled_from([0, 1, 7, 127, 255, 256, 4095, 65535, 2130706433, 4294967295, 4294967296]),
             min_size=1, max_size=5),
    st.lists(st.sampled_from(["dec", "dec", "hex", "HEX", "oct", "pad"]), min_size=5, max_size=5),
    st.sampled_from(["", "", "."]),
)
IPV6_FORMS = [
    lambda a: f"[{a.compressed}]", lambda a: f"[{a.exploded}]", lambda a: f"[{a.compressed.upper()}]",
    lambda a: a.compressed, lambda a: f"[{a.compressed}%25eth0]",
    lambda a: f"[::ffff:{a.exploded[-9:-5]}:{a.exploded[-4:]}]",
]
ipv6 = st.one_of(
    st.builds(lambda a, form: form(a), st.ip_addresses(v=6), st.sampled_from(IPV6_FORMS)),
    st.sampled_from(["[::ffff:127.0.0.1]", "[::1]", "[0:0:0:0:0:0:0:1]", "[::1", "[::1]]", "[127.0.0.1]",
                     "[::127.0.0.1]"]),
)
punycode_label = st.text(min_size=1, max_size=4).map(
    lambda t: "xn--" + t.encode("punycode").decode("ascii", "replace"))
label = st.one_of(
    st.text(alphabet="abcxyz0189-", min_size=1, max_size=8),
    st.text(alphabet="aAbZx0x9-_.%~@:\u00e9\uff41\u3002", max_size=6),
    punycode_label,
    st.sampled_from(["localhost", "LOCALHOST", "LocalHost", "127", "0x7f", "0x", "0", "com", "okta", "%31", "%2e",
                     "loc%61lhost", "\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54", "\uff11\uff12\uff17",
                     "xn--nxasmq6b", "xn--a", "xn--", "xn--zca", "xn--ls8h", "xn--mgbh0fb", "a\u200db"]),
)
named_host = st.lists(label, min_size=1, max_size=4).map(".".join)
host = st.one_of(
    named_host, ipv4_shorthand, ipv6, st.ip_addresses(v=4).map(str),
    st.sampled_from(["localhost", "localhost.", "127.0.0.1", "127.0.0.1.", "127.1", "0x7f.1", "2130706433",
                     "example.okta.com", "EXAMPLE.okta.com", "evil.com#.localhost", "", ".", "a..b"]),
)
noise = st.sampled_from(["\t", "\n", "\r", " ", "\\", "@", "\x00", "\x1b[31m", "%", "\u00a0", "\ufeff", "#", "?",
                         "/", ":", "[", "]", ".", "%2f", "%00", "\u2028"])
port = st.one_of(
    st.just(""),
    st.integers(0, 70000).map(lambda n: f":{n}"),
    st.sampled_from([":", ":0", ":80", ":443", ":0080", ":65535", ":65536", ":-1", ":8o", ": 80", ":\uff18\uff10",
                     ":1:2", ":99999999999"]),
)
rest = st.one_of(st.just(""), st.text(alphabet="/?#@\\:;%.a1 \t\n[]&=", max_size=12),
                 st.sampled_from(["/home/amazon_aws/0oa1/272", "/x?y=1#z", "?next=https://u:p@evil.com/"]))


# Each part is right half of the time, so that URLs with one or two odd parts are common.
SCHEMES = st.one_of(st.sampled_from(["https", "http"]), st.sampled_from([
    "HTTPS", "hTtP", "ftp", "file", "javascript", "ws", "", "https ", " http", "ht\ttp", "http\n"]))
SEPARATORS = st.one_of(st.just("://"), st.sampled_from([
    ":/", ":", ":///", ":\\\\", ":/\\", ":\\/", "://\t", ":// ", "://\n", "//", ":////"]))
USERINFO = st.one_of(st.just(""), st.sampled_from([
    "user@", "user:pw@", "@", ":@", "a@b@", "u%40x:p@", "u\\@", "localhost@", "127.0.0.1:80@"]))
NOISE = st.one_of(st.just([]), st.lists(st.tuples(st.integers(0, 200), noise), min_size=1, max_size=2))


@st.composite
def hostile_urls(draw):
    url = draw(SCHEMES) + draw(SEPARATORS) + draw(USERINFO) + draw(host) + draw(port) + draw(rest)
    for at, char in draw(NOISE):  # noise anywhere: WHATWG drops some of it, Python keeps it
        url = url[:at] + char + url[at:]
    return url


IDN_LABEL = st.text(st.characters(categories=["Ll", "Lo", "Mn", "Nd"]), min_size=1, max_size=4).map(
    lambda t: "xn--" + t.encode("punycode").decode("ascii"))
PLAIN_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8).map(
    lambda s: s.strip("-") or "a")
PATH_TEXT = st.text(alphabet=[chr(c) for c in range(33, 127) if chr(c) != "\\"], max_size=20)
# Mostly URLs the rule accepts, so that the property is exercised on many accepted URLs.
near_valid_urls = st.builds(
    "{}://{}{}{}".format,
    st.sampled_from(["https", "http"]),
    st.one_of(
        st.lists(st.one_of(PLAIN_LABEL, PLAIN_LABEL, IDN_LABEL), min_size=1, max_size=4).map(".".join),
        st.just("localhost"), st.ip_addresses(v=4).map(str), st.ip_addresses(network="127.0.0.0/8").map(str),
        st.ip_addresses(v=6).map(lambda a: f"[{a.compressed}]"), st.just("[::1]"),
    ),
    st.one_of(st.just(""), st.integers(1, 65535).map(":{}".format)),
    st.one_of(st.just(""), PATH_TEXT.map("/{}".format)),
)


# The hostile host grammar in an otherwise plain URL: where a lax rule would accept an odd host.
odd_hosts_in_plain_urls = st.builds("{}://{}{}{}".format, st.sampled_from(["https", "http"]), host, port, rest)
SECRETS = st.text(alphabet="0123456789abcdef", min_size=8, max_size=8).map(lambda s: "pw" + s)


# Checked on every run besides the generated ones: the kinds of URL a lax rule let through.
TRICKY_URLS = [
    "https://[::%25eth0]/", "http://[::1%25lo]/", "https://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/",
    "http://127.1/", "https://0x7f.0.0.1/", "http://2130706433/", "http://0177.0.0.1/", "http://localhost./",
    "http://127.0.0.1./", "https://a.0x/", "https://example.com.123/", "https://xn--a.com/", "https://xn--.com/",
    "https://example.com\\@evil.com/", "http:/\\localhost/", "http://loc%61lhost/", "http://LOCALHOST/",
    "https://\uff11\uff12\uff17.0.0.1/", "https://example.com:0080/", "https://example.com:/", "http://localhost:0/",
    "https://exa\tmple.com/", "https://example.com\n.evil.com/", "http://127.0.0.1\t.evil.com/",
] + [f"https://xn--{('a' + c).encode('punycode').decode()}.com/" for c in "\u034f\u115f\u180b\ufe0f\U000e0100"]


def test_accepted_urls_parse_alike_in_python_and_the_browser(whatwg):
    seen, refused = Counter(), []

    def check(url):
        if urls.problem(url) is not None:
            refused.append(url)  # asked in one batch below: only accepted URLs need shrinking
            return
        node = whatwg(url)
        seen["accepted"] += 1
        assert node is not None, f"accepted, but the browser cannot parse {url!r}"
        ours = urlsplit(url)
        assert node["protocol"] == ours.scheme + ":"
        assert node["hostname"].strip("[]") == ours.hostname, url
        assert (node["port"] or DEFAULT_PORTS[node["protocol"]]) == str(ours.port or DEFAULT_PORTS[node["protocol"]])
        assert node["username"] == node["password"] == "" and ours.username is None and ours.password is None
        if ours.scheme == "http":
            seen["http accepted"] += 1
            assert node_says_loopback(node["hostname"]), url
            assert urls.is_loopback(ours.hostname)

    for url in TRICKY_URLS:
        check(url)
    for name, strategy in (("hostile", hostile_urls()), ("odd host", odd_hosts_in_plain_urls),
                           ("near-valid", near_valid_urls)):
        before = seen["accepted"]
        settings(max_examples=700, deadline=None)(given(strategy)(check))()
        seen[f"{name} accepted"] = seen["accepted"] - before
    seen["refused"] = len(refused)
    seen["refused, though the browser reads it"] = sum(node is not None for node in whatwg(refused))
    # The property means something only if both sides were exercised (and the rule is not "refuse all").
    assert seen["near-valid accepted"] > 300 and seen["odd host accepted"] > 20 and seen["http accepted"] > 100, seen
    assert seen["refused"] > 700 and seen["refused, though the browser reads it"] > 300, seen


@settings(max_examples=examples(400), deadline=None)
@given(url=hostile_urls(), secret=SECRETS)
def test_url_messages_never_echo_a_password_and_stay_short(url, secret):
    at = url.find("@")
    if at >= 0:  # put a distinctive password wherever the URL has a user part
        url = url[:at] + ":" + secret + url[at:]

    def fail(expected):
        return ConfigError(f"key 'idpEntryUrl' {expected}.")

    try:
        config.check_url(url, fail)
    except ConfigError as exc:
        message = str(exc)
        assert secret not in message
        assert len(message) < 250 and "\n" not in message and "\t" not in message


# ---------------------------------------------------------------- whole configs

NAMES = st.one_of(
    st.sampled_from(["staging", "production", "qa-eu", "team.dev", "DEFAULT", "-x", "123456789012", "a b", "a[b]",
                     "a%s", "x/y", "prod\n", "arn:x", "\u202egnitset", "caf\u00e9", "\u0663\u0664"]),
    st.text(max_size=10),
    st.text(alphabet="abcXYZ019-_.+=@,%", min_size=1, max_size=60),
)
NUMBERS = st.one_of(
    st.sampled_from(["123456789012", "210987654321", "12345678901", "1234567890123", "١٢٣٤٥٦٧٨٩٠١٢",
                     "１２３４５６７８９０１２", "123456789012\n", " 123456789012"]),
    st.integers(0, 10**13), st.text(alphabet="0123456789\u0660\uff10 ", min_size=11, max_size=13),
)
HUGE_VALUES = ["x" * 70_000, "\n" * 5_000 + "a", "https://" + "a" * 3_000 + ".com/",
               "https://user:pwHUGE0000@" + "b" * 5_000 + ".com/"]
HUGE = st.integers(0, len(HUGE_VALUES) - 1).map(HUGE_VALUES.__getitem__)  # (a short repr in statistics)
# A password inside values of any key, with or without what makes them fail elsewhere (control characters).
WITH_SECRET = st.builds("{}https://user:{}@example.okta.com/{}".format, st.sampled_from(["", "\n", " ", "x"]),
                        SECRETS, st.sampled_from(["", "\t", "\x00", "\\"]))
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(10**20, 10**300) | st.floats() | st.text(max_size=80)
    | HUGE | WITH_SECRET,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=4,
)
GOOD_URLS = st.sampled_from(["https://example.okta.com/home/amazon_aws/0oa1/272", "http://127.0.0.1:8080/x",
                             "http://localhost/x", "https://[::1]:8443/"])
SECRET_URLS = SECRETS.map(lambda s: f"https://user:{s}@example.okta.com/x")
ENTRY_URLS = st.one_of(GOOD_URLS, GOOD_URLS, hostile_urls(), SECRET_URLS, JUNK)


ACCOUNTS = st.dictionaries(NAMES, st.one_of(
    NUMBERS,
    st.fixed_dictionaries({"accountNumber": NUMBERS}, optional={"idpEntryUrl": ENTRY_URLS, "extra": JUNK}),
    JUNK,
), min_size=1, max_size=3)
TOP_LEVEL = {
    "awsConfigPath": st.sampled_from(["/.aws/credentials", "~/creds", "/x/", "a\x00b", "/a\nb"]),
    "outputFormat": st.sampled_from(["json", "text", "table", "yaml", "yaml-stream", "JSON", "json\n", "xml"]),
    "region": st.sampled_from(["us-east-1", "us-gov-west-1", "cn-north-1", "us-east-1\n", "mars-1", "US-EAST-1",
                               "us-east-\u0661", "us-east-1\x1b[0m"]),
    "provider": st.sampled_from(["okta", "onelogin"]),
    "idpEntryUrl": ENTRY_URLS,
    "browserPath": st.sampled_from(["/usr/bin/chromium", "/usr/bin/chro\x00mium", "C:\\chrome\r\n"]),
    "timeoutSeconds": st.one_of(st.integers(-5, 5000), st.floats(), st.booleans(), st.integers(10**20, 10**300)),
}
UNKNOWN = st.dictionaries(st.text(max_size=70), JUNK, max_size=4)


@st.composite
def config_data(draw):
    """Each key absent, of the right kind, or anything; accounts mostly a dict; unknown keys too."""
    data = {}
    for key, good in TOP_LEVEL.items():
        choice = draw(st.integers(0, 5))
        if choice:
            data[key] = draw(JUNK) if choice == 1 else draw(good)
    data["accounts"] = draw(ACCOUNTS) if draw(st.integers(0, 9)) else draw(JUNK)
    choice = draw(st.integers(0, 5))
    if choice:
        names = list(data["accounts"]) if isinstance(data["accounts"], dict) and data["accounts"] else ["x"]
        data["defaultAccount"] = draw(JUNK) if choice == 1 else names[draw(st.integers(0, len(names) - 1))]
    data.update(draw(UNKNOWN))
    return data


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)


def assert_echoes_little(text, data):
    """No run of more than 60 characters of any string of the config, and no password."""
    grams = {text[i:i + 61] for i in range(len(text) - 60)}
    for value in strings_in(data):
        assert len(value) <= 60 or not any(gram in value for gram in grams), "a long value is echoed"
        for secret in re.findall(r"pw[0-9a-fA-Z]{8}", value):  # (SECRETS, HUGE_VALUES)
            assert secret not in text, "a password is echoed"


@settings(max_examples=examples(600), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=config_data())
def test_parse_returns_a_sound_config_or_names_the_key(data):
    err = io.StringIO()
    with redirect_stderr(err):
        try:
            cfg = config.parse(data, PATH, environ={"HOME": "/home/u"})
        except ConfigError as exc:
            message = str(exc)
            key = re.match(re.escape(str(PATH)) + r": key '([^']*)'", message)
            assert key and key.group(1).split(".")[0] in config.KNOWN_KEYS, message
            assert len(message) <= 300 and message.count("\n") <= 1, message
            assert message.isprintable(), message
            assert_echoes_little(message, data)
            cfg = None
    warnings = err.getvalue().splitlines()
    assert len(warnings) <= config.MAX_WARNINGS + 1 and all(len(w) <= 300 and w.isprintable() for w in warnings)
    assert_echoes_little(err.getvalue(), data)
    if cfg is None:
        return
    # What loaded is fit for every later use.
    assert cfg.default_account in cfg.accounts and 1 <= cfg.timeout_seconds <= 3600
    assert cfg.output_format in (None, *config.OUTPUT_FORMATS)
    assert cfg.region is None or re.fullmatch(r"[a-z0-9-]+", cfg.region, re.ASCII)
    for name, account in cfg.accounts.items():
        assert re.fullmatch(r"[0-9]{12}", account.number, re.ASCII) and name.isprintable()
        assert urls.problem(account.idp_entry_url) is None


# ---------------------------------------------------------------- single values

def botocore_regions():
    import botocore

    data_dir = Path(botocore.__file__).parent / "data"
    regions = set()
    for name in ("endpoints.json", "partitions.json"):
        for partition in json.loads((data_dir / name).read_text())["partitions"]:
            regions.update(partition["regions"])
    return sorted(r for r in regions if not r.endswith("-global"))  # aws-global & co. are not regions


def parse_with(**change):
    base = {"idpEntryUrl": "https://example.okta.com/x", "defaultAccount": "a", "accounts": {"a": "123456789012"}}
    return config.parse(dict(base, **change), PATH, environ={"HOME": "/home/u"})


def test_every_botocore_region_is_accepted():
    regions = botocore_regions()
    assert len(regions) > 30 and "us-gov-west-1" in regions and "eusc-de-east-1" in regions
    for region in regions:
        assert parse_with(region=region).region == region


@settings(max_examples=examples(600), deadline=None)
@given(region=st.sampled_from(botocore_regions()), extra=st.text(min_size=1, max_size=3), at=st.integers(0, 20))
def test_a_region_with_anything_else_in_it_is_refused(region, extra, at):
    mutated = region[:at] + extra + region[at:]
    if re.fullmatch(r"[a-z0-9-]*", extra, re.ASCII):
        return  # still region-shaped letters; other tests cover the shape
    with pytest.raises(ConfigError, match="'region'"):
        parse_with(region=mutated)


@settings(max_examples=examples(600), deadline=None)
@given(number=NUMBERS)
def test_account_numbers_are_exactly_twelve_ascii_digits(number):
    valid = isinstance(number, str) and len(number) == 12 and all(c in "0123456789" for c in number)
    try:
        assert parse_with(accounts={"a": number}).accounts["a"].number == number and valid
    except ConfigError as exc:
        assert not valid and "accounts.a" in str(exc)


@settings(max_examples=examples(600), deadline=None)
@given(timeout=st.one_of(st.floats(), st.integers(), st.integers(10**20, 10**400), st.booleans(), st.text(max_size=4)))
def test_timeout_is_a_finite_number_of_seconds_in_range(timeout):
    valid = not isinstance(timeout, (bool, str)) and 1 <= timeout <= 3600
    try:
        cfg = parse_with(timeoutSeconds=timeout)
        assert valid and math.isfinite(cfg.timeout_seconds)
    except ConfigError as exc:
        assert not valid and "'timeoutSeconds'" in str(exc) and len(str(exc)) < 200


@settings(max_examples=examples(300), deadline=None)
@given(name=NAMES, role=st.sampled_from(["Developer", "Admin"]))
def test_accepted_account_names_survive_argparse_profiles_and_role_lookup(name, role, tmp_path_factory):
    """Whatever name loads works as an --account choice, in a profile header read back by botocore
    and as the ACCOUNT of --role ACCOUNT/ROLE."""
    from botocore.configloader import raw_config_parse

    from aws_sts import cli, target
    from aws_sts.saml import Role

    try:
        cfg = parse_with(accounts={name: "123456789012", "other": "210987654321"}, defaultAccount="other")
    except ConfigError as exc:
        assert "'accounts'" in str(exc)
        return
    parser = cli.build_parser(list(cfg.accounts), name)
    parser.format_help()
    parser.format_usage()
    assert parser.parse_args(["--account", name]).account == name
    credentials = tmp_path_factory.getbasetemp() / "names-credentials"
    credentials.write_text(f"[{name}-{role}]\naws_access_key_id = AKIA\n")
    assert list(raw_config_parse(str(credentials))) == [f"{name}-{role}"]
    found = Role(f"arn:aws:iam::123456789012:role/{role}", "arn:aws:iam::123456789012:saml-provider/okta")
    decoy = Role(f"arn:aws:iam::210987654321:role/{role}", "arn:aws:iam::210987654321:saml-provider/okta")
    assert target.find_role([decoy, found], f"{name}/{role}", cfg, cfg.account(None)) == found


@settings(max_examples=examples(200), deadline=None)
@given(count=st.integers(0, 5000), key=st.text(max_size=200))
def test_unknown_key_warnings_are_few_and_short(count, key):
    lines = parse_with(**{f"{key}{i}": i for i in range(count)}).warnings
    assert len(lines) == min(count, 3) + (count > 3)
    assert all(len(line) < 200 and line.isprintable() for line in lines)
    if count > 3:
        assert f"and {count - 3} more" in lines[-1]


def test_node_harness_can_tell_urls_apart(whatwg):
    """The oracle itself: the browser reads these differently from Python, so the test can fail."""
    assert whatwg("http://127.1/")["hostname"] == "127.0.0.1"
    assert whatwg("https://evil.com\\@good.com/")["hostname"] == "evil.com"
    assert urlsplit("https://evil.com\\@good.com/").hostname == "good.com"
    assert whatwg("http://loc%61lhost/")["hostname"] == "localhost"
