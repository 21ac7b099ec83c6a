from datetime import UTC, datetime, time, timedelta, timezone

from sync.domain.schedule import next_nightly_run


def test_the_next_nightly_run_is_today_before_the_hour_and_tomorrow_after_it() -> None:
    at = time(2, 0)
    assert next_nightly_run(datetime(2026, 11, 30, 1, 59, tzinfo=UTC), at) == datetime(
        2026, 11, 30, 2, 0, tzinfo=UTC
    )
    assert next_nightly_run(datetime(2026, 11, 30, 2, 0, tzinfo=UTC), at) == datetime(
        2026, 12, 1, 2, 0, tzinfo=UTC
    )
    brussels = timezone(timedelta(hours=1))
    assert next_nightly_run(datetime(2026, 12, 31, 23, 30, tzinfo=brussels), at) == datetime(
        2027, 1, 1, 2, 0, tzinfo=UTC
    )
