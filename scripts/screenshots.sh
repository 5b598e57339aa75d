#!/usr/bin/env bash
# Renders every screen, in both languages and both modes, into docs/screenshots/.
# No display needed. Look at the results after every UI change.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --quiet
bin=target/debug/hall-kiosk
config=kiosk-config/example.toml
out=docs/screenshots
mkdir -p "$out/elder" "$out/seated"
screens=${SCREENS:-"home help idle complaint-problem complaint-department complaint-matter complaint-details complaint-text complaint-handwriting complaint-contact complaint-summary complaint-cancel ticket rating-window rating-staff rating-matter rating-level rating-reasons rating-contact rating-thanks rating-ticket call-staff"}
for screen in $screens; do
  for lang in zh en; do
    "$bin" --config "$config" screenshot --screen "$screen" --lang "$lang" --out "$out/$screen-$lang.png" >/dev/null
    "$bin" --config "$config" screenshot --screen "$screen" --lang "$lang" --elder --out "$out/elder/$screen-$lang.png" >/dev/null
  done
done
# The staff panel: always in normal mode (it opens from the home-screen state).
for screen in staff-pin staff; do
  for lang in zh en; do
    "$bin" --config "$config" screenshot --screen "$screen" --lang "$lang" --out "$out/$screen-$lang.png" >/dev/null
  done
done
# Seated (低位) mode: everything to tap within a wheelchair user's reach.
for screen in home complaint-problem complaint-details complaint-text complaint-handwriting complaint-contact complaint-summary ticket rating-level rating-reasons; do
  "$bin" --config "$config" screenshot --screen "$screen" --lang zh --seated --out "$out/seated/$screen-zh.png" >/dev/null
done
"$bin" --config "$config" screenshot --screen home --lang zh --size 1920x1080 --out "$out/home-zh-landscape.png" >/dev/null
"$bin" --config "$config" screenshot --screen home --lang en --size 768x1366 --out "$out/home-en-768x1366.png" >/dev/null
# Elder mode on the other panels, mounted wholly within reach (the sample's [display]
# mounting describes its 43" totem): the sample without that mounting.
flat=$(mktemp --suffix=.toml)
sed -e '/^bottom_mm/d' -e '/^height_mm/d' "$config" > "$flat"
for screen in home complaint-summary rating-level; do
  "$bin" --config "$flat" screenshot --screen "$screen" --lang zh --elder --size 1920x1080 --out "$out/elder/$screen-zh-landscape.png" >/dev/null
done
"$bin" --config "$flat" screenshot --screen rating-contact --lang en --elder --size 1920x1080 --out "$out/elder/rating-contact-en-landscape.png" >/dev/null
# The landscape ticket: the code at eye level beside the buttons.
"$bin" --config "$flat" screenshot --screen ticket --lang zh --size 1920x1080 --out "$out/ticket-zh-landscape.png" >/dev/null
"$bin" --config "$flat" screenshot --screen ticket --lang en --elder --size 1920x1080 --out "$out/elder/ticket-en-landscape.png" >/dev/null
"$bin" --config "$flat" screenshot --screen home --lang en --elder --size 768x1366 --out "$out/elder/home-en-768x1366.png" >/dev/null
rm -f "$flat"
# The printed slip, drawn from the same layout the printer gets (58 and 80 mm paper).
printer_config=$(mktemp --suffix=.toml)
trap 'rm -f "$printer_config"' EXIT
for mm in 58 80; do
  # The sample's commented [printer] section, switched on.
  python3 - "$config" "$printer_config" "$mm" <<'PY'
import sys
text = open(sys.argv[1]).read()
start = text.index("# [printer]\n"); end = start + text[start:].index("\n\n")
section = "".join(line[2:] + "\n" for line in text[start:end].split("\n"))
open(sys.argv[2], "w").write(text[:start] + section.replace("paper_mm = 58", "paper_mm = " + sys.argv[3]) + text[end + 1:])
PY
  "$bin" print-test --config "$printer_config" --preview "$out/slip-${mm}mm.png" >/dev/null
done
ls "$out" "$out/elder" "$out/seated"
