"""The parts of reading a county file, one job each.

``headers`` finds the header row and maps header cells to the contract's columns; ``csv_file`` and
``xlsx_file`` turn the two accepted formats into text cells; ``values`` understands one value of a
kind (a date, a number, a vocabulary label). :mod:`teachflow.ingestion.reading` and
:mod:`teachflow.ingestion.normalize` are the entry points the pipeline calls.
"""
