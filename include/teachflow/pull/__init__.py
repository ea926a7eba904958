"""Pulling county submissions from counties' own systems over HTTP (docs/county-api.md).

Some counties cannot drop files: their systems publish the city's small API contract
(``docs/county-api.yaml``) and teachflow pulls from them. What is pulled lands in the landing zone
in exactly the spec's layout, so ingestion is the same for every county.

- ``config``: one county's API settings, from environment variables (Airflow connections are read
  in ``plugins/teachflow_airflow/county_api.py``);
- ``client``: the HTTP session per county: timeouts, bounded retries with backoff, clear errors;
- ``puller``: listing, skipping what is already there, verified download, atomic landing;
- ``server``: a reference server of the contract, serving a folder laid out like the landing zone;
- ``demo``: the demo's round trip through the reference server on loopback;
- ``contract_fuzz``: the puller's check for the contract fuzzer (Schemathesis hooks, dev only).
"""
