#!/usr/bin/env bash
# Installs the Debian packages call-qa needs, only those missing:
#   ffmpeg     decoding recordings (PyAV/torchcodec use its libraries)
#   sox        audio conversion and the sample-call generator
#   espeak-ng  speech synthesis for the sample-call generator (has an Indonesian voice)
#   flac       FLAC tools for inspecting the bundled sample calls
#   python3-venv  to create the project's virtual environment
#   chromium, chromium-driver  headless browser tests of the web app (tests/web)
set -euo pipefail

need=()
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v sox >/dev/null || need+=(sox libsox-fmt-all)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v flac >/dev/null || need+=(flac)
python3 -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing Debian packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null; then
  SUDO="sudo"
else
  echo "error: missing ${need[*]} and not root; run: apt-get install -y ${need[*]}" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
