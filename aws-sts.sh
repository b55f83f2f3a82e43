#!/usr/bin/env bash
# aws-sts.sh: run aws-sts from the organisation's container image; arguments are passed on.
#   aws-sts.sh [--account NAME] [--role ROLE] [--profile NAME] [--debug] ...
# Credentials land in ~/.aws/credentials (your ~/.aws is mounted into the container).
#
# Settings (environment):
#   AWS_STS_IMAGE        image to run (default: IMAGE below, which organisations set to their published image)
#   AWS_STS_ENGINE       docker or podman (default: docker when found, else podman)
#   AWS_STS_ENGINE_OPTS  extra options for `<engine> run`, split on spaces, e.g. "--network host"
#   AWS_STS_CA_BUNDLE or AWS_CA_BUNDLE   a PEM file of extra CAs (a corporate TLS-inspecting proxy's): mounted
#                        read-only and trusted by everything in the container, the browser included
# Passed into the container when set: AWS_STS_* (e.g. AWS_STS_USERNAME, AWS_STS_PASSWORD, AWS_STS_TOTP_SECRET),
# AWS_REGION, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SIGNIN, HTTPS_PROXY,
# HTTP_PROXY, NO_PROXY (either case); DISPLAY with the local X socket. --console prints its URL (no browser opens
# in the container); instead of --exec, use eval "$(aws-sts.sh --format env)": a command given to --exec would
# run inside the container.
set -euo pipefail

IMAGE=registry.example.com/aws-sts:latest
PLACEHOLDER=registry.example.com/aws-sts:latest  # IMAGE as shipped: not an image anyone can run

die() {
    echo "aws-sts.sh: $*" >&2
    exit 2
}

engine="${AWS_STS_ENGINE:-}"
if [[ -z "$engine" ]]; then
    if command -v docker >/dev/null 2>&1; then
        engine=docker
    elif command -v podman >/dev/null 2>&1; then
        engine=podman
    else
        die "no container engine: neither docker nor podman is on PATH; install one, or set AWS_STS_ENGINE to its path"
    fi
fi
command -v "$engine" >/dev/null 2>&1 ||
    die "the container engine '$engine' (AWS_STS_ENGINE) was not found; install it, or set AWS_STS_ENGINE to docker or podman"

image="${AWS_STS_IMAGE:-$IMAGE}"
if [[ "$image" == "$PLACEHOLDER" ]]; then
    die "no image set: IMAGE at the top of $0 is still the placeholder $PLACEHOLDER; set IMAGE there, or AWS_STS_IMAGE, to your organisation's aws-sts image (docs/organisation.md)"
fi

[[ -n "${HOME:-}" ]] || die "HOME is not set"
aws_dir="$HOME/.aws"
if [[ ! -d "$aws_dir" ]]; then
    (umask 077 && mkdir -p "$aws_dir") || die "cannot create $aws_dir"
fi

run=(run --rm -i)
# A terminal only when stdin and stdout are both terminals: prompts need it, pipes and CI must not ask for
# it, and the AWS CLI runs a credential_process with a terminal as stdin but a pipe as stdout (with -t,
# the container's stderr would be mixed into the JSON on stdout).
if [[ -t 0 && -t 1 ]]; then
    run+=(-t)
fi
run+=(-v "$aws_dir:/root/.aws")
# Your X display, when there is a local one: a page aws-sts cannot answer (consent, CAPTCHA, a security key)
# is then shown to you in a browser window instead of ending the run.
if [[ -n "${DISPLAY:-}" && -d /tmp/.X11-unix ]]; then
    run+=(-e DISPLAY -v /tmp/.X11-unix:/tmp/.X11-unix:ro)
    if [[ -n "${XAUTHORITY:-}" && -f "$XAUTHORITY" ]]; then
        run+=(-v "$XAUTHORITY:/tmp/.Xauthority:ro" -e XAUTHORITY=/tmp/.Xauthority)
    fi
fi

# A corporate CA bundle: mounted read-only; inside, AWS_CA_BUNDLE names it for botocore and aws-sts's own HTTP
# calls, and the entry point adds its certificates to Chromium's own store (NSS, ~/.pki/nssdb).
ca_var=AWS_CA_BUNDLE
if [[ -n "${AWS_STS_CA_BUNDLE:-}" ]]; then ca_var=AWS_STS_CA_BUNDLE; fi
ca_bundle="${!ca_var:-}"
if [[ -n "$ca_bundle" ]]; then
    [[ -f "$ca_bundle" && -r "$ca_bundle" ]] ||
        die "the CA bundle $ca_bundle ($ca_var) is not a readable file; set $ca_var to a PEM file, or unset it"
    grep -q -e '-----BEGIN CERTIFICATE-----' "$ca_bundle" ||
        die "the CA bundle $ca_bundle ($ca_var) holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
    ca_bundle="$(cd "$(dirname "$ca_bundle")" && pwd)/$(basename "$ca_bundle")"
    run+=(-v "$ca_bundle:/etc/aws-sts/ca-bundle.pem:ro" -e AWS_CA_BUNDLE=/etc/aws-sts/ca-bundle.pem)
fi

# Names only (-e NAME): values such as AWS_STS_PASSWORD (or a proxy's password) stay off the command line.
while IFS= read -r name; do
    case "$name" in
        AWS_STS_IMAGE | AWS_STS_ENGINE | AWS_STS_ENGINE_OPTS | AWS_STS_CA_BUNDLE) ;;
        AWS_STS_* | AWS_REGION | AWS_DEFAULT_REGION | AWS_ENDPOINT_URL | AWS_ENDPOINT_URL_STS | AWS_ENDPOINT_URL_SIGNIN)
            run+=(-e "$name") ;;
        HTTPS_PROXY | https_proxy | HTTP_PROXY | http_proxy | NO_PROXY | no_proxy)
            run+=(-e "$name") ;;
    esac
done < <(compgen -e)

if [[ -n "${AWS_STS_ENGINE_OPTS:-}" ]]; then
    read -r -a extra <<<"$AWS_STS_ENGINE_OPTS"
    run+=("${extra[@]}")
fi

exec "$engine" "${run[@]}" "$image" "$@"
