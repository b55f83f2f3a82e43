"""aws-sts.sh's own checks and what it hands the container engine, with a stub engine that records its arguments:
one line and exit 2 for a missing engine, the placeholder image and an unusable CA bundle; proxy variables passed
by name (values never on the command line); the CA bundle mounted read-only and named by AWS_CA_BUNDLE inside."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "aws-sts.sh"
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.fixture
def env(tmp_path):
    """A clean environment: HOME in tmp_path, PATH with bash's basics only (no docker, no podman)."""
    home = tmp_path / "home"
    home.mkdir()
    return {"HOME": str(home), "PATH": "/usr/bin:/bin"}


@pytest.fixture
def stub(tmp_path):
    """An engine that writes its arguments, one per line, to a file and succeeds."""
    engine = tmp_path / "engine"
    record = tmp_path / "engine-args"
    engine.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n')
    engine.chmod(0o755)
    return engine, record


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/bash", str(WRAPPER), *args], env=env, capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)


def assert_one_line(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("aws-sts.sh: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_an_engine_that_does_not_exist(env):
    assert_one_line(run({**env, "AWS_STS_ENGINE": "/nonexistent", "AWS_STS_IMAGE": "acme/aws-sts:1"}),
                    "'/nonexistent'", "AWS_STS_ENGINE", "docker or podman")


def test_no_engine_at_all(env, tmp_path):
    empty = tmp_path / "empty-path"
    empty.mkdir()
    result = run({**env, "PATH": str(empty), "AWS_STS_IMAGE": "acme/aws-sts:1"})  # (the check needs no program)
    assert_one_line(result, "neither docker nor podman", "AWS_STS_ENGINE")


def test_the_placeholder_image(env, stub):
    engine, record = stub
    result = run({**env, "AWS_STS_ENGINE": str(engine)}, "--version")
    assert_one_line(result, "IMAGE", "AWS_STS_IMAGE", "placeholder", "registry.example.com/aws-sts:latest")
    assert not record.exists()  # the engine was not run


def test_proxy_variables_pass_by_name(env, stub):
    engine, record = stub
    proxies = {"HTTPS_PROXY": "http://user:secret@proxy:3128", "https_proxy": "http://user:secret@proxy:3128",
               "HTTP_PROXY": "http://proxy:3128", "http_proxy": "http://proxy:3128",
               "NO_PROXY": "corp.example", "no_proxy": "corp.example"}
    result = run({**env, **proxies, "AWS_STS_ENGINE": str(engine), "AWS_STS_IMAGE": "acme/aws-sts:1"}, "--role", "R")
    assert result.returncode == 0, result
    args = record.read_text().splitlines()
    for name in proxies:
        assert ["-e", name] in [args[i:i + 2] for i in range(len(args) - 1)], name
    assert not any("secret" in arg or "corp.example" in arg for arg in args)
    assert args[-3:] == ["acme/aws-sts:1", "--role", "R"]


@pytest.mark.parametrize("variable", ["AWS_CA_BUNDLE", "AWS_STS_CA_BUNDLE"])
def test_the_ca_bundle_is_mounted_and_named_inside(env, stub, tmp_path, variable):
    engine, record = stub
    bundle = tmp_path / "corp ca.pem"
    bundle.write_text(PEM)
    result = run({**env, variable: str(bundle), "AWS_STS_ENGINE": str(engine), "AWS_STS_IMAGE": "acme/aws-sts:1"})
    assert result.returncode == 0, result
    args = record.read_text().splitlines()
    pairs = [args[i:i + 2] for i in range(len(args) - 1)]
    assert ["-v", f"{bundle}:/etc/aws-sts/ca-bundle.pem:ro"] in pairs
    assert ["-e", "AWS_CA_BUNDLE=/etc/aws-sts/ca-bundle.pem"] in pairs
    assert ["-e", "AWS_STS_CA_BUNDLE"] not in pairs  # a host path means nothing inside


def test_aws_sts_ca_bundle_wins(env, stub, tmp_path):
    engine, record = stub
    (tmp_path / "sts.pem").write_text(PEM)
    (tmp_path / "aws.pem").write_text(PEM)
    result = run({**env, "AWS_STS_CA_BUNDLE": str(tmp_path / "sts.pem"), "AWS_CA_BUNDLE": str(tmp_path / "aws.pem"),
                  "AWS_STS_ENGINE": str(engine), "AWS_STS_IMAGE": "acme/aws-sts:1"})
    assert result.returncode == 0, result
    assert f"{tmp_path / 'sts.pem'}:/etc/aws-sts/ca-bundle.pem:ro" in record.read_text().splitlines()


def test_a_relative_bundle_is_mounted_by_its_full_path(env, stub, tmp_path):
    engine, record = stub
    (tmp_path / "ca.pem").write_text(PEM)
    result = subprocess.run(["/bin/bash", str(WRAPPER)], cwd=tmp_path, capture_output=True, text=True, timeout=30,
                            env={**env, "AWS_CA_BUNDLE": "ca.pem", "AWS_STS_ENGINE": str(engine),
                                 "AWS_STS_IMAGE": "acme/aws-sts:1"})
    assert result.returncode == 0, result
    assert f"{os.path.realpath(tmp_path)}/ca.pem:/etc/aws-sts/ca-bundle.pem:ro" in record.read_text().splitlines()


@pytest.mark.parametrize("content, words", [(None, ["not a readable file"]), ("hello\n", ["no PEM certificate"])])
def test_an_unusable_bundle(env, stub, tmp_path, content, words):
    engine, record = stub
    bundle = tmp_path / "ca.pem"
    if content is not None:
        bundle.write_text(content)
    result = run({**env, "AWS_CA_BUNDLE": str(bundle), "AWS_STS_ENGINE": str(engine),
                  "AWS_STS_IMAGE": "acme/aws-sts:1"})
    assert_one_line(result, str(bundle), "AWS_CA_BUNDLE", *words)
    assert not record.exists()
