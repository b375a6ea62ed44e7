#!/usr/bin/env bash
# debian-base.sh IMAGE SUITE PACKAGES: makes the local base image IMAGE (e.g.
# localhost/promocore-base:trixie) from Debian's packages with debootstrap, unless podman already
# has it. `make image` uses it, because no container registry may be reached from the build:
# the Containerfile's stages start FROM these local images. Needs root (debootstrap, chroot).
set -euo pipefail
image=$1 suite=$2 packages=$3
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if podman image exists "$image"; then
  exit 0
fi
root=$(mktemp -d /var/tmp/promocore-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "making the base image $image: debootstrap $suite with $packages"
debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$root.log" 2>&1 ||
  { tail -30 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# Slim: what an image never uses (apt's downloaded lists and packages, docs, man pages, locales).
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/usr/share/locale/* "$root"/var/log/*
tar --numeric-owner -C "$root" -c . | podman import --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
echo "made $image"
