#!/usr/bin/env bash
# Photograph the demo's HTML reports in headless Chromium (Debian's, with fonts-noto-cjk) into
# docs/screenshots/. Run `make demo` first; then `bash scripts/screenshot-reports.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
reports="${TEACHFLOW_REPORTS:-data/reports}"
out=docs/screenshots
mkdir -p "$out"

shoot() {  # shoot HTML PNG HEIGHT
    local profile
    profile="$(mktemp -d)"
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
        --disable-sync --no-first-run --hide-scrollbars --user-data-dir="$profile" --window-size=1280,"$3" \
        --screenshot="$2" "file://$PWD/$1" >/dev/null 2>&1
    rm -rf "$profile"
    echo "$2"
}

for month in 2026-09 2026-10; do
    page="$reports/rotation/$month/交流轮岗月报_$month.html"
    [[ -f "$page" ]] && shoot "$page" "$out/rotation-report-$month.png" 3400
done
for page in "$reports"/assessment/*/*.html; do
    [[ -f "$page" ]] && shoot "$page" "$out/assessment-$(basename "$(dirname "$page")").png" 2400
done
