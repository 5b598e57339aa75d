#!/usr/bin/env bash
# Generates the shipped spoken prompts, ui/sounds/{zh,en}/ID.ogg, from ui/sounds/prompts.tsv
# with Debian's espeak-ng (Mandarin and English voices) and oggenc. Run it after editing
# the prompt texts and commit the results; the build embeds them. A hall can replace any
# clip with its own recording: see `[audio] prompts_dir` in the config.
set -euo pipefail
cd "$(dirname "$0")/../ui/sounds"
for tool in espeak-ng oggenc sox; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install espeak-ng vorbis-tools sox" >&2; exit 1; }
done
mkdir -p zh en
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
while IFS=$'\t' read -r id zh en; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  espeak-ng -v cmn -s 175 -w "$tmp/zh.wav" "$zh"
  espeak-ng -v en-gb -s 145 -w "$tmp/en.wav" "$en"
  for lang in zh en; do
    # Mono 16 kHz is plenty for speech; normalise so every clip plays at the same level.
    sox "$tmp/$lang.wav" -r 16000 -c 1 -b 16 -e signed-integer "$tmp/$lang-n.wav" norm -3
    oggenc -Q -q 2 -o "$lang/$id.ogg" "$tmp/$lang-n.wav"
  done
done < prompts.tsv
# The tap click: 30 ms at 1.2 kHz with a fast fade.
sox -n -r 16000 -c 1 -b 16 -e signed-integer "$tmp/click.wav" synth 0.03 sine 1200 fade 0 0.03 0.02 vol 0.5
oggenc -Q -q 2 -o click.ogg "$tmp/click.wav"
ls zh en
