"""The Assets teachflow's DAGs produce and follow.

Ingestion emits an event on the Asset of each dataset it changed (through one AssetAlias, since
which datasets changed is known only at run time), with the county and period in the event's
``extra``; the report DAGs schedule on these Assets and re-run the months that changed.
"""

from __future__ import annotations

from airflow.sdk import Asset, AssetAlias

from teachflow.datasets import DATASETS, ingest_waves

#: One Asset per dataset of the registry, e.g. ``teachflow://warehouse/teacher_flows``.
DATASET_ASSETS: dict[str, Asset] = {
    name: Asset(uri=dataset.asset_uri, name=dataset.asset_name) for name, dataset in DATASETS.items()
}

#: The datasets the monthly report's 帮扶与结对 section reads (practices.md §6). Kept here rather than as
#: ``feeds_rotation_report`` in their declarations: that flag also makes a dataset part of the
#: report's coverage (owed files, refusal of an empty month), which the section does not change.
#: ``teachflow.reports.support_sql.SUPPORT_INPUTS`` names the same (tests/dags check they agree;
#: this file stays free of the warehouse modules for the scheduler's parse).
SUPPORT_SECTION_INPUTS: tuple[str, ...] = ("pairings", "support_activities")

#: The datasets the monthly rotation report and its sections read (their changes re-run reported months).
REPORT_INPUTS: tuple[str, ...] = tuple(
    name for name, dataset in DATASETS.items() if dataset.feeds_rotation_report or name in SUPPORT_SECTION_INPUTS
)

#: How many waves ``county_ingest`` takes a run's files in (``Dataset.ingest_after``: support
#: activities after pairings); one discover and one mapped ingest task per wave.
INGEST_WAVES: int = ingest_waves()

#: Ingestion attaches its per-dataset events to this alias.
INGESTED = AssetAlias("teachflow_ingested")

#: The landing zone itself: the county API pull emits it when new files arrived (county_ingest follows).
LANDING = Asset(uri="teachflow://landing", name="teachflow_landing")
