#!/bin/sh
# Entrypoint of the aws-sts image: runs `aws-sts "$@"`.
# - `--debug` shows the browser: without a display, it runs on a virtual one (Xvfb). A display forwarded by
#   aws-sts.sh (DISPLAY and the X socket) is a real one: pages aws-sts does not know are handed to the user there.
# - Files the run creates or rewrites in the mounted ~/.aws are handed to the owner of that
#   folder, so a root container (Docker on Linux) does not leave root-owned credentials behind.
set -eu

AWS_DIR=/root/.aws

debug=no
for arg in "$@"; do
    case $arg in
        --) break ;;
        --debug) debug=yes ;;
    esac
done

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
