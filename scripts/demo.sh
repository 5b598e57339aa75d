#!/usr/bin/env bash
# The whole delivery loop on one machine: the reference intake server on 127.0.0.1:8080
# with a freshly generated token, and the kiosk pointed at it.
#   scripts/demo.sh            run the kiosk (needs a display)
#   scripts/demo.sh simulate   file sample submissions instead and print their tracking links
set -euo pipefail
cd "$(dirname "$0")/.."
demo=target/demo
mkdir -p "$demo"
if [ ! -s "$demo/token" ]; then
  (umask 077; head -c 24 /dev/urandom | base64 | tr '+/' '-_' > "$demo/token")
fi
cp "$demo/token" "$demo/tokens"
sed -e 's#^base_url = "https://intake.example.gov.cn"#base_url = "http://127.0.0.1:8080"#' \
    -e 's#^base_url = "https://track.example.gov.cn"#base_url = "http://127.0.0.1:8080"#' \
    -e 's#^token_file = .*#token_file = "token"#' \
    -e '/^ca_file/d' \
    -e 's#^data_dir = .*#data_dir = "outbox"#' \
    kiosk-config/example.toml > "$demo/kiosk.toml"
cargo build --quiet --bin hall-kiosk --example intake_server
target_dir=${CARGO_TARGET_DIR:-target}
"$target_dir/debug/examples/intake_server" --listen 127.0.0.1:8080 --db "$demo/intake.db" --tokens "$demo/tokens" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
sleep 0.5
if [ "${1:-}" = simulate ]; then
  "$target_dir/debug/hall-kiosk" --config "$demo/kiosk.toml" simulate --complaints 2 --ratings 5 --show-links
  echo "Open a link above in a browser to see the tracking page (add &lang=en for English)."
else
  "$target_dir/debug/hall-kiosk" --config "$demo/kiosk.toml" run --windowed
fi
