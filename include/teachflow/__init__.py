"""teachflow: the domain package behind the city's teacher-workforce pipelines.

Plain Python with no Airflow import: the DAGs in ``dags/`` and the ``teachflow`` command line
both call it, and most tests test it directly.
"""

__version__ = "0.1.0"
