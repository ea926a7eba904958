"""A cron schedule that says its timezone wherever Airflow shows it.

Airflow's own ``CronTriggerTimetable`` shows ``0 6 6 * *`` in the DAG list and "At 06:00, on day 6
of the month" as its description, without saying whose 06:00: an engineer in UTC reads 06:00 UTC.
Every teachflow schedule is on the bureau's clock (Asia/Shanghai, ``teachflow.calendar``), so the
summary here is ``0 6 6 * * Asia/Shanghai`` and the description ends in "(Asia/Shanghai time)".
Registered with Airflow by ``plugins/teachflow_plugin.py`` (a custom timetable must be, so the
scheduler can rebuild it from the serialized DAG).
"""

from __future__ import annotations

from typing import Any

from airflow.timetables.trigger import CronTriggerTimetable, MultipleCronTriggerTimetable

#: The bureau's time zone: the DAGs run on its clock.
BUREAU_TIMEZONE = "Asia/Shanghai"


class LocalTimeCronTimetable(CronTriggerTimetable):
    """``CronTriggerTimetable`` whose summary and description name its timezone."""

    def __init__(self, cron: str, *, timezone: Any = BUREAU_TIMEZONE, **kwargs: Any) -> None:
        super().__init__(cron, timezone=timezone, **kwargs)
        if self.description:
            self.description = f"{self.description} ({self.timezone_name} time)"

    @property
    def timezone_name(self) -> str:
        return str(getattr(self._timezone, "name", self._timezone))

    @property
    def summary(self) -> str:
        return f"{self._expression} {self.timezone_name}"


class LocalTimeMultipleCronTimetable(MultipleCronTriggerTimetable):
    """``MultipleCronTriggerTimetable`` (several crons, one timezone) that names its timezone."""

    def __init__(self, *crons: str, timezone: Any = BUREAU_TIMEZONE, **kwargs: Any) -> None:
        super().__init__(*crons, timezone=timezone, **kwargs)
        zone = self._timetables[0]._timezone
        self._timezone_name = str(getattr(zone, "name", zone))
        self.description = f"{self.description} ({self._timezone_name} time)"

    @property
    def summary(self) -> str:
        return ", ".join(t._expression for t in self._timetables) + f" {self._timezone_name}"


def bureau_cron(*crons: str) -> LocalTimeCronTimetable | LocalTimeMultipleCronTimetable:
    """Crons on the bureau's clock, e.g. ``bureau_cron("0 6 6 * *")``: 06:00 on the 6th, Beijing time;
    with several expressions, a run whenever any of them fires."""
    if len(crons) == 1:
        return LocalTimeCronTimetable(crons[0], timezone=BUREAU_TIMEZONE)
    return LocalTimeMultipleCronTimetable(*crons, timezone=BUREAU_TIMEZONE)
