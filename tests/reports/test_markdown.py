import pytest

from tars_ci.reports.markdown import ZWSP, escape, number, signed_percent


@pytest.mark.parametrize("raw, expected", [
    ("p99 latency", "p99 latency"),
    ("@team please look", f"@{ZWSP}team please look"),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("[click](http://evil.example)", f"\\[click\\](http{ZWSP}://evil.example)"),
    ("![img](x)", "!\\[img\\](x)"),
    ("visit www.evil.example", f"visit www{ZWSP}.evil.example"),
    ("a|b", "a\\|b"),
    ("line1\nline2\r\n  line3", "line1 line2 line3"),
    ("**bold** `code` ~~gone~~", "\\*\\*bold\\*\\* \\`code\\` \\~\\~gone\\~\\~"),
    ("_emph_ but latency_p99 stays", "\\_emph\\_ but latency_p99 stays"),
    ("checkout-api v2.4.0 +37.6% (164.9 ms)", "checkout-api v2.4.0 +37.6% (164.9 ms)"),
])
def test_escape_neutralises_mentions_html_links_and_tables(raw, expected):
    assert escape(raw) == expected


def test_escape_bounds_the_length():
    out = escape("x" * 100_000, limit=50)
    assert len(out) == 50 and out.endswith("…")


def test_numbers_for_people_and_missing_is_not_zero():
    assert number(99.954, "percent") == "99.95%"
    assert number(0.080322, "percent") == "0.0803%"
    assert number(12.5, "usd_per_hour") == "$12.50/h"
    assert number(120.0, "ms", 1) == "120.0 ms"
    assert number(3.0, "<b>req</b>") == "3.00 &lt;b&gt;req&lt;/b&gt;"
    assert number(None, "ms") == "n/a"
    assert signed_percent(37.5) == "+37.5%"
    assert signed_percent(-4.0) == "-4.0%"
    assert signed_percent(None) == "n/a"
