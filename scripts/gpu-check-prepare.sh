#!/usr/bin/env bash
# Prepares, on this Debian 12 machine, the packages that scripts/gpu-check.sh
# builds against on a GPU machine that has a compiler, CMake and CUDA but
# neither these development packages nor a network:
#   build-gpu-deps/debs/        the Debian packages (apt-get download; kept,
#                               so a second run needs no network)
#   build-gpu-deps/prefix.tar.gz  their files as one prefix (usr/...), with
#                               every library link pointing inside it
#   build-gpu-deps/packages.txt name and version of each package
#   build-gpu-deps/needs.txt    the newest glibc and libstdc++ symbol
#                               versions the carried libraries call, which
#                               gpu-check.sh compares with the machine's
# A few MiB: carry the folder to the device run (docs/measurements/README.md).
#
#   scripts/gpu-check-prepare.sh [DIR]     (default build-gpu-deps)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-build-gpu-deps}

# What the configure with gpu-check.sh's options finds (CMakeLists.txt), and
# the libraries behind the -dev packages' links.
packages=(
  nlohmann-json3-dev libeigen3-dev libcli11-dev
  libfmt-dev libfmt9 libnlopt-dev libnlopt0 libtomlplusplus-dev libtomlplusplus3
  libsqlite3-dev libsqlite3-0 zlib1g-dev zlib1g
)

mkdir -p "$dest/debs"
missing=()
for package in "${packages[@]}"; do
  compgen -G "$dest/debs/${package}_*.deb" >/dev/null || missing+=("$package")
done
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
download() { (cd "$dest/debs" && apt-get download "$@"); }
if [ ${#missing[@]} -gt 0 ]; then
  echo "gpu-check-prepare: downloading ${missing[*]}" >&2
  # Once more after refreshing the package lists (an image may ship none).
  if ! download "${missing[@]}" && ! { as_root apt-get update -q && download "${missing[@]}"; }; then
    echo "gpu-check-prepare: apt-get download failed: this needs Debian 12's package lists and its mirror" >&2
    exit 1
  fi
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
: >"$dest/packages.txt"
for package in "${packages[@]}"; do
  deb=$(compgen -G "$dest/debs/${package}_*.deb" | sort -V | tail -n 1)
  dpkg-deb -x "$deb" "$stage"
  dpkg-deb -f "$deb" Package Version | sed 's/^[^:]*: //' | paste -sd ' ' >>"$dest/packages.txt"
done
# One prefix: zlib1g's /lib goes beside the rest, and absolute links
# (libz.so -> /lib/...) point to the file beside them instead.
if [ -d "$stage/lib" ]; then
  cp -a "$stage/lib/." "$stage/usr/lib/"
  rm -rf "${stage:?}/lib"
fi
find "$stage" -type l -lname '/*' | while read -r link; do
  ln -sfn "$(basename "$(readlink "$link")")" "$link"
done
find "$stage" -xtype l | grep . && { echo "gpu-check-prepare: broken links above" >&2; exit 1; }
rm -rf "$stage/usr/share/doc" "$stage/usr/share/lintian"
find "$stage" -name '*.a' -delete  # shared libraries only: one way to link

# The newest versions of the glibc and libstdc++ symbols the libraries call.
newest() { grep -o "$1"'_[0-9.]*' | sed "s/^$1_//" | sort -V | tail -n 1; }
{
  undefined=$(find "$stage" -type f -name 'lib*.so*' -exec objdump -T {} + | grep '\*UND\*')
  echo "glibc $(newest GLIBC <<<"$undefined")"
  echo "GLIBCXX $(newest GLIBCXX <<<"$undefined")"
} >"$dest/needs.txt"

tar -czf "$dest/prefix.tar.gz" -C "$stage" usr
echo "gpu-check-prepare: $dest/prefix.tar.gz ($(du -h "$dest/prefix.tar.gz" | cut -f1)) from ${#packages[@]} packages; the libraries need $(paste -sd ' ' "$dest/needs.txt")" >&2
