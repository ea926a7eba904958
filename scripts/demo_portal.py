"""The county portal for `make demo`: demo accounts, and the portal started in the background.

- One clerk per sample county (``clerk<code>``) and one city staff account (``city``). Their
  passwords are random, made on the first run and kept in ``data/portal-demo-logins.txt`` (0600,
  never committed); later runs reuse them.
- The portal listens on 127.0.0.1, port ``TEACHFLOW_PORTAL_PORT`` (8090) or a free one if that is
  taken; its process id is kept in ``data/portal.pid`` and a portal left by an earlier demo is
  stopped first (by that id). `make demo` ends; the portal keeps running until
  ``kill $(cat data/portal.pid)``.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def choose_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port on 127.0.0.1")


def stop_previous(pid_file: Path) -> None:
    """Stop the portal an earlier demo started (its own process id, nothing else)."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    else:
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
    pid_file.unlink(missing_ok=True)


def demo_logins(settings) -> list[tuple[str, str, str]]:
    """(username, password, what) for every demo account, made or updated in the warehouse."""
    from sqlalchemy import select

    from teachflow.portal.accounts import save_user
    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.schema import counties

    store = settings.data_dir / "portal-demo-logins.txt"
    known: dict[str, str] = {}
    if store.exists():
        for line in store.read_text(encoding="utf-8").splitlines():
            name, _, password = line.partition("\t")
            if password:
                known[name] = password
    engine = make_engine(settings.warehouse_url)
    logins = []
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(counties.c.county_code, counties.c.county_name, counties.c.is_city)).all()
        for code, name, is_city in sorted(rows, key=lambda r: (not r.is_city, r.county_code)):
            username = "city" if is_city else f"clerk{code}"
            password = known.get(username) or secrets.token_urlsafe(9)
            role, county = ("city_staff", None) if is_city else ("county_clerk", code)
            display = f"{name}{'数据科' if is_city else '报送员'}"
            save_user(engine, username, password, role, county, display_name=display)
            logins.append((username, password, f"{name}（{'市局，全部区县' if is_city else code}）"))
    finally:
        engine.dispose()
    store.write_text("".join(f"{u}\t{p}\n" for u, p, _ in logins), encoding="utf-8")
    store.chmod(0o600)
    return logins


def start_portal(settings, port: int) -> tuple[str, int]:
    """Start ``teachflow portal`` in the background; (address, pid) once it answers."""
    pid_file = settings.data_dir / "portal.pid"
    log = settings.data_dir / "demo-logs" / "portal.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    address = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        process = subprocess.Popen(
            ["teachflow", "portal", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives make demo
            env={**os.environ, "TEACHFLOW_PORTAL_URL": address},
        )
    pid_file.write_text(f"{process.pid}\n")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the portal stopped at once; see {log}")
        try:
            with urllib.request.urlopen(f"{address}/login", timeout=2) as answer:
                if answer.status == 200:
                    return address, process.pid
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the portal did not answer within a minute; see {log}")
