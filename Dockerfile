# teachflow's Airflow image: the official Airflow 3.3.2 image plus our pinned requirements, the
# teachflow package, the DAGs, the plugins and the expectation suites.
#
# Everything is installed at build time from the same lock as the developers' venv
# (requirements.txt + constraints.txt), so every container of the stack runs the same code;
# nothing is pip-installed at container start (_PIP_ADDITIONAL_REQUIREMENTS stays unused).
#
# Build: docker compose build   (or: docker build -t teachflow-airflow:latest .)
FROM apache/airflow:3.3.2-python3.11

# The folders the stack mounts its volumes on, owned by the airflow user with group 0 (the image's
# convention): a new named volume takes this ownership, so the containers can write to it.
USER root
RUN mkdir -p /opt/teachflow/bin /opt/teachflow/expectations \
        /opt/teachflow/data/landing /opt/teachflow/data/outbox /opt/teachflow/data/archive \
        /opt/teachflow/data/reports /opt/teachflow/data/reference \
    && chown -R airflow:0 /opt/teachflow \
    && chmod -R g+rwX /opt/teachflow

# Installing as the airflow user, as the official image expects (pip installs where Airflow is).
USER airflow

# Dependencies first: this layer is rebuilt only when the pins change. apache-airflow==3.3.2 is
# pinned in requirements.txt, so the install cannot move Airflow itself.
COPY --chown=airflow:0 requirements.txt constraints.txt /opt/teachflow/src/
RUN pip install --no-cache-dir -r /opt/teachflow/src/requirements.txt -c /opt/teachflow/src/constraints.txt

# The teachflow package (domain code, CLI, warehouse migrations), installed as a regular package;
# its dependencies are already there from the lock, hence --no-deps.
COPY --chown=airflow:0 pyproject.toml README.md /opt/teachflow/src/
COPY --chown=airflow:0 include/ /opt/teachflow/src/include/
RUN pip install --no-cache-dir --no-deps /opt/teachflow/src

# What changes most often comes last.
COPY --chown=airflow:0 docker/airflow-init.sh /opt/teachflow/bin/airflow-init.sh
COPY --chown=airflow:0 docker/check-secrets.sh /opt/teachflow/bin/check-secrets.sh
COPY --chown=airflow:0 expectations/ /opt/teachflow/expectations/
COPY --chown=airflow:0 plugins/ /opt/airflow/plugins/
COPY --chown=airflow:0 dags/ /opt/airflow/dags/

# Where the image put things; docker-compose.yml sets the same and the data folders' paths.
ENV TEACHFLOW_EXPECTATIONS_DIR=/opt/teachflow/expectations \
    TEACHFLOW_DATA_DIR=/opt/teachflow/data
