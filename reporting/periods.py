"""Month arithmetic for reports (no third-party dependency; clipped like PostgreSQL intervals)."""

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` plus `months` calendar months, clipped to the end of a shorter month (31 Aug + 6 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def last_month(today: datetime.date) -> datetime.date:
    return add_months(month_start(today), -1)


def month_end(first: datetime.date) -> datetime.date:
    return add_months(first, 1) - datetime.timedelta(days=1)


def financial_year_start(day: datetime.date) -> datetime.date:
    """1 April of the financial year `day` falls in."""
    return datetime.date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def parse_month(value: str) -> datetime.date:
    """'YYYY-MM' -> the first day of that month; ValueError when it is not one."""
    value = (value or "").strip()
    if len(value) != 7 or value[4] != "-":
        raise ValueError("Enter the month as YYYY-MM")
    return datetime.date(int(value[:4]), int(value[5:]), 1)


def months_in(first: datetime.date, last: datetime.date) -> int:
    """The number of whole months from `first`'s month to `last`'s month, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1
