"""How Arrow's memory is allocated and given back, for the big files of the ingestion.

Arrow ships its own allocator (mimalloc). It keeps the memory it frees for Arrow's next buffers,
out of reach of numpy and pandas, which allocate through malloc; the two then each hold what the
other freed. Ingesting a million training rows peaked at ~1.05 GiB of RSS that way and at
~0.83 GiB with one allocator, and ran faster (BENCHMARKS.md).
"""

from __future__ import annotations


def use_system_allocator() -> None:
    """Make Arrow allocate with malloc, like numpy and pandas. Process-wide and idempotent;
    buffers already allocated keep their pool."""
    import pyarrow as pa

    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


def release_unused() -> None:
    """Give the pages Arrow freed (e.g. while parsing a file) back to the system."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
