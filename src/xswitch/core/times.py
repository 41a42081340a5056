"""Times: as people read them (their own time zone, the zone named; countdowns) and as AWS writes
them (RFC 3339 in UTC), parsed and formatted in this one place."""

from __future__ import annotations

from datetime import UTC, datetime


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


def rfc3339(moment: datetime) -> str:
    """`moment` as AWS writes times: UTC to the second, `Z` suffix (e.g. 2030-01-02T03:04:05Z)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_text(moment: datetime) -> str:
    """`moment` in UTC for messages, e.g. '2030-01-02 03:04:05 UTC'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def parse_rfc3339(value: object) -> datetime:
    """An aware UTC datetime from a time as AWS services, the AWS CLI and credential tools write it:
    `...Z`, `...UTC`, an offset, or no zone at all (taken as UTC).

    Raises ValueError for anything else (a number, a list, a malformed time)."""
    if not isinstance(value, str):
        raise ValueError("the time is not a string")
    text = value.strip()
    if text.endswith("UTC"):
        text = text[:-3].rstrip() + "+00:00"
    elif text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_duration(text: str) -> int:
    """Seconds from a duration as people write it: '45m', '1h30m', '2h', '90s' or '3600'.

    Raises ValueError for anything else, or for zero."""
    import re

    match = re.fullmatch(r"\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s?)?\s*", text)
    if not match or not any(match.groups()):
        raise ValueError(f"not a duration: {text!r}")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise ValueError("a duration must be more than zero")
    return total
