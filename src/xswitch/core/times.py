"""Times as people read them: in their own time zone, with the zone named."""

from __future__ import annotations

from datetime import datetime


def local_time(moment: datetime, now: datetime | None = None) -> str:
    """`moment` in the local time zone (TZ or the system's) with its abbreviation, e.g.
    '11:12:07 CEST'; the date is added when it is not the same local day as `now`."""
    local = moment.astimezone()
    zone = local.strftime("%Z") or local.strftime("%z")
    if now is not None and now.astimezone().date() != local.date():
        return f"{local:%Y-%m-%d %H:%M:%S} {zone}"
    return f"{local:%H:%M:%S} {zone}"


def countdown(seconds: float) -> str:
    """`mm:ss` under an hour, `h:mm:ss` above (0 for times past)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
