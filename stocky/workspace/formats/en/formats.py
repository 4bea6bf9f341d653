# Dates as staff read them, short enough that the lists fit at 1280 px: "15 Dec 2026 05:30" rather than
# Django's "Dec. 15, 2026, 5:30 a.m." (settings.FORMAT_MODULE_PATH).
DATE_FORMAT = "D j M Y"
DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
# What the admin's date and time boxes accept: Django's English formats, the ISO ones first.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%b %d %Y", "%b %d, %Y", "%d %b %Y", "%d %b, %Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
]
FIRST_DAY_OF_WEEK = 1  # Monday
