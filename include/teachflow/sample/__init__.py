"""``teachflow sample``: a realistic synthetic city for the demo, the tests and the benchmarks.

The city, 8 counties, about 250 schools in 20 education communities and about 12,000 teachers,
with six months of rosters, teacher flows of every type and training records, dropped in the
landing zone in the forms counties really send (XLSX with title rows, GBK CSV, UTF-8 CSV) and with
a small labelled share of realistic mistakes. Deterministic under ``--seed``; streams its rows,
so ``--counties 100 --teachers 600000`` makes a province in minutes.

Modules: ``params`` (flags), ``periods`` (months), ``city`` (reference data), ``people``
(teachers), ``flows``, ``rosters``, ``training``, ``ratings``, ``styles`` (how each county's files
look), ``mistakes``, ``drops`` (writing one landing file), ``generate`` (the whole run), ``cli``.
"""

from teachflow.sample.generate import SampleSummary, generate
from teachflow.sample.params import SampleParams, SampleParamsError

__all__ = ["SampleParams", "SampleParamsError", "SampleSummary", "generate"]
