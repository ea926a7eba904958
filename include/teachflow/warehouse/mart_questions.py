"""The analysts' questions of ``docs/queries.sql``, read as (name, question, SQL) for tests and the bench.

The file is the documentation analysts read; the tests run every block on a sample city and the
bench times every block on a province, so the questions shown are the questions checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from teachflow.settings import project_root
from teachflow.warehouse.mart import for_dialect

QUERIES_PATH = project_root() / "docs" / "queries.sql"


@dataclass(frozen=True)
class Question:
    name: str
    #: The comment lines after the name (the question in Chinese and English).
    question: str
    #: The query as written (PostgreSQL, ``mart.<view>``), without its trailing semicolon.
    sql: str

    def sql_for(self, dialect_name: str) -> str:
        return for_dialect(self.sql, dialect_name)


def load_questions(path: Path = QUERIES_PATH) -> list[Question]:
    """Every ``-- name:`` block of the file, in order."""
    questions: list[Question] = []
    name: str | None = None
    notes: list[str] = []
    body: list[str] = []

    def close() -> None:
        if name is not None:
            questions.append(Question(name, "\n".join(notes), "\n".join(body).strip().rstrip(";").strip()))

    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("-- name:"):
            close()
            name, notes, body = line.removeprefix("-- name:").strip(), [], []
        elif name is not None and line.startswith("--") and not body:
            notes.append(line.removeprefix("--").strip())
        elif name is not None and line.strip():
            body.append(line)
    close()
    return questions
