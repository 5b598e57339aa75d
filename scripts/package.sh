#!/usr/bin/env bash
# Builds the panel's Debian package (release build with --features panel, about 15 min on
# 2 cores) into target/debian/hall-kiosk_<version>-1_<arch>.deb, and prints its path.
# Extra arguments go to cargo-deb (e.g. --fast for a quicker, larger package).
# Test it afterwards: HALL_KIOSK_DEB=<path> cargo test --locked --test package
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
if ! command -v cargo-deb >/dev/null 2>&1; then
  echo "package: installing cargo-deb (once)" >&2
  cargo install --locked cargo-deb
fi
cargo deb --locked "$@" | tail -n 1
