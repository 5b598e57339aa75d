#!/usr/bin/env bash
# Runs every test of hall-kiosk: unit tests, headless UI tests (Slint's testing backend,
# no display needed), config and translation checks. Works as root on a fresh Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo test --locked
