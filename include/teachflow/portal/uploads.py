"""A clerk's upload: stage it, check its type, pre-check it, and on "submit" land it.

1. **stage**: the upload is streamed to ``<data>/portal/staged/<token>/<dataset>.<ext>`` and cut
   off at the size limit (``Settings.max_file_bytes``); a file that is not CSV/XLSX by name *and*
   by content (an XLSX is a ZIP; a CSV holds no NUL bytes) is refused with a clear message.
2. **pre-check**: :func:`teachflow.ingestion.precheck.precheck`, the function ``teachflow check`` uses.
3. **submit**: the staged bytes are written to the landing zone at the canonical path
   ``<landing>/<county>/<YYYY-MM>/<dataset>.<ext>``, first under a dotted temporary name that
   discovery ignores, then renamed, so ``county_ingest`` never sees half a file; when an Airflow
   REST API is configured (``TEACHFLOW_AIRFLOW_API_URL``), a ``county_ingest`` run is triggered
   with the file named in its conf (it then skips the quiet time, as pulled files do).

The staging token is random and bound to the clerk's county: a token from another county's
session is "not found". A staged upload not submitted within ``STAGING_HOURS`` is removed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import fsspec

from teachflow.atomic_files import move_into_place
from teachflow.calendar import is_period, period_in_name
from teachflow.datasets import DATASETS, county_datasets
from teachflow.settings import Settings

log = logging.getLogger(__name__)

ALLOWED_FORMATS = ("csv", "xlsx")
#: A pre-checked upload can be submitted for this long; then it is removed.
STAGING_HOURS = 24
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}\Z")
_CHUNK = 1 << 20


class UploadRefused(ValueError):
    """An upload that is not taken at all; the message is for the clerk (Chinese, English twin)."""


@dataclass(frozen=True)
class StagedFile:
    token: str
    county_code: str
    period: str
    dataset: str
    file_format: str
    path: Path
    original_name: str
    size: int


def staging_root(settings: Settings) -> Path:
    return settings.data_dir / "portal" / "staged"


def guess_from_name(filename: str) -> tuple[str | None, str | None]:
    """(period, dataset) a file's name says, e.g. ``2026-10_teachers.xlsx`` or ``教师名册202610.xlsx``."""
    stem = Path(filename or "").stem
    period = period_in_name(stem)
    dataset = None
    lowered = stem.lower()
    for name in sorted(county_datasets(), key=len, reverse=True):  # teacher_flows before teachers
        if name in lowered or DATASETS[name].title_zh in stem:
            dataset = name
            break
    return period, dataset


def _file_format(filename: str) -> str:
    ext = Path(filename or "").suffix.lower().lstrip(".")
    if ext not in ALLOWED_FORMATS:
        raise UploadRefused(
            f"只接受 .xlsx 或 .csv 文件（收到的是“{Path(filename or '').name or '无文件名'}”）。"
            "请用市局模板填写后另存为 .xlsx 再上传。"
            " / Only .xlsx or .csv files are accepted."
        )
    return ext


def _content_matches(path: Path, file_format: str) -> bool:
    with path.open("rb") as f:
        head = f.read(8192)
    if file_format == "xlsx":
        return head.startswith(b"PK\x03\x04")
    return b"\x00" not in head


def stage_upload(
    settings: Settings, county_code: str, period: str, dataset: str, filename: str, stream: BinaryIO
) -> StagedFile:
    """Copy an upload into staging, refusing wrong types and files over the size limit."""
    if dataset not in county_datasets():
        raise UploadRefused("请选择数据集（教师名册、教师交流轮岗或教师培训记录）。 / Choose a dataset.")
    if not is_period(period):
        raise UploadRefused("请选择报送月份（格式 2026-10）。 / Choose the month, YYYY-MM.")
    file_format = _file_format(filename)
    prune_staging(settings)
    token = secrets.token_urlsafe(24)
    folder = staging_root(settings) / token
    folder.mkdir(parents=True, exist_ok=False)
    path = folder / f"{dataset}.{file_format}"
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > settings.max_file_bytes:
                    raise UploadRefused(
                        f"文件超过大小上限 {settings.max_file_bytes // (1024 * 1024)} MB，请拆分或联系市局。"
                        f" / The file is over the {settings.max_file_bytes} byte limit."
                    )
                out.write(chunk)
        if size == 0:
            raise UploadRefused("上传的文件是空的（0 字节）。 / The uploaded file is empty (0 bytes).")
        if not _content_matches(path, file_format):
            kind = "Excel 工作簿" if file_format == "xlsx" else "CSV 文本文件"
            raise UploadRefused(
                f"文件扩展名是 .{file_format}，但内容不是{kind}。请在 Excel 中“另存为”正确的格式后再上传。"
                f" / The file's content is not a real .{file_format} file."
            )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    meta = {"county_code": county_code, "period": period, "dataset": dataset, "original_name": filename, "size": size}
    (folder / "staged.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return StagedFile(token, county_code, period, dataset, file_format, path, filename, size)


def prune_staging(settings: Settings, max_age_seconds: float = STAGING_HOURS * 3600, now: float | None = None) -> int:
    """Remove staged uploads older than ``max_age_seconds`` (pre-checked, never submitted); how many."""
    root = staging_root(settings)
    if not root.is_dir():
        return 0
    now = time.time() if now is None else now
    removed = 0
    for folder in root.iterdir():
        try:
            if folder.is_dir() and now - folder.stat().st_mtime > max_age_seconds:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except FileNotFoundError:  # another request removed it meanwhile
            continue
    return removed


def load_staged(settings: Settings, token: str, county_code: str) -> StagedFile | None:
    """The staged file of ``token`` if it belongs to ``county_code``; None otherwise."""
    if not _TOKEN.match(token or ""):
        return None
    folder = staging_root(settings) / token
    try:
        meta = json.loads((folder / "staged.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("county_code") != county_code:
        return None
    files = [p for p in folder.iterdir() if p.suffix.lstrip(".") in ALLOWED_FORMATS]
    if len(files) != 1:
        return None
    path = files[0]
    return StagedFile(
        token,
        county_code,
        meta["period"],
        meta["dataset"],
        path.suffix.lstrip("."),
        path,
        meta["original_name"],
        meta["size"],
    )


def canonical_relative_path(staged: StagedFile) -> str:
    return f"{staged.county_code}/{staged.period}/{staged.dataset}.{staged.file_format}"


def land(settings: Settings, staged: StagedFile) -> str:
    """Write the staged file into the landing zone (temporary name, then rename); returns its relative path.

    The staged copy is removed afterwards: one upload, one submission.
    """
    relative = canonical_relative_path(staged)
    fs, root = fsspec.core.url_to_fs(settings.landing)
    root = root.rstrip("/")
    final = f"{root}/{relative}"
    folder = final.rsplit("/", 1)[0]
    temporary = f"{folder}/.portal-{uuid.uuid4().hex}.tmp"
    fs.makedirs(folder, exist_ok=True)
    with staged.path.open("rb") as src, fs.open(temporary, "wb") as dst:
        shutil.copyfileobj(src, dst, _CHUNK)
    if fs.protocol in ("file", ("file", "local")) or "://" not in settings.landing:
        move_into_place(Path(temporary), Path(final))  # atomic on one file system
    else:
        fs.mv(temporary, final)
    shutil.rmtree(staged.path.parent, ignore_errors=True)
    return relative


def trigger_ingest(relative_path: str, env: dict[str, str] | None = None) -> str | None:
    """Start a ``county_ingest`` run through Airflow's REST API; the run id, or None if not configured.

    ``TEACHFLOW_AIRFLOW_API_URL`` (e.g. ``http://airflow-apiserver:8080``) and either
    ``TEACHFLOW_AIRFLOW_API_TOKEN`` (a JWT) or ``TEACHFLOW_AIRFLOW_API_USER``/``_PASSWORD`` (exchanged
    for a token at ``/auth/token``). A failure is logged and returns None: the file is landed
    anyway and the next scheduled run takes it.
    """
    import requests

    env = os.environ if env is None else env
    base = (env.get("TEACHFLOW_AIRFLOW_API_URL") or "").rstrip("/")
    if not base:
        return None
    try:
        token = env.get("TEACHFLOW_AIRFLOW_API_TOKEN")
        if not token and env.get("TEACHFLOW_AIRFLOW_API_USER"):
            answer = requests.post(
                f"{base}/auth/token",
                json={
                    "username": env["TEACHFLOW_AIRFLOW_API_USER"],
                    "password": env.get("TEACHFLOW_AIRFLOW_API_PASSWORD", ""),
                },
                timeout=10,
            )
            answer.raise_for_status()
            token = answer.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = requests.post(
            f"{base}/api/v2/dags/county_ingest/dagRuns",
            json={"logical_date": None, "conf": {"files": [relative_path]}, "note": f"县区门户上传 {relative_path}"},
            headers=headers,
            timeout=10,
        )
        answer.raise_for_status()
        return answer.json().get("dag_run_id")
    except (requests.RequestException, KeyError, ValueError) as err:
        log.warning("could not trigger county_ingest through %s: %s", base, err)
        return None
