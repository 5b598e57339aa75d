#!/usr/bin/env bash
# Renders every screen, in both languages and both modes, into docs/screenshots/.
# No display needed. Look at the results after every UI change.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --quiet
bin=target/debug/hall-kiosk
config=kiosk-config/example.toml
out=docs/screenshots
mkdir -p "$out/elder"
screens=${SCREENS:-"home help idle complaint-problem complaint-department complaint-matter complaint-details complaint-contact complaint-summary complaint-cancel ticket rating-window rating-staff rating-matter rating-level rating-reasons rating-contact rating-thanks rating-ticket call-staff"}
for screen in $screens; do
  for lang in zh en; do
    "$bin" --config "$config" screenshot --screen "$screen" --lang "$lang" --out "$out/$screen-$lang.png" >/dev/null
    "$bin" --config "$config" screenshot --screen "$screen" --lang "$lang" --elder --out "$out/elder/$screen-$lang.png" >/dev/null
  done
done
"$bin" --config "$config" screenshot --screen home --lang zh --size 1920x1080 --out "$out/home-zh-landscape.png" >/dev/null
"$bin" --config "$config" screenshot --screen home --lang en --size 768x1366 --out "$out/home-en-768x1366.png" >/dev/null
ls "$out" "$out/elder"
