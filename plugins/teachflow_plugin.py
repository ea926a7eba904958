"""Registers teachflow's timetable with Airflow (the scheduler and API server load plugins/ files)."""

from __future__ import annotations

from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin

from teachflow_airflow.timetables import LocalTimeCronTimetable, LocalTimeMultipleCronTimetable


class TeachflowPlugin(AirflowPlugin):
    name = "teachflow"
    timetables: ClassVar[list[type]] = [LocalTimeCronTimetable, LocalTimeMultipleCronTimetable]
