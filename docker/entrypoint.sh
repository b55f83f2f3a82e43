#!/bin/sh
# Entrypoint of the aws-sts image: runs `aws-sts "$@"`.
# - `--debug` shows the browser: without a display, it runs on a virtual one (Xvfb). A display forwarded by
#   aws-sts.sh (DISPLAY and the X socket) is a real one: pages aws-sts does not know are handed to the user there.
# - Files the run creates or rewrites in the mounted ~/.aws are handed to the owner of that
#   folder, so a root container (Docker on Linux) does not leave root-owned credentials behind.
# - AWS_CA_BUNDLE (a PEM file, mounted by aws-sts.sh): botocore and aws-sts's own HTTP calls read the variable;
#   Chromium reads neither it nor the system's CAs but its own NSS store, ~/.pki/nssdb, so every certificate
#   of the bundle is added there as a CA trusted for TLS servers ("C,,").
set -eu

AWS_DIR=/root/.aws

debug=no
for arg in "$@"; do
    case $arg in
        --) break ;;
        --debug) debug=yes ;;
    esac
done

if [ -n "${AWS_CA_BUNDLE:-}" ]; then
    if [ ! -r "$AWS_CA_BUNDLE" ]; then
        echo "aws-sts: the CA bundle $AWS_CA_BUNDLE (AWS_CA_BUNDLE) cannot be read" >&2
        exit 2
    fi
    nssdb="${HOME:-/root}/.pki/nssdb"
    split=$(mktemp -d)
    # One file per certificate: certutil -A reads the first certificate of a file only.
    awk -v dir="$split" '
        /-----BEGIN CERTIFICATE-----/ { n++; file = sprintf("%s/%04d.pem", dir, n) }
        file { print > file }
        /-----END CERTIFICATE-----/ { close(file); file = "" }
    ' "$AWS_CA_BUNDLE"
    mkdir -p "$nssdb"
    # (certutil's own output goes to stderr: stdout may be the credential_process JSON)
    [ -f "$nssdb/cert9.db" ] || certutil -N -d "sql:$nssdb" --empty-password >&2 || true
    # One certutil run for them all (-B, a batch of commands): ~7 ms a certificate, where a run for each costs ~25 ms.
    for cert in "$split"/*.pem; do
        if [ -f "$cert" ]; then echo "-A -t C,, -n aws-sts-ca-bundle-$(basename "$cert" .pem) -i $cert"; fi
    done >"$split/batch"
    if [ -s "$split/batch" ] && ! certutil -B -d "sql:$nssdb" -i "$split/batch" >&2; then
        echo "aws-sts: the CA bundle (AWS_CA_BUNDLE) could not be added to the browser's certificate store" >&2
    fi
    rm -rf "$split"
fi

set -- aws-sts "$@"
if [ "$debug" = yes ] && [ -z "${DISPLAY:-}" ]; then
    # Nobody sees this display: aws-sts must not hand a page to the user there (it would wait for nobody).
    export AWS_STS_VIRTUAL_DISPLAY=1
    set -- xvfb-run --auto-servernum --server-args="-screen 0 1280x1024x24 -nolisten tcp" "$@"
fi

owner=""
if [ "$(id -u)" = 0 ] && [ -d "$AWS_DIR" ]; then
    owner=$(stat -c %u:%g "$AWS_DIR")
fi
if [ -z "$owner" ] || [ "$owner" = 0:0 ]; then
    exec "$@"
fi

marker=$(mktemp)
# Ctrl-C / stop reach aws-sts too (same process group): wait for it, then hand over its files.
# (A trap that runs a command, unlike an ignored signal, is not inherited by aws-sts.)
trap : INT TERM
status=0
"$@" || status=$?
find "$AWS_DIR" -xdev -user 0 -newer "$marker" -exec chown -h "$owner" {} + 2>/dev/null || true
rm -f "$marker"
exit "$status"
