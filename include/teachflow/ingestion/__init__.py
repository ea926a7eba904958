"""The ingestion wing: a county's file from the landing zone to the warehouse and the feedback.

One module per stage — ``landing`` (what is there), ``archive`` (the bytes kept by SHA-256),
``ledger`` (the submissions table), ``reading`` + ``parsing`` (cells as the county typed them),
``normalize`` (typed values), ``merge`` (+ ``training_copy``, the training COPY path),
``feedback`` (what the county reads) — and ``pipeline``, the order of the stages; ``precheck``
is the pipeline without archive, ledger and merge, for ``teachflow check`` and the portal. Kept together so
a reader finds the whole journey of a file in one folder.
"""
