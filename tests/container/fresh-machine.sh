#!/usr/bin/env bash
# Fresh-machine proof, run by .ci/run as root: the README's "Try it: two commands", exactly as written
# there, on a fresh clone inside a container from the bare Debian base (tests/container/base-image.sh)
# with only the README's stated prerequisites added. Fails if either command fails, and then prints the
# tail of the output. This is what proves scripts/setup installs every system package the demo and the
# tests need: the CI machine itself has them all, so a host `make test` cannot notice a missing one.
#
# Usage (as root): tests/container/fresh-machine.sh [--source REPO | --copy DIR]
#   (default)      a `git clone` of the committed HEAD of the repository this script is in
#   --source REPO  a `git clone` of the committed HEAD of REPO (a path or URL)
#   --copy DIR     DIR's files as they are now (tracked and untracked, not ignored; DIR must be a git
#                  work tree): for trying uncommitted changes, e.g. --copy . while developing
# Environment: KEEP_TMP=1 keeps the temporary folder (the source and fresh-machine.log).
set -euo pipefail
# One block, read whole before it runs: editing this file during a (15-minute) run cannot derail it.
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE_IMAGE=localhost/debian:bookworm-slim
# The README's prerequisites ("Python 3.9+, make"), as Debian packages: nothing else goes in by hand.
PREREQUISITES=(python3 make)

usage() { sed -n '/^# Usage/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
mode=clone source="$ROOT"
case "${1:-}" in
    "") ;;
    --source) [[ -n "${2:-}" ]] || usage; source="$2" ;;
    --copy) [[ -n "${2:-}" ]] || usage; mode=copy; source="$(cd "$2" && pwd)" ;;
    *) usage ;;
esac

[[ "$(id -u)" == 0 ]] || { echo "fresh-machine: run as root (podman as root with runc is what works here)" >&2; exit 1; }

TMP="$(mktemp -d /var/tmp/aws-sts-fresh.XXXXXX)"
NAME="aws-sts-fresh-$$"
# shellcheck disable=SC2317  # called by the trap (shellcheck loses track inside the { } block)
cleanup() {
    podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
    if [[ "${KEEP_TMP:-}" == 1 ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
say() { echo "fresh-machine: $*"; }
phases=()  # "name: N s" lines for the summary

# ---------------------------------------------------------------- base image
t0=$SECONDS
bash "$ROOT/tests/container/base-image.sh"
phases+=("base image (tools, debootstrap, import; cached after the first run): $((SECONDS - t0)) s")

# ---------------------------------------------------------------- the source
src="$TMP/aws-sts"
if [[ "$mode" == clone ]]; then
    commit="$(git -C "$source" rev-parse HEAD 2>/dev/null || git ls-remote "$source" HEAD | cut -f1)"
    say "git clone $source (HEAD ${commit:0:12})"
    git clone -q --no-checkout "$source" "$src"
    git -C "$src" -c advice.detachedHead=false checkout -q "$commit"
else
    say "copy of $source as it is now (tracked and untracked files, not ignored ones)"
    mkdir -p "$src"
    (cd "$source" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do if [[ -e "$f" || -L "$f" ]]; then printf '%s\0' "$f"; fi; done |
        tar --null -T - -cf -) | tar -xf - -C "$src"
fi

# The two commands, read from the README under test, so the proof runs what the README says.
mapfile -t commands < <(awk '/^## Try it: two commands/ { s = 1; next } s && /^## / { exit }
    s && /^```/ { if (b) exit; b = 1; next } s && b && NF' "$src/README.md")
((${#commands[@]})) || { say "no commands found under \"## Try it: two commands\" in README.md"; exit 1; }

# ---------------------------------------------------------------- inside the container
# Runs as root in the bare base: apt-get the prerequisites, then each command from the project folder.
# "== " lines are read back for the summary.
cat >"$TMP/inside.sh" <<'INSIDE'
set -uo pipefail
t0=$SECONDS
echo "== \$ apt-get install ${PREREQUISITES}   (the README's prerequisites)"
apt-get update -qq && DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq --no-install-recommends \
    $PREREQUISITES >/dev/null || { echo "== FAILED: prerequisites"; exit 1; }
echo "== phase prerequisites (apt-get install $PREREQUISITES): $((SECONDS - t0)) s"
cd /root/aws-sts
mapfile -t commands <<<"$COMMANDS"
for command in "${commands[@]}"; do
    [[ -n "$command" ]] || continue
    short="$(sed 's/ *#.*//' <<<"$command")"
    echo "== \$ $command"
    t0=$SECONDS
    bash -c "$command"
    rc=$?
    echo "== phase $short: $((SECONDS - t0)) s (exit $rc)"
    ((rc == 0)) || { echo "== FAILED: $short (exit $rc)"; exit 1; }
done
# Set up once means set up: after the tests (which write bytecode, caches, demo-home) the set-up run by
# every later `make demo` / `make test` must find nothing to do.
echo "== \$ make setup   (again, after the commands: must do nothing)"
t0=$SECONDS
out="$(make -s setup 2>&1)"
rc=$?
echo "== phase make setup again: $((SECONDS - t0)) s (exit $rc)"
if ((rc != 0)) || [[ -n "$out" ]]; then
    printf '%s\n' "$out"
    echo "== FAILED: make setup after the commands was not a no-op"
    exit 1
fi
INSIDE

# This machine's network plumbing, NOT a project prerequisite: here PyPI, npm and the Debian mirror are
# reached through a TLS-intercepting proxy, so pip and npm must trust the host's CA bundle. It is mounted
# read-only away from /etc/ssl/certs (so it cannot stand in for a missing ca-certificates install) and
# pointed at by the variables pip, Node and Python read. Settings that point at this machine's local
# wheel stash (PIP_FIND_LINKS, ~/.config/pip: find-links /opt/wheels, extra-index-url file:///opt/pypi)
# are deliberately NOT passed: they would be a pre-filled cache, and the container must download what
# a fresh machine downloads. /etc/pip.conf (+ its constraint file) and /root/.npmrc are mounted as they
# are, in case a CI machine sets an index or registry there; env vars override their `cert`.
opts=(--rm --name "$NAME" --network host --shm-size 1g
    --ulimit nofile=20000:20000 --ulimit nproc=32768:32768
    -v "$src:/root/aws-sts" -v "$TMP/inside.sh:/run/fresh/inside.sh:ro"
    -e "PREREQUISITES=${PREREQUISITES[*]}" -e "COMMANDS=$(printf '%s\n' "${commands[@]}")")
ca=/etc/ssl/certs/ca-certificates.crt
if [[ -f "$ca" ]]; then
    opts+=(-v "$ca:/run/host-ca/ca-certificates.crt:ro")
    for var in PIP_CERT NODE_EXTRA_CA_CERTS SSL_CERT_FILE REQUESTS_CA_BUNDLE; do
        opts+=(-e "$var=/run/host-ca/ca-certificates.crt")
    done
fi
for f in /etc/pip.conf /etc/xdg/pip /root/.npmrc; do
    if [[ -e "$f" ]]; then opts+=(-v "$f:$f:ro"); fi
done
for var in PIP_INDEX_URL PIP_DEFAULT_TIMEOUT npm_config_registry http_proxy https_proxy no_proxy \
    HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    if [[ -n "${!var:-}" ]]; then opts+=(-e "$var=${!var}"); fi
done

say "in a fresh $BASE_IMAGE container: $(printf '%s\n' "${commands[@]}" | sed 's/ *#.*//' | paste -sd '|' | sed 's/|/, then /g')"
log="$TMP/fresh-machine.log"
start=$SECONDS
set +e
podman run "${opts[@]}" "$BASE_IMAGE" bash /run/fresh/inside.sh 2>&1 |
    while IFS= read -r line; do printf '[%4d s] %s\n' $((SECONDS - start)) "$line"; done | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# ---------------------------------------------------------------- summary
echo
say "summary"
for p in "${phases[@]}"; do echo "  $p"; done
sed -n 's/^\[ *[0-9]* s\] == phase /  /p; s/^\[ *[0-9]* s\] \(setup: done .*\)/    \1/p' "$log"
echo "  whole container run: $((SECONDS - start)) s"
if ((rc != 0)); then
    echo
    say "FAILED (exit $rc). The last 60 lines:"
    tail -60 "$log"
    exit 1
fi
say "PASSED"
exit 0
}
