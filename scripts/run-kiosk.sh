#!/usr/bin/env bash
# Builds and runs the kiosk on this machine's display, in a window, with the sample hall
# configuration and a data directory under target/demo. Works as root on a fresh Debian 12.
# Without a display it says so and shows how to render the screens to PNG instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

cargo build --locked
demo=target/demo
mkdir -p "$demo"
sed -e "s|^data_dir = .*|data_dir = \"$PWD/$demo/data\"|" \
    -e "s|^token_file = .*|token_file = \"$PWD/$demo/token\"|" \
    -e "/^ca_file = /d" \
    kiosk-config/example.toml > "$demo/kiosk.toml"
target/debug/hall-kiosk check-config "$demo/kiosk.toml"

args=(--config "$demo/kiosk.toml")
[ "${KIOSK_FULLSCREEN:-0}" = 1 ] || args+=(--windowed)   # KIOSK_FULLSCREEN=1: as on a panel
exec target/debug/hall-kiosk "${args[@]}"
