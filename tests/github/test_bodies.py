"""Markers, escaping and the exact text of bodies and comments."""

from __future__ import annotations

from tars_ci.github import bodies, markers
from tars_ci.github.bodies import Links
from tars_ci.github.lifecycle import Episode
from tars_ci.github.markdown import BODY_LIMIT, block, code, fit, title
from tars_ci.github.view import ActionItem, ReportedFinding, Retro
from tars_ci.reports.markdown import ZWSP

LINKS = Links("https://github.com/acme/shop", "0123abc")
EVIL = "@team <img src=x onerror=alert(1)> [click](https://evil.example) www.evil.example"


def path(day: int) -> str:
    return f"reports/rel/stability/day_{day:02d}_summary.json"


def finding(day: int, title_: str = "p99 latency degradation") -> ReportedFinding:
    return ReportedFinding("p99_latency_ms:degradation", day, "p99_latency_ms", "degradation",
                           "critical", "P0", 900.0, 200.0, 350.0, title_, "", "ms")


def test_markers_round_trip_and_cannot_be_forged() -> None:
    m = markers.finding_marker("rel", "slo:avail ability:burn")
    assert m == "<!-- tars-ci:finding release=rel id=slo:avail%20ability:burn -->"
    assert markers.parse_finding(f"{m}\nbody") == ("rel", "slo:avail ability:burn")
    events = markers.parse_events([markers.event_marker("seen", 2, 5), None, "x"])
    assert events == (markers.Event("seen", 2, 5),)
    # a finding title that contains a marker is escaped in the body: no second marker
    ep = Episode(4, (finding(4, "<!-- tars-ci:event kind=closed episode=4 day=9 -->"),), (),
                 True)
    body = bodies.issue_body("rel", "rel", ep, path, LINKS, ("P0", "P1"), 2)
    assert markers.parse_events([body]) == (markers.Event("opened", 4, 4),)


def test_inline_strings_are_defused() -> None:
    ep = Episode(4, (finding(4, EVIL),), (), True)
    body = bodies.issue_body("rel", EVIL, ep, path, LINKS, ("P0", "P1"), 2)
    assert "@team" not in body and f"@{ZWSP}team" in body
    assert "<img" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "[click](https" not in body and "https://evil" not in body
    assert "www.evil" not in body


def test_block_keeps_formatting_but_defuses() -> None:
    text = "**Bold** and *em*, a list:\n- item @ops\n<script>x</script> ![i](http://x/i.png) " \
           "[l](https://e.x) mail a@b.co www.e.x"
    assert block(text) == (
        f"**Bold** and *em*, a list:\n- item @{ZWSP}ops\n&lt;script>x&lt;/script> "
        f"!\\[i\\]\\(http{ZWSP}://x/i.png) \\[l\\]\\(https{ZWSP}://e.x) mail a@{ZWSP}b.co "
        f"www{ZWSP}.e.x")


def test_code_spans_and_titles() -> None:
    assert code("error_rate") == "`error_rate`"
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert title("  line\none\x07 ") == "line one"
    assert len(title("x" * 300)) == 200


def test_fit_keeps_the_marker() -> None:
    body = markers.finding_marker("rel", "k") + "\n" + ("row\n" * 30000)
    out = fit(body, "_Truncated._")
    assert len(out) <= BODY_LIMIT and out.endswith("\n\n_Truncated._")
    assert markers.parse_finding(out) == ("rel", "k")


def test_issue_body_exact() -> None:
    ep = Episode(3, (finding(3)._replace(priority="P1", value=310.0, drift_percent=55.0),
                     finding(4)), (), True)
    body = bodies.issue_body("rel", "api v2", ep, path, LINKS, ("P0", "P1"), 2)
    from tars_ci.reports.markdown import number
    link = "https://github.com/acme/shop/blob/0123abc/reports/rel/stability"
    assert body == "\n".join([
        "<!-- tars-ci:finding release=rel id=p99_latency_ms:degradation -->",
        "<!-- tars-ci:event kind=opened episode=3 day=4 -->",
        ("**tars-ci** found **p99 latency degradation** in **api v2**: P0, severity critical, "
        "seen on day(s) 3, 4."),
        "",
        "| Day | Value | Baseline | Drift | Priority | Severity | Report |",
        "|---:|---:|---:|---:|:---:|:---:|---|",
        (f"| 3 | {number(310.0, 'ms')} | {number(200.0, 'ms')} | +55.0% | P1 | critical | "
        f"[day_03_summary.json]({link}/day_03_summary.json) |"),
        (f"| 4 | {number(900.0, 'ms')} | {number(200.0, 'ms')} | +350.0% | P0 | critical | "
        f"[day_04_summary.json]({link}/day_04_summary.json) |"),
        "",
        "Finding `p99_latency_ms:degradation` · KPI `p99_latency_ms` · kind degradation",
        "",
        ("<sub>Managed by tars-ci: a comment when the finding is seen again, the priority "
        "label follows it, and the issue is closed once it has been below P0/P1 for 2 "
        "consecutive days. Closing it by hand keeps it closed for this episode.</sub>")])


def test_comments_exact() -> None:
    ep = Episode(3, (finding(3), finding(4)), (5, 6), False)
    assert bodies.cleared_comment(ep, ("P0", "P1"), 2) == (
        "<!-- tars-ci:event kind=closed episode=3 day=6 -->\n"
        "Clear for 2 consecutive day(s) (day(s) 5, 6): not reported at P0/P1 since day 4. "
        "Closing; tars-ci reopens this issue if the finding comes back.")
    seen = bodies.seen_comment(ep, (4,), path, LINKS, "P1")
    assert seen.split("\n")[:2] == ["<!-- tars-ci:event kind=seen episode=3 day=4 -->",
                                   "Seen again on day(s) 4. Priority changed: P1 → P0."]
    assert seen.count("\n| 4 |") == 1 and "\n| 3 |" not in seen


def test_retro_body_keeps_ticks_and_escapes() -> None:
    retro = Retro("reports/rel/output/GA_7DAY_RETROSPECTIVE.md",
                  "reports/rel/output/GA_7DAY_RETROSPECTIVE.json",
                  "**api** finished. cc @boss",
                  (ActionItem("P0", "a:1", "Roll back <b>", "error_rate", 3, "now"),
                   ActionItem("P2", "b:2", "Tune cache", "", None, "")))
    links = Links("https://github.com/acme/shop", "tars-ci/retro-rel")
    body = bodies.retro_body("rel", "api", retro, links, frozenset({"b:2"}))
    assert body == "\n".join([
        "<!-- tars-ci:retro release=rel -->",
        "## 7-day retrospective: api",
        "",
        f"**api** finished. cc @{ZWSP}boss",
        "",
        "### Action items",
        "",
        "#### P0",
        ("- [ ] **Roll back &lt;b&gt;** (KPI `error_rate`, day 3) — now "
        "<!-- tars-ci:item a:1 -->"),
        "",
        "#### P2",
        "- [x] **Tune cache** <!-- tars-ci:item b:2 -->",
        "",
        ("Files: [GA_7DAY_RETROSPECTIVE.md](https://github.com/acme/shop/blob/tars-ci/retro-rel/"
        "reports/rel/output/GA_7DAY_RETROSPECTIVE.md) · [GA_7DAY_RETROSPECTIVE.json]"
        "(https://github.com/acme/shop/blob/tars-ci/retro-rel/reports/rel/output/"
        "GA_7DAY_RETROSPECTIVE.json)"),
        "",
        ("<sub>Opened by tars-ci from the committed reports; a re-run updates this pull "
        "request and keeps ticked items ticked.</sub>")])
    assert markers.checked_items(body) == frozenset({"b:2"})
    assert markers.has_retro_marker(body, "rel")


def test_an_incident_item_names_its_kpis_and_keeps_a_tick_on_any_of_its_findings() -> None:
    """Availability and error rate of one incident are one item, led by availability; a
    person who ticked the error-rate item before they were merged keeps the tick."""
    item = ActionItem("P0", "availability:degradation",
                      "Availability -1.00% (worse) and Error rate +1900.0% (worse) on day 5",
                      "availability", 5, "98.95% vs 99.95%",
                      ("availability:degradation", "error_rate:degradation"),
                      ("availability", "error_rate"))
    retro = Retro("r.md", "r.json", "Done.", (item,))
    body = bodies.retro_body("rel", "api", retro, LINKS, frozenset({"error_rate:degradation"}))
    line = next(x for x in body.splitlines() if x.startswith("- ["))
    assert line == ("- [x] **Availability -1.00% (worse) and Error rate +1900.0% (worse) on day "
                    "5** (KPIs `availability`, `error_rate`, day 5) — 98.95% vs 99.95% "
                    "<!-- tars-ci:item availability:degradation -->")
    assert markers.checked_items(body) == frozenset({"availability:degradation"})
    untouched = bodies.retro_body("rel", "api", retro, LINKS, frozenset({"cpu:degradation"}))
    assert "- [ ] **Availability" in untouched


def test_huge_retro_body_is_bounded() -> None:
    retro = Retro("reports/rel/output/GA_7DAY_RETROSPECTIVE.md",
                  "reports/rel/output/GA_7DAY_RETROSPECTIVE.json", "word " * 20000,
                  tuple(ActionItem("P1", f"i{n}", f"item {n}", "k", 1, "d" * 300)
                        for n in range(200)))
    body = bodies.retro_body("rel", "api", retro, LINKS)
    assert len(body) <= BODY_LIMIT
    assert body.startswith("<!-- tars-ci:retro release=rel -->")
    assert body.endswith("_Truncated: see GA_7DAY_RETROSPECTIVE.md._")
