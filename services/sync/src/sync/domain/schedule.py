"""When the nightly sync runs next. Pure."""

from datetime import UTC, datetime, time, timedelta


def next_nightly_run(now: datetime, at: time) -> datetime:
    """The next moment at `at` (UTC) strictly after `now`."""
    now = now.astimezone(UTC)
    today = datetime.combine(now.date(), at, tzinfo=UTC)
    return today if today > now else today + timedelta(days=1)
