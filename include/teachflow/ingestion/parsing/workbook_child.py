"""The child process of :func:`teachflow.ingestion.parsing.workbook_limits.read_workbook_bounded`.

``python -m teachflow.ingestion.parsing.workbook_child LIMIT SOURCE DATASET RESULT``: cap this process's
address space at LIMIT bytes before anything big is imported, parse SOURCE as DATASET's workbook,
pickle ``("read", result)`` or ``("rejected", problems)`` to RESULT. Exit 3 on MemoryError; a Rust allocation
failure inside calamine aborts the process, which the parent recognises by its message.
"""

from __future__ import annotations

import pickle
import resource
import sys
from pathlib import Path

OUT_OF_MEMORY = 3


def main(argv: list[str]) -> int:
    limit, source, dataset_name, result = int(argv[0]), Path(argv[1]), argv[2], Path(argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        from teachflow.contract import DATASETS
        from teachflow.ingestion.parsing.xlsx_file import read_xlsx_table
        from teachflow.problems import FileRejected

        try:
            outcome: tuple[str, object] = ("read", read_xlsx_table(source.read_bytes(), DATASETS[dataset_name]))
        except FileRejected as rejected:
            outcome = ("rejected", rejected.problems)
        with result.open("wb") as f:
            pickle.dump(outcome, f, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return OUT_OF_MEMORY
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
