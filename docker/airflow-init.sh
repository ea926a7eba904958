#!/usr/bin/env bash
# airflow-init: the one-shot service every other Airflow service waits for
# (depends_on: condition: service_completed_successfully). Each step is safe to run again, so
# `docker compose up` may re-run it on every start.
#
#   0. refuse the example's (or other well-known) passwords (docker/check-secrets.sh);
#   1. make the shared folders writable for AIRFLOW_UID (only the ones Docker just created);
#   2. airflow db migrate (Airflow's metadata database);
#   3. write the simple auth manager's password file from .env (the admin user);
#   4. teachflow warehouse upgrade (the warehouse's schema, through Alembic, and the analysts' mart);
#   5. teachflow warehouse roles (teachflow_loader for the DAGs, teachflow_analyst, teachflow_portal;
#      passwords from TEACHFLOW_LOADER_PASSWORD, _ANALYST_PASSWORD, _PORTAL_PASSWORD).
#
# Runs as root, like the official file's airflow-init, for step 1 only; Airflow and teachflow
# commands go through the image's /entrypoint, which waits for the metadata database and finds the
# packages installed for the airflow user. Any failing step fails the service, and so the stack
# does not start on a half-migrated database.
set -euo pipefail

AIRFLOW_UID="${AIRFLOW_UID:-50000}"
PASSWORDS_FILE="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:?}"

echo "== teachflow airflow-init (AIRFLOW_UID=${AIRFLOW_UID})"

# 0. No example or guessable passwords (the stack stops here, naming the variable).
bash /opt/teachflow/bin/check-secrets.sh

# 1. Shared folders. A new named volume takes the image's ownership (airflow:0) and needs nothing;
# a bind mount Docker had to create is owned by root and gets AIRFLOW_UID:0. A host folder that
# already belongs to someone else (e.g. the counties' SFTP user) is left alone: grant group 0 or
# AIRFLOW_UID write access to it yourself.
for folder in \
    /opt/airflow/logs /opt/airflow/config \
    "${TEACHFLOW_LANDING}" "${TEACHFLOW_OUTBOX}" "${TEACHFLOW_ARCHIVE}" \
    "${TEACHFLOW_REPORTS}" "${TEACHFLOW_REFERENCE}"; do
    case "${folder}" in
        /*) ;;
        *) echo "   ${folder}: not a local path, skipped"; continue ;;
    esac
    mkdir -p "${folder}"
    if [[ "$(stat -c %u "${folder}")" == "0" ]]; then
        chown "${AIRFLOW_UID}:0" "${folder}"
        chmod g+rwx "${folder}"
        echo "   ${folder}: owner set to ${AIRFLOW_UID}:0"
    else
        echo "   ${folder}: owned by uid $(stat -c %u "${folder}"), kept"
    fi
done

# 2. Airflow's metadata database.
echo "== airflow db migrate"
/entrypoint airflow db migrate

# 3. The admin user of the simple auth manager: its users come from
# AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS, their passwords from this file. Rewritten on every run,
# so changing _AIRFLOW_WWW_USER_PASSWORD in .env and re-running airflow-init changes the password.
echo "== admin user '${_AIRFLOW_WWW_USER_USERNAME}' for the simple auth manager"
python - "${PASSWORDS_FILE}" <<'PY'
import json
import os
import sys

path = sys.argv[1]
passwords = {os.environ["_AIRFLOW_WWW_USER_USERNAME"]: os.environ["_AIRFLOW_WWW_USER_PASSWORD"]}
with open(path, "w", encoding="utf-8") as file:
    json.dump(passwords, file)
    file.write("\n")
PY
chown "${AIRFLOW_UID}:0" "${PASSWORDS_FILE}"
chmod 0660 "${PASSWORDS_FILE}"

# 4. The warehouse (TEACHFLOW_WAREHOUSE_URL points at the `warehouse` service).
echo "== teachflow warehouse upgrade"
/entrypoint python -m teachflow.cli warehouse upgrade

# 5. The warehouse's roles and grants (the DAGs' connection logs in as teachflow_loader).
echo "== teachflow warehouse roles"
/entrypoint python -m teachflow.cli warehouse roles

# Anything the root-run steps above left in the shared Airflow folders goes back to AIRFLOW_UID.
find /opt/airflow/logs /opt/airflow/config -user 0 -exec chown "${AIRFLOW_UID}:0" {} +

echo "== airflow-init done"
