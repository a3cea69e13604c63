"""A warm-up day on the local platform: a day divided by the time scale unless
``--warmup-day-seconds`` says otherwise, whole seconds, never shorter than 3 s; the warm-up
machine's task functions are known to the local Lambda registry."""

from __future__ import annotations

import pytest

from infrastructure.local import stepfunctions as sf
from infrastructure.local.__main__ import _args
from infrastructure.local.platform import warmup_day


@pytest.mark.parametrize(
    ("time_scale", "seconds", "expected"),
    [(60.0, None, 1440), (1.0, None, 86400), (7000.0, None, 13), (60.0, 12.0, 12), (60.0, 0.5, 3)],
)
def test_a_warmup_day_is_a_day_over_the_time_scale_unless_given(time_scale, seconds, expected):
    assert warmup_day(time_scale, seconds) == expected


def test_the_command_line_takes_the_warmup_day_seconds():
    assert _args(["--warmup-day-seconds", "20"]).warmup_day_seconds == 20.0
    assert _args([]).warmup_day_seconds == 0.0  # 0: a day over the time scale


def test_the_warmup_tasks_are_known_by_their_local_names():
    registry = sf.LambdaRegistry()
    assert registry.name_of("WarmupOpenDayFunction") == "penguinmails-local-warmup-open-day"
    assert "penguinmails-local-warmup-hand-over" in registry
