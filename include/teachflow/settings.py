"""Every setting of teachflow, read from the environment, with local defaults under ``data/``.

One module so that an operator finds every knob in one place (see README "Settings"). Inside
Airflow the connection ``teachflow_warehouse`` overrides ``TEACHFLOW_WAREHOUSE_URL``; that lookup
lives in ``plugins/`` because this package never imports Airflow.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from teachflow.policy import Policy


def project_root() -> Path:
    """The checkout holding this package when installed editable, else the working directory."""
    candidate = Path(__file__).resolve().parents[2]
    if (candidate / "pyproject.toml").exists():
        return candidate
    return Path.cwd()


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


#: The name of the bundled joint-assessment model (``scoring/joint_assessment.yaml``, ``name:``); a
#: test keeps the two equal. Read here without loading the YAML, so settings stay cheap to load.
BUNDLED_SCORING_MODEL_NAME = "教共体捆绑考核"


class MissingSecretError(RuntimeError):
    """Raised when no ID secret is configured: hashing IDs without one would be unsafe."""


#: Most participants (参与人次) one support-activity row may carry (practices.md §2: a setting).
DEFAULT_ACTIVITY_MAX_PARTICIPANTS = 2000
#: Most periods (节数/学时) one support-activity row may carry (practices.md §2: a setting).
DEFAULT_ACTIVITY_MAX_PERIODS = 12.0

#: Shortest ID secret accepted, in bytes: HMAC-SHA256's key should be as long as its output; a
#: short secret lets anyone who guesses it recover every resident ID from teacher_key by brute force.
MIN_SECRET_BYTES = 32


@dataclass(frozen=True)
class Settings:
    """A snapshot of the configuration; build it with :func:`load_settings`."""

    data_dir: Path
    warehouse_url: str
    landing: str  # a local path or any fsspec URL (s3://, sftp://)
    outbox: Path
    archive: Path
    reports: Path
    reference_dir: Path
    id_secret_file: Path
    #: Seconds a file must stay unchanged (size and mtime) before it is taken.
    landing_quiet_seconds: float = 60.0
    #: Files larger than this are rejected unread.
    max_file_bytes: int = 200 * 1024 * 1024
    #: Failed takes (errors, kills) of the same file after which it is quarantined, not retried.
    max_failed_takes: int = 3
    #: A workbook's limits, checked before it is parsed (parsing.workbook_limits): unzipped bytes,
    #: compression ratio of any part, cells of a sheet's extent (rows x columns).
    max_unzipped_bytes: int = 1024 * 1024 * 1024
    max_compression_ratio: float = 100.0
    max_sheet_cells: int = 40_000_000
    #: Address space of the child process that parses a workbook (its exhaustion is a rejection).
    parse_memory_bytes: int = 4 * 1024 * 1024 * 1024
    #: Share of bad rows above which a (non-roster) file is rejected whole.
    max_bad_row_share: float = 0.05
    #: The policy figures (6 years, 10 %, 20 %, 72 学时; B3a's 20 activities and 10 % paired), read by
    #: the report and the scoring alike.
    policy: Policy = field(default_factory=Policy)
    #: Day of the month after a period by whose end (Asia/Shanghai) the period's files are due (cycle.md).
    due_day: int = 5
    #: Which joint-assessment model's scores the analysts' mart shows: a model name, or
    #: ``name@version`` to pin one version (TEACHFLOW_OFFICIAL_SCORING_MODEL).
    official_scoring_model: str = BUNDLED_SCORING_MODEL_NAME
    #: practices.md §2's limits of a support activity: participants 1..this, periods 0 < x <= this
    #: (TEACHFLOW_ACTIVITY_MAX_PARTICIPANTS, TEACHFLOW_ACTIVITY_MAX_PERIODS). The dataset's columns
    #: name these fields (``NumberRange.max_setting``), so the GX suite and the feedback use them.
    activity_max_participants: int = DEFAULT_ACTIVITY_MAX_PARTICIPANTS
    activity_max_periods: float = DEFAULT_ACTIVITY_MAX_PERIODS
    _id_secret: str | None = field(default=None, repr=False)

    def id_secret(self) -> bytes:
        """The HMAC key for teacher_key: TEACHFLOW_ID_SECRET, else the local secret file.

        A secret shorter than :data:`MIN_SECRET_BYTES` is refused (MissingSecretError).
        """
        source, secret = "TEACHFLOW_ID_SECRET", self._id_secret
        if not secret and self.id_secret_file.exists():
            source, secret = str(self.id_secret_file), self.id_secret_file.read_text(encoding="utf-8").strip()
        if secret:
            key = secret.encode("utf-8")
            if len(key) < MIN_SECRET_BYTES:
                raise MissingSecretError(
                    f"The ID secret in {source} is {len(key)} bytes; at least {MIN_SECRET_BYTES} are required "
                    "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)."
                )
            return key
        raise MissingSecretError(
            "No ID secret: set TEACHFLOW_ID_SECRET, or run `teachflow secret init` to create a "
            f"local one in {self.id_secret_file} (development only; never commit it)."
        )


def load_settings() -> Settings:
    """Read the environment now (not at import), so tests and tasks can change it."""
    data_dir = _env_path("TEACHFLOW_DATA_DIR", project_root() / "data")
    default_db = data_dir / "warehouse.db"
    return Settings(
        data_dir=data_dir,
        warehouse_url=os.environ.get("TEACHFLOW_WAREHOUSE_URL") or f"sqlite:///{default_db}",
        landing=os.environ.get("TEACHFLOW_LANDING") or str(data_dir / "landing"),
        outbox=_env_path("TEACHFLOW_OUTBOX", data_dir / "outbox"),
        archive=_env_path("TEACHFLOW_ARCHIVE", data_dir / "archive"),
        reports=_env_path("TEACHFLOW_REPORTS", data_dir / "reports"),
        reference_dir=_env_path("TEACHFLOW_REFERENCE", data_dir / "reference"),
        id_secret_file=_env_path("TEACHFLOW_ID_SECRET_FILE", data_dir / "id_secret"),
        landing_quiet_seconds=_env_float("TEACHFLOW_LANDING_QUIET_SECONDS", 60.0),
        max_file_bytes=_env_int("TEACHFLOW_MAX_FILE_BYTES", 200 * 1024 * 1024),
        max_failed_takes=_env_int("TEACHFLOW_MAX_FAILED_TAKES", 3),
        max_unzipped_bytes=_env_int("TEACHFLOW_MAX_UNZIPPED_BYTES", 1024 * 1024 * 1024),
        max_compression_ratio=_env_float("TEACHFLOW_MAX_COMPRESSION_RATIO", 100.0),
        max_sheet_cells=_env_int("TEACHFLOW_MAX_SHEET_CELLS", 40_000_000),
        parse_memory_bytes=_env_int("TEACHFLOW_PARSE_MEMORY_BYTES", 4 * 1024 * 1024 * 1024),
        max_bad_row_share=_env_float("TEACHFLOW_MAX_BAD_ROW_SHARE", 0.05),
        policy=Policy(
            eligibility_years=_env_int("TEACHFLOW_ELIGIBILITY_YEARS", Policy.eligibility_years),
            rotation_target=_env_float("TEACHFLOW_ROTATION_TARGET", Policy.rotation_target),
            backbone_target=_env_float("TEACHFLOW_BACKBONE_TARGET", Policy.backbone_target),
            training_hours_per_year=_env_float("TEACHFLOW_TRAINING_HOURS_PER_YEAR", Policy.training_hours_per_year),
            joint_research_activities=_env_int("TEACHFLOW_JOINT_RESEARCH_ACTIVITIES", Policy.joint_research_activities),
            joint_research_mentee_share=_env_float(
                "TEACHFLOW_JOINT_RESEARCH_MENTEE_SHARE", Policy.joint_research_mentee_share
            ),
        ),
        due_day=_env_int("TEACHFLOW_DUE_DAY", 5),
        official_scoring_model=os.environ.get("TEACHFLOW_OFFICIAL_SCORING_MODEL") or BUNDLED_SCORING_MODEL_NAME,
        activity_max_participants=_env_int("TEACHFLOW_ACTIVITY_MAX_PARTICIPANTS", DEFAULT_ACTIVITY_MAX_PARTICIPANTS),
        activity_max_periods=_env_float("TEACHFLOW_ACTIVITY_MAX_PERIODS", DEFAULT_ACTIVITY_MAX_PERIODS),
        _id_secret=os.environ.get("TEACHFLOW_ID_SECRET") or None,
    )
