"""English dates as readers outside the US expect them, and never ambiguous: "8 January 2027",
"8 Dec 2026, 13:42". Django's own English formats are American ("Jan. 8, 2027",
"12/08/2026 1:42 a.m."): the day and month swap places for every European reader, and "a.m."
at the end of a sentence doubles its full stop. Input formats stay Django's."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
