"""The local scheduler's periods: a rule's own ``LocalEverySeconds`` (the campaign scheduler
every 2 s), else its rate divided by the time scale."""

from __future__ import annotations

from infrastructure.local import template as tpl
from infrastructure.local.scheduler import Scheduler


def test_the_campaign_scheduler_fires_every_2_seconds_and_the_others_follow_the_scale():
    schedules = tpl.schedules(tpl.load())
    periods = Scheduler(schedules, time_scale=60).periods
    assert periods["CampaignSchedulerSchedule"] == 2
    assert periods["QueueMonitorSchedule"] == 5  # rate(5 minutes) / 60
    assert Scheduler(schedules, time_scale=600).periods["CampaignSchedulerSchedule"] == 2
    assert Scheduler(schedules, time_scale=600).periods["QueueMonitorSchedule"] == 0.5
