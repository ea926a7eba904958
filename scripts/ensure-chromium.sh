#!/usr/bin/env bash
# Make Debian's headless Chromium, its driver and a CJK font available, for the browser tests.
#
# The portal's pages and the HTML reports are tested and photographed in a real Chromium
# (tests/browser*). A browser downloaded by a test tool is not reachable from here, so the tests
# use Debian's `chromium` and `chromium-driver`; `fonts-noto-cjk` makes the Chinese render as
# characters, not boxes. `.ci/run` calls this; outside CI the browser tests skip when Chromium is
# absent, under CI=true they fail.
#
# Prints the Chromium path. Exit status 1 if it could not be made available.
set -euo pipefail

have_all() {
    command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
        && fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null  # not grep -q: fc-list's SIGPIPE fails pipefail
}

if ! have_all && command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == "0" ]]; then
    echo "ensure-chromium: installing Debian's chromium, chromium-driver and fonts-noto-cjk" >&2
    export DEBIAN_FRONTEND=noninteractive
    packages=(chromium chromium-driver fonts-noto-cjk)
    apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 \
             && apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null 2>&1; } || true
fi

if have_all; then
    command -v chromium
    exit 0
fi
echo "ensure-chromium: chromium, chromedriver or the Noto CJK font is missing" >&2
exit 1
