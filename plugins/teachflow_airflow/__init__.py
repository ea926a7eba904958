"""teachflow's Airflow-facing pieces: the warehouse connection, the Assets, task helpers.

Kept apart from the ``teachflow`` package, which never imports Airflow, so that the domain code
runs and is tested without a scheduler. Airflow puts ``plugins/`` on ``sys.path``.
"""
