#!/usr/bin/env bash
# Builds and runs the kiosk on this machine's display, in a window, with the sample hall
# configuration and a data directory under target/demo. Works as root on a fresh Debian 12.
# Without a display it says so and shows how to render the screens to PNG instead.
# It also starts the reference intake server on 127.0.0.1 (port $INTAKE_PORT, default
# 8080) with a freshly generated token, and points the kiosk at it: submissions are
# delivered there and their tracking pages served from it.
#   bash scripts/run-kiosk.sh            the kiosk on the display
#   bash scripts/run-kiosk.sh simulate   no display needed: files sample complaints and
#                                        ratings, prints each ticket, its delivery and a
#                                        tracking link to open in a browser
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

cargo build --locked --bin hall-kiosk --example intake_server
demo=target/demo
port=${INTAKE_PORT:-8080}
mkdir -p "$demo"
# This kiosk's bearer token: readable by this user only, or the kiosk refuses to start.
[ -s "$demo/token" ] || (umask 077 && head -c 24 /dev/urandom | base64 | tr '+/' '-_' > "$demo/token")
chmod 600 "$demo/token"
sed -e "s|^data_dir = .*|data_dir = \"$PWD/$demo/data\"|" \
    -e "s|^token_file = .*|token_file = \"$PWD/$demo/token\"|" \
    -e "/^ca_file = /d" \
    -e "s|^base_url = \"https://intake[^\"]*\"|base_url = \"http://127.0.0.1:$port\"|" \
    -e "s|^base_url = \"https://track[^\"]*\"|base_url = \"http://127.0.0.1:$port\"|" \
    kiosk-config/example.toml > "$demo/kiosk.toml"
target/debug/hall-kiosk check-config "$demo/kiosk.toml"

# The server's tokens file ties each token to its kiosk id (`kiosk_id token` per line).
kiosk_id=$(sed -n 's/^id = "\(.*\)"/\1/p' "$demo/kiosk.toml" | head -1)
(umask 077 && echo "$kiosk_id $(cat "$demo/token")" > "$demo/tokens")
target/debug/examples/intake_server --listen "127.0.0.1:$port" --db "$demo/intake.db" --tokens "$demo/tokens" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 0.5

args=(--config "$demo/kiosk.toml")
if [ "${1:-}" = simulate ]; then
  target/debug/hall-kiosk "${args[@]}" simulate --complaints 2 --ratings 5 --show-links
  echo "Open a link above in a browser for the tracking page (add &lang=en for English)."
  echo "The intake server keeps running on http://127.0.0.1:$port until Ctrl-C."
  wait "$server"
  exit 0
fi
[ "${KIOSK_FULLSCREEN:-0}" = 1 ] || args+=(--windowed)   # KIOSK_FULLSCREEN=1: as on a panel
target/debug/hall-kiosk "${args[@]}"
