#!/usr/bin/env bash
# Installs what building, running and testing hall-kiosk needs on Debian 12, as root.
# Idempotent: installs only what is missing, so it is cheap to run every time.
set -euo pipefail

packages=(
  pkg-config gcc               # C parts of crates (SQLite, ring)
  libfontconfig1-dev           # Slint finds system fonts through fontconfig
  libasound2-dev               # rodio -> cpal -> ALSA, for spoken prompts
  zbar-tools                   # zbarimg: tests read the ticket QR code back
  xauth xvfb                   # optional: run the real window without a monitor
  libudev-dev libinput-dev libxkbcommon-dev  # the panel build (--features panel): DRM + libinput
  systemd                      # systemd-analyze, -sysusers, -tmpfiles: tests check the unit files
  librime-dev rime-data-pinyin-simp  # on-screen keyboard: pinyin candidates (librime, pinyin_simp schema)
  libzinnia-dev tegaki-zinnia-simplified-chinese  # handwriting recognition (Zinnia, Tegaki model)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run this as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: no Rust toolchain found. Install Rust 1.92 or newer with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi

# Optional, off by default (not for CI): cargo-mutants for mutation testing of the delivery
# path and the hall rules (docs/testing.md). Opt in with HALL_KIOSK_MUTANTS=1; installed
# once, for the user running this script.
if [ "${HALL_KIOSK_MUTANTS:-0}" = 1 ] && ! command -v cargo-mutants >/dev/null 2>&1; then
  echo "setup: installing cargo-mutants (HALL_KIOSK_MUTANTS=1)" >&2
  cargo install --locked cargo-mutants
fi
