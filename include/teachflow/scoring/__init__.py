"""The joint assessment of education communities (教共体捆绑考核), per school year.

- ``joint_assessment.yaml``: the scoring model (weights, targets, grades, review share) as data;
- ``model``: load and check it (errors name the line); ``rated_indicator_codes()`` for ingestion;
- ``years``: school years and which year a run scores (final or provisional);
- ``computed``: A1/B1/B2 figures per school from the warehouse (set-based SQL) and their scores;
- ``rated``: evaluators' ratings per group and the rated indicators' scores;
- ``score``: own score with n/a rescaling, bundling, community score, grade, rank, review flag;
- ``breakdown``: the rows that explain each score; ``store``: write/read the assessment tables;
- ``excel`` / ``html``: the outputs; ``run``: one run end to end (the DAG's and the CLI's steps).
"""
