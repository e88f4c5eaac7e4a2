#!/bin/sh
# Renders lesson drawings (images/*.svg) to the PNGs the bot sends, with the
# same embedded Noto Sans fonts as the bot's own renderer (assets/fonts), so a
# picture looks the same on every machine.
#
#   lessons/render-pictures.sh                 every SVG whose PNG is missing or older
#   lessons/render-pictures.sh a.svg b.svg     just these
#
# Needs the resvg command line tool: `cargo install resvg --version 0.49.0 --locked`
# (or point RESVG at it).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
resvg=${RESVG:-resvg}
render() {
  "$resvg" --skip-system-fonts --use-fonts-dir "$root/assets/fonts" \
    --sans-serif-family "Noto Sans" --font-family "Noto Sans" "$1" "${1%.svg}.png"
  echo "rendered ${1%.svg}.png"
}
if [ $# -gt 0 ]; then
  for svg in "$@"; do render "$svg"; done
else
  for svg in "$root"/lessons/*/images/*.svg; do
    png=${svg%.svg}.png
    if [ ! -e "$png" ] || [ "$svg" -nt "$png" ]; then render "$svg"; fi
  done
fi
