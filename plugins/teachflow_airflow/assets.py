"""The Assets teachflow's DAGs produce and follow.

Ingestion emits an event on the Asset of each dataset it changed (through one AssetAlias, since
which datasets changed is known only at run time), with the county and period in the event's
``extra``; the report DAGs schedule on these Assets and re-run the months that changed.
"""

from __future__ import annotations

from airflow.sdk import Asset, AssetAlias

WAREHOUSE_DATASETS = ("teachers", "teacher_flows", "training_records", "assessment_ratings")

#: One Asset per warehouse dataset, e.g. ``teachflow://warehouse/teacher_flows``.
DATASET_ASSETS: dict[str, Asset] = {
    name: Asset(uri=f"teachflow://warehouse/{name}", name=f"teachflow_{name}") for name in WAREHOUSE_DATASETS
}

#: Ingestion attaches its per-dataset events to this alias.
INGESTED = AssetAlias("teachflow_ingested")

#: The landing zone itself: the county API pull emits it when new files arrived (county_ingest follows).
LANDING = Asset(uri="teachflow://landing", name="teachflow_landing")
