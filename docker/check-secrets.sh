#!/usr/bin/env bash
# Refuse to start the stack on the passwords of .env.example or other well-known ones.
# Compose's ${VAR:?} can only refuse an empty value; airflow-init runs this first, so a stack set up
# with the example's (or a guessable) password stops with the variable's name instead of running.
set -euo pipefail

WELL_KNOWN=" airflow admin teachflow postgres password changeme secret test example 123456 "
status=0
for name in AIRFLOW_POSTGRES_PASSWORD WAREHOUSE_POSTGRES_PASSWORD _AIRFLOW_WWW_USER_PASSWORD \
    TEACHFLOW_LOADER_PASSWORD TEACHFLOW_ANALYST_PASSWORD TEACHFLOW_PORTAL_PASSWORD; do
    value="${!name:-}"
    if [[ -z "${value}" ]]; then
        echo "airflow-init: set ${name} in .env" >&2
        status=1
    elif [[ "${WELL_KNOWN}" == *" ${value,,} "* || ${#value} -lt 12 ]]; then
        echo "airflow-init: ${name} is a well-known or short password (under 12 characters); set a" \
             "random one in .env, e.g. python3 -c \"import secrets; print(secrets.token_urlsafe(24))\"" >&2
        status=1
    fi
done
exit "${status}"
