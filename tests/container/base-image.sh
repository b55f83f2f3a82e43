#!/usr/bin/env bash
# The bare Debian base, shared by tests/container/run.sh (the image proof) and
# tests/container/fresh-machine.sh (the README's two commands on a fresh machine):
#   - installs podman, runc, debootstrap and uidmap from apt when missing (nothing by hand),
#   - configures podman the way that works on these machines (root, runc, cgroupfs, host network,
#     explicit ulimits),
#   - builds localhost/debian:bookworm-slim once, a stand-in for the official debian:bookworm-slim
#     (which cannot be pulled here): a `debootstrap --variant=minbase bookworm` root filesystem made slim
#     the way the official image is (dpkg path excludes, apt clean-ups, no apt lists), imported into podman.
#     It stays in podman's storage between runs (`podman rmi localhost/debian:bookworm-slim` rebuilds it):
#     caching it hides nothing, it is what `docker pull debian:bookworm-slim` would give.
#
# Usage (as root): tests/container/base-image.sh
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

BASE_IMAGE=localhost/debian:bookworm-slim
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

[[ "$(id -u)" == 0 ]] || { echo "base-image: run as root (podman as root with runc is what works here)" >&2; exit 1; }

# ---------------------------------------------------------------- tools
need=()
for pair in podman:podman runc:runc debootstrap:debootstrap newuidmap:uidmap; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if ((${#need[@]})); then
    echo "base-image: installing ${need[*]} (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# podman as root with runc, cgroupfs, host network and explicit ulimits.
mkdir -p /etc/containers
cat >/etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "host"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
cat >/etc/containers/storage.conf <<'CONF'
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
CONF
# Nothing is pulled: every image is local (localhost/...), so no search registries.
[[ -f /etc/containers/policy.json ]] || cat >/etc/containers/policy.json <<'CONF'
{ "default": [{ "type": "insecureAcceptAnything" }] }
CONF

# ---------------------------------------------------------------- the image
if podman image exists "$BASE_IMAGE"; then
    echo "base-image: $BASE_IMAGE cached in podman storage (podman rmi it to rebuild)"
    exit 0
fi
TMP="$(mktemp -d /var/tmp/aws-sts-base.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
t0=$SECONDS
rootfs="$TMP/rootfs"
echo "base-image: debootstrap --variant=minbase bookworm ($MIRROR)"
debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$TMP/debootstrap.log" 2>&1 ||
    { tail -20 "$TMP/debootstrap.log"; echo "base-image: debootstrap failed" >&2; exit 1; }
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'CONF'
# This is the "slim" variant of the Debian base image (stand-in built by tests/container/base-image.sh).
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
CONF
find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
rm -rf "$rootfs"/usr/share/{groff,info,linda,lintian/overrides,locale,man}/*
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'CONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<CONF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
CONF
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log \
    "$rootfs"/var/cache/ldconfig/aux-cache
tar -C "$rootfs" --numeric-owner -cf - . |
    podman import --change 'CMD ["bash"]' - "$BASE_IMAGE" >"$TMP/import.log" 2>&1 ||
    { cat "$TMP/import.log"; echo "base-image: podman import failed" >&2; exit 1; }
echo "base-image: $BASE_IMAGE built in $((SECONDS - t0)) s (debootstrap + import)"
