"""The production stack files: docker-compose.yml, Dockerfile, .env.example, .dockerignore.

No Docker engine runs here, so the stack is checked the way an engine-less CI can: a compose
validator (``docker compose config`` or Debian's ``docker-compose config``; see
scripts/ensure-docker-compose.sh) parses, interpolates and schema-checks the file with the values of
.env.example, and PyYAML reads the file for the rules the schema cannot know (the services of the
issue, Celery, a warehouse apart from Airflow's database, no secrets in the repository). Without a
validator the validator tests skip outside CI and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
INIT_SCRIPT = ROOT / "docker" / "airflow-init.sh"
IN_CI = os.environ.get("CI", "").lower() == "true"

AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
ISSUE_SERVICES = {"postgres", "redis", "airflow-init", "warehouse", "portal", *AIRFLOW_SERVICES}
DATA_FOLDERS = ("landing", "outbox", "archive", "reports")

#: What the test fills in for the secrets .env.example leaves empty on purpose.
TEST_SECRETS = {
    "AIRFLOW_JWT_SECRET": "test-jwt-secret",
    "AIRFLOW_API_SECRET_KEY": "test-api-secret-key",
    "TEACHFLOW_ID_SECRET": "test-id-secret-0123456789abcdef-0123",
    "AIRFLOW_FERNET_KEY": "test-fernet-key",
    "AIRFLOW_POSTGRES_PASSWORD": "test-airflow-db-pw",
    "WAREHOUSE_POSTGRES_PASSWORD": "test-warehouse-pw",
    "_AIRFLOW_WWW_USER_PASSWORD": "test-admin-password",
    "TEACHFLOW_LOADER_PASSWORD": "test-loader-password",
    "TEACHFLOW_ANALYST_PASSWORD": "test-analyst-password",
    "TEACHFLOW_PORTAL_PASSWORD": "test-portal-password",
    "TEACHFLOW_PORTAL_SECRET": "test-portal-secret-0123456789abcdef",
}
#: Settings read by the code that the containers deliberately do not set.
NOT_FOR_CONTAINERS = {
    "TEACHFLOW_ID_SECRET_FILE",  # the stack passes the secret itself
    "TEACHFLOW_COUNTY_API_SERVER_TOKEN",  # the reference county API server's token (demo and tests)
    # The roles' passwords: airflow-init alone sets them (the loader's also sits in the connection).
    "TEACHFLOW_LOADER_PASSWORD",
    "TEACHFLOW_ANALYST_PASSWORD",
    "TEACHFLOW_PORTAL_PASSWORD",
    "TEACHFLOW_PORTAL_ACCOUNT_PASSWORD",  # `teachflow portal add-user` reads it instead of asking
    "TEACHFLOW_AIRFLOW_API_TOKEN",  # the portal's alternative to the API login the stack gives it
}

SENSITIVE_KEY = re.compile(r"PASSWORD|SECRET|FERNET|_KEY$", re.IGNORECASE)
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")


# --- helpers -------------------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a dotenv file (comments skipped, surrounding quotes removed)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=VALUE: {line!r}"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def write_env_file(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f'{key}="{value}"\n' for key, value in values.items()), encoding="utf-8")
    return path


def compose_validator() -> list[str] | None:
    """The compose command already on this machine (v2 plugin first), or None."""
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=60)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def compose_without_comments() -> str:
    return "\n".join(
        line for line in COMPOSE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
    )


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, args = line.partition(" ")
            pairs.append((instruction.upper(), " ".join(args.split())))
    return pairs


# --- the validator -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> list[str]:
    command = compose_validator()
    if command is None:
        message = "no compose validator (run scripts/ensure-docker-compose.sh)"
        if IN_CI:
            pytest.fail(message + "; under CI=true the compose file must be validated")
        pytest.skip(message)
    return command


@pytest.fixture
def example_values() -> dict[str, str]:
    """.env.example as an operator fills it in: the REQUIRED secrets get (test) values."""
    values = read_env_file(ENV_EXAMPLE)
    for key, secret in TEST_SECRETS.items():
        assert values.get(key) == "", f".env.example must leave {key} empty, for each deployment to set"
        values[key] = secret
    return values


def run_compose(validator: list[str], env_file: Path, *args: str) -> subprocess.CompletedProcess:
    """The validator on docker-compose.yml with only env_file's values (no shell variables, no .env)."""
    clean_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [*validator, "--env-file", str(env_file), "-f", str(COMPOSE), *args],
        capture_output=True,
        text=True,
        env=clean_env,
        cwd=ROOT,
        timeout=120,
    )


def test_compose_file_is_valid_with_the_example_settings(validator, example_values, tmp_path):
    result = run_compose(validator, write_env_file(tmp_path / "test.env", example_values), "config", "-q")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("required", sorted(TEST_SECRETS))
def test_a_missing_secret_stops_the_stack_with_its_name(validator, example_values, tmp_path, required):
    example_values[required] = ""
    result = run_compose(validator, write_env_file(tmp_path / "test.env", example_values), "config", "-q")
    assert result.returncode != 0
    assert f"set {required} in .env" in result.stderr


def test_resolved_settings_reach_the_tasks(validator, example_values, tmp_path):
    """After interpolation the workers see the warehouse service, the secret and the schedule."""
    result = run_compose(validator, write_env_file(tmp_path / "test.env", example_values), "config")
    assert result.returncode == 0, result.stderr
    worker_env = yaml.safe_load(result.stdout)["services"]["airflow-worker"]["environment"]
    # The tasks log in as the loader role; the command line (migrations, roles) as the owner.
    assert (
        worker_env["AIRFLOW_CONN_TEACHFLOW_WAREHOUSE"]
        == "postgresql://teachflow_loader:test-loader-password@warehouse:5432/teachflow"
    )
    assert worker_env["TEACHFLOW_WAREHOUSE_URL"] == "postgresql://teachflow:test-warehouse-pw@warehouse:5432/teachflow"
    assert (
        worker_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        == "postgresql+psycopg2://airflow:test-airflow-db-pw@postgres/airflow"
    )
    assert worker_env["TEACHFLOW_ID_SECRET"] == TEST_SECRETS["TEACHFLOW_ID_SECRET"]
    assert worker_env["TEACHFLOW_INGEST_SCHEDULE"] == "*/15 * * * *"
    assert worker_env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_published_ports_are_bound_to_loopback_by_default(validator, example_values, tmp_path):
    """Issue #12: the API server was published on every interface."""
    result = run_compose(validator, write_env_file(tmp_path / "test.env", example_values), "config")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    published = [(name, port) for name, service in services.items() for port in service.get("ports") or []]
    assert published, "the API server and the warehouse publish ports"
    for name, port in published:
        host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).rsplit(":", 2)[0]
        assert host_ip == "127.0.0.1", f"{name} publishes {port} beyond this host"


ROLE_PASSWORDS = ("TEACHFLOW_LOADER_PASSWORD", "TEACHFLOW_ANALYST_PASSWORD", "TEACHFLOW_PORTAL_PASSWORD")


@pytest.mark.parametrize("password", ["airflow", "admin", "teachflow", "short-pw"])
def test_init_refuses_the_example_or_a_guessable_password(password):
    """Compose can only refuse an empty value; airflow-init's first step refuses these."""
    check = ROOT / "docker" / "check-secrets.sh"
    checked = ("WAREHOUSE_POSTGRES_PASSWORD", "_AIRFLOW_WWW_USER_PASSWORD", *ROLE_PASSWORDS)
    good = {name: TEST_SECRETS[name] for name in checked}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **good}
    assert subprocess.run(["bash", str(check)], env={**env, "AIRFLOW_POSTGRES_PASSWORD": "x" * 24}).returncode == 0
    refused = subprocess.run(
        ["bash", str(check)], env={**env, "AIRFLOW_POSTGRES_PASSWORD": password}, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "AIRFLOW_POSTGRES_PASSWORD" in refused.stderr
    assert "bash /opt/teachflow/bin/check-secrets.sh" in INIT_SCRIPT.read_text(encoding="utf-8")


@pytest.mark.parametrize("role_password", ROLE_PASSWORDS)
def test_init_refuses_a_guessable_role_password(role_password):
    """The warehouse roles' passwords are checked like the others (the analyst's faces analysts' tools)."""
    check = ROOT / "docker" / "check-secrets.sh"
    names = ("AIRFLOW_POSTGRES_PASSWORD", "WAREHOUSE_POSTGRES_PASSWORD", "_AIRFLOW_WWW_USER_PASSWORD", *ROLE_PASSWORDS)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **{name: TEST_SECRETS[name] for name in names}}
    refused = subprocess.run(
        ["bash", str(check)], env={**env, role_password: "teachflow"}, capture_output=True, text=True
    )
    assert refused.returncode != 0 and role_password in refused.stderr


# --- structure of docker-compose.yml -------------------------------------------------------------


def test_the_services_of_the_issue_exist():
    services = load_compose()["services"]
    assert ISSUE_SERVICES - set(services) == set()


def test_airflow_runs_the_celery_executor_with_redis_as_broker():
    services = load_compose()["services"]
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://:@redis:6379/0", name
    assert services["airflow-worker"]["command"].split()[:2] == ["celery", "worker"]


def test_the_warehouse_is_a_database_apart_from_airflows_metadata():
    compose = load_compose()
    services = compose["services"]
    env = services["airflow-worker"]["environment"]
    # The host follows the last "@" (the password part is a ${...} reference, not URL-parseable).
    metadata_host = urlsplit("//" + env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].rsplit("@", 1)[1]).hostname
    warehouse_host = urlsplit("//" + env["AIRFLOW_CONN_TEACHFLOW_WAREHOUSE"].rsplit("@", 1)[1]).hostname
    assert (metadata_host, warehouse_host) == ("postgres", "warehouse")
    # Same warehouse database for the tasks (as teachflow_loader) and the command line (as the owner).
    assert env["TEACHFLOW_WAREHOUSE_URL"].rsplit("@", 1)[1] == env["AIRFLOW_CONN_TEACHFLOW_WAREHOUSE"].rsplit("@", 1)[1]
    assert env["AIRFLOW_CONN_TEACHFLOW_WAREHOUSE"].startswith("postgresql://teachflow_loader:")

    def data_volume(service: dict) -> str:
        (mount,) = [m for m in service["volumes"] if m.endswith(":/var/lib/postgresql/data")]
        return mount.split(":")[0]

    assert data_volume(services["postgres"]) == "airflow-postgres"
    assert data_volume(services["warehouse"]) == "warehouse-postgres"
    assert {"airflow-postgres", "warehouse-postgres"} <= set(compose["volumes"])


def test_every_airflow_service_waits_for_init_and_init_for_the_databases():
    services = load_compose()["services"]
    for name in AIRFLOW_SERVICES:
        assert services[name]["depends_on"]["airflow-init"] == {"condition": "service_completed_successfully"}, name
        assert "healthcheck" in services[name], name
    init_needs = services["airflow-init"]["depends_on"]
    for database in ("postgres", "warehouse", "redis"):
        assert init_needs[database] == {"condition": "service_healthy"}
        assert "healthcheck" in services[database]


def test_the_data_folders_are_volumes_shared_by_every_airflow_service():
    compose = load_compose()
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        volumes = compose["services"][name]["volumes"]
        env = compose["services"][name]["environment"]
        for folder in DATA_FOLDERS:
            target = env[f"TEACHFLOW_{folder.upper()}"]
            assert f"${{TEACHFLOW_{folder.upper()}_MOUNT:-{folder}}}:{target}" in volumes, (name, folder)
            assert folder in compose["volumes"]


def test_every_variable_the_compose_file_uses_is_documented_in_env_example():
    used = set(VARIABLE.findall(compose_without_comments()))
    documented = set(read_env_file(ENV_EXAMPLE))
    assert used - documented == set()
    assert {"TEACHFLOW_ID_SECRET", "WAREHOUSE_POSTGRES_PASSWORD", "AIRFLOW_JWT_SECRET"} <= used


def test_every_teachflow_setting_the_code_reads_is_set_for_the_containers():
    """A new TEACHFLOW_* setting in the code must be added to the stack (or listed as not for it)."""
    read_by_code = set()
    for folder in ("include", "plugins", "dags"):
        for source in (ROOT / folder).rglob("*.py"):
            read_by_code |= set(re.findall(r"\bTEACHFLOW_[A-Z0-9_]*[A-Z0-9]\b", source.read_text(encoding="utf-8")))
    compose = load_compose()
    in_containers = set(compose["x-airflow-common"]["environment"]) | set(compose["services"]["portal"]["environment"])
    in_image = {
        name
        for instruction, args in dockerfile_instructions()
        if instruction == "ENV"
        for name in re.findall(r"(\w+)=", args)
    }
    assert read_by_code - in_containers - in_image - NOT_FOR_CONTAINERS == set()


# --- no secrets in the repository ----------------------------------------------------------------


def test_the_compose_file_takes_every_secret_from_the_environment():
    compose = load_compose()
    text = compose_without_comments()
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SENSITIVE_KEY.search(key) and not key.endswith("_FILE"):
                assert "${" in str(value), f"{name}: {key} must come from .env"
    # Every password inside a URL is a variable (or empty, like Redis's on the internal network).
    for url in re.findall(r"[a-z+]+://[^\s'\"]+", text):
        password = re.match(r"[a-z+]+://[^:/@]*:([^@]*)@", url)
        if password:
            assert password.group(1) == "" or password.group(1).startswith("${"), url
    # Nothing that looks like a generated key (long runs of mixed letters and digits).
    for token in re.findall(r"[A-Za-z0-9+/=_-]{24,}", text):
        assert not (re.search(r"\d", token) and re.search(r"[A-Za-z]", token)), token


def test_env_example_holds_only_marked_local_defaults_or_empty_secrets():
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    values = read_env_file(ENV_EXAMPLE)
    for key, value in values.items():
        if not SENSITIVE_KEY.search(key) or not value:
            continue
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{key}="))
        assert "LOCAL DEVELOPMENT ONLY" in lines[index - 1], f"{key}: mark the local-development default"
        assert value in {"airflow", "teachflow", "admin"}, f"{key}: not an obvious local default: {value!r}"
    assert [key for key in TEST_SECRETS if values[key]] == []


def test_dockerignore_keeps_secrets_and_data_out_of_the_image():
    patterns = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()]
    patterns = [p for p in patterns if p and not p.startswith("#")]
    assert patterns[0] == "*", "the build context must be an allowlist"
    reincluded = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    assert reincluded.isdisjoint({".env", "data", "airflow_home", ".venv", ".git", "tests"})
    # Everything the Dockerfile copies must be let through, or the build fails.
    sources = set()
    for instruction, args in dockerfile_instructions():
        if instruction == "COPY":
            words = [w for w in args.split() if not w.startswith("--")]
            sources |= {w.rstrip("/").split("/")[0] for w in words[:-1]}
    assert sources <= reincluded, sorted(sources - reincluded)


# --- the Dockerfile and the init script ----------------------------------------------------------


def test_dockerfile_builds_on_the_pinned_airflow_image_with_our_lock():
    instructions = dockerfile_instructions()
    (base,) = [args for instruction, args in instructions if instruction == "FROM"]
    assert base == "apache/airflow:3.3.2-python3.11"
    pinned = re.search(r"^apache-airflow==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert pinned and base.split(":")[1].startswith(pinned.group(1) + "-"), "image and requirements.txt disagree"
    runs = [args for instruction, args in instructions if instruction == "RUN"]
    assert any(
        re.search(r"pip install --no-cache-dir -r \S*requirements\.txt -c \S*constraints\.txt", run) for run in runs
    )
    assert any(re.search(r"pip install --no-cache-dir --no-deps \S+", run) for run in runs)
    users = [args for instruction, args in instructions if instruction == "USER"]
    assert users[-1] == "airflow", "the image must not end as root"


def test_dockerfile_copies_only_what_exists():
    for instruction, args in dockerfile_instructions():
        if instruction == "COPY":
            words = [w for w in args.split() if not w.startswith("--")]
            for source in words[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: missing (an empty folder is not in git)"


def test_init_script_is_valid_bash_and_runs_every_step():
    result = subprocess.run(["bash", "-n", str(INIT_SCRIPT)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    steps = [line.strip() for line in INIT_SCRIPT.read_text(encoding="utf-8").splitlines()]
    assert "/entrypoint airflow db migrate" in steps
    assert "/entrypoint python -m teachflow.cli warehouse upgrade" in steps
    assert "/entrypoint python -m teachflow.cli warehouse roles" in steps
    assert steps.index("/entrypoint python -m teachflow.cli warehouse roles") > steps.index(
        "/entrypoint python -m teachflow.cli warehouse upgrade"
    )
    compose = load_compose()["services"]["airflow-init"]
    assert compose["command"] == ["/opt/teachflow/bin/airflow-init.sh"]
    for role in ("LOADER", "ANALYST", "PORTAL"):
        assert compose["environment"][f"TEACHFLOW_{role}_PASSWORD"].startswith(f"${{TEACHFLOW_{role}_PASSWORD:?")
    assert compose["environment"]["_AIRFLOW_WWW_USER_PASSWORD"].startswith("${_AIRFLOW_WWW_USER_PASSWORD:?")
