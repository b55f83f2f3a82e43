#!/usr/bin/env bash
# aws-sts.sh: run aws-sts from the organisation's container image; arguments are passed on.
#   aws-sts.sh [--account NAME] [--role ROLE] [--profile NAME] [--debug] ...
# Credentials land in ~/.aws/credentials (your ~/.aws is mounted into the container).
#
# Settings (environment):
#   AWS_STS_IMAGE        image to run (default below: organisations set it to their published image)
#   AWS_STS_ENGINE       docker or podman (default: docker when found, else podman)
#   AWS_STS_ENGINE_OPTS  extra options for `<engine> run`, split on spaces, e.g. "--network host"
# Passed into the container when set: AWS_STS_* (e.g. AWS_STS_USERNAME, AWS_STS_PASSWORD, AWS_STS_TOTP_SECRET),
# AWS_REGION, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SIGNIN; DISPLAY with
# the local X socket. --console prints its URL (no browser opens in the container); instead of --exec, use
# eval "$(aws-sts.sh --format env)": a command given to --exec would run inside the container.
set -euo pipefail

IMAGE="${AWS_STS_IMAGE:-registry.example.com/aws-sts:latest}"

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
        die "neither docker nor podman was found; install one, or set AWS_STS_ENGINE"
    fi
fi
command -v "$engine" >/dev/null 2>&1 || die "container engine '$engine' was not found (AWS_STS_ENGINE)"

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

# Names only (-e NAME): values such as AWS_STS_PASSWORD stay off the command line.
while IFS= read -r name; do
    case "$name" in
        AWS_STS_IMAGE | AWS_STS_ENGINE | AWS_STS_ENGINE_OPTS) ;;
        AWS_STS_* | AWS_REGION | AWS_DEFAULT_REGION | AWS_ENDPOINT_URL | AWS_ENDPOINT_URL_STS | AWS_ENDPOINT_URL_SIGNIN)
            run+=(-e "$name") ;;
    esac
done < <(compgen -e)

if [[ -n "${AWS_STS_ENGINE_OPTS:-}" ]]; then
    read -r -a extra <<<"$AWS_STS_ENGINE_OPTS"
    run+=("${extra[@]}")
fi

exec "$engine" "${run[@]}" "$IMAGE" "$@"
