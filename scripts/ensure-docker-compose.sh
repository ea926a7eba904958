#!/usr/bin/env bash
# Make a docker-compose validator available and print which one, for tests/test_compose.py.
#
# `docker compose config -q` / `docker-compose config -q` parse, interpolate and check
# docker-compose.yml against the compose schema without a Docker engine, so CI can validate the
# stack on a machine that cannot run it. Preference: what is already installed (the Compose v2
# plugin, then any docker-compose on PATH); only when there is none, Debian's docker-compose
# package (v1.29, Python; it knows the compose-spec features the file uses, such as
# `condition: service_completed_successfully` and `${VAR:?message}`).
#
# Prints one line: the command to run, e.g. "docker compose" or "docker-compose".
# Exit status 1 if no validator could be made available.
set -euo pipefail

if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    echo "docker compose"
    exit 0
fi
if command -v docker-compose >/dev/null 2>&1; then
    echo "docker-compose"
    exit 0
fi

if command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == "0" ]]; then
    echo "ensure-docker-compose: installing Debian's docker-compose package" >&2
    export DEBIAN_FRONTEND=noninteractive
    # --no-install-recommends: the validator only; no Docker engine, containerd or runc.
    if apt-get install -y -q --no-install-recommends docker-compose >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 \
             && apt-get install -y -q --no-install-recommends docker-compose >/dev/null 2>&1; }; then
        if command -v docker-compose >/dev/null 2>&1; then
            echo "docker-compose"
            exit 0
        fi
    fi
fi

echo "ensure-docker-compose: no compose validator available (need 'docker compose' or 'docker-compose')" >&2
exit 1
