"""The retrospective's Markdown, exact, on the branches test_retro.py's week does not take:
a recovered week, a week without findings, and a week whose spec changed under it."""

from __future__ import annotations

from tests.reports import retro_weeks
from tests.reports.retro_weeks import HEADINGS, build, lines, split


def test_recovered_week_every_section() -> None:
    """p99 165 ms on day 2 (+37.5 %, high: P1) and back from day 3: recovered from day 3,
    although the daily decision was monitor throughout. Memory steps to 56 % on day 3 and
    stays (+12 %, low: P3 every day from 3; a step, not a slope)."""
    md, _ = build(retro_weeks.recovered_week)
    sections = split(md)
    assert list(sections) == [*HEADINGS[:8], "Final verdict", "Top 2 recommendations",
                              "Action items", "Data coverage"]
    assert sections['Executive summary'] == lines(
        ('**shop-api v1.0** completed its 7-day stabilization program. Final verdict: '
         '**recovered** — P0/P1 regressions on day 2; recovered from day 3. The daily decision '
         'was monitor on all 7 recorded days. Health averaged 95.7 over 7 scored days (lowest '
         '88.0 on day 2, good). 2 action items from 2 findings: 0 P0, 1 P1, 0 P2, 1 P3. Most '
         'urgent: p99 latency +37.5% (worse) on day 2 (P1, high). SLO availability met: SLI '
         '99.950% vs 99.9%, 88.3% of the error budget left. Cost averaged $240.00/day, +0.0% vs '
         'the GA day ($240.00).'),
        '',
        '| Day | Health | Band | Rollback | Findings (P0/P1/P2/P3) | Anomalies |',
        '|---:|---:|---|---|---|---:|',
        '| 1 | 97.0 | excellent | monitor | 0/0/0/0 | 0 |',
        '| 2 | 88.0 | good | monitor | 0/1/0/0 | 1 |',
        '| 3 | 97.0 | excellent | monitor | 0/0/0/1 | 0 |',
        '| 4 | 97.0 | excellent | monitor | 0/0/0/1 | 0 |',
        '| 5 | 97.0 | excellent | monitor | 0/0/0/1 | 0 |',
        '| 6 | 97.0 | excellent | monitor | 0/0/0/1 | 0 |',
        '| 7 | 97.0 | excellent | monitor | 0/0/0/1 | 0 |',
        '',
        '```mermaid',
        'xychart-beta',
        '    title "Health score by day"',
        '    x-axis [D1, D2, D3, D4, D5, D6, D7]',
        '    y-axis "score" 0 --> 100',
        '    line [97, 88, 97, 97, 97, 97, 97]',
        '```',
    )
    assert sections['What went well'] == lines(
        ('- **availability SLO met**: SLI 99.950% against a 99.9% objective over days 1–7 — '
         'achievement 88.3% (the error budget left)'),
        ('- **Availability**: never worse than the GA baseline over days 1–7; within its 99.9% '
         'limit on 7 of 7 days — achievement 100.0% (the days within the limit)'),
        ('- **Error rate**: never worse than the GA baseline over days 1–7; within its 1% limit '
         'on 7 of 7 days — achievement 100.0% (the days within the limit)'),
        '- **Compute cost**: never worse than the GA baseline over days 1–7',
        '- **No rollback needed**: no rollback rule fired on any of the 7 days',
        '- **No P0 findings**: no KPI entered its immediate-rollback band',
    )
    assert sections['What could be improved'] == lines(
        ('One row per incident: findings of one cause on one day (availability and error rate, '
         "p95 and p99, an SLO's burn and its KPI) are one row and one action item."),
        '',
        '| Incident | Severity | Priority | Day | Impact | Days seen |',
        '|---|---|---|---:|---|---|',
        ('| p99 latency +37.5% (worse) on day 2 | high | P1 | 2 | p99 latency 165.0 ms vs 120.0 '
         'ms at GA: +37.5% (worse) | 2 |'),
        ('| Memory +12.0% (worse) on day 3 | low | P3 | 3 | Memory 56.00% vs 50.00% at GA: '
         '+12.0% (worse) | 3, 4, 5, 6, 7 |'),
    )
    assert sections['Unexpected drifts'] == lines(
        ('KPIs whose worst or last-day drift is 10–30% worse than the GA baseline: worth a look '
         'before they become incidents.'),
        '',
        '| Metric | Worst | Last day | Shape | Potential causes |',
        '|---|---|---|---|---|',
        ('| Memory | +12.0% (worse) on day 3 | +12.0% (worse) on day 7 | step on day 3: +12.0% '
         '(worse), flat after | a leak, cache or buffer growth, larger payloads, changed heap '
         'or GC settings |'),
    )
    assert sections['Trends (day 1–7)'] == lines(
        ('Drifts from the GA baseline read in each KPI\'s bad direction: "(worse)" or '
         '"(better)". The worst day is the most severe day, then the largest bad drift.'),
        '',
        '| Metric | Baseline | Shape | Worst day | Worst drift | Last day |',
        '|---|---:|---|---:|---:|---|',
        ("| Availability | 99.95% | stable (within 0.025% of the GA baseline's trend) | — | "
         'never worse | 0.00% (unchanged) on day 7 |'),
        ("| Error rate | 0.05% | stable (within 5% of the GA baseline's trend) | — | never "
         'worse | 0.00% (unchanged) on day 7 |'),
        ('| p99 latency | 120.0 ms | one-day spike on day 2: +37.5% (worse); stable otherwise | '
         '2 | +37.5% (worse) | 0.00% (unchanged) on day 7 |'),
        ('| Memory | 50.00% | step on day 3: +12.0% (worse), flat after | 3 | +12.0% (worse) | '
         '+12.0% (worse) on day 7 |'),
        ("| Compute cost | $10.00/h | stable (within 5% of the GA baseline's trend) | — | never "
         'worse | 0.00% (unchanged) on day 7 |'),
        '',
        '```mermaid',
        'xychart-beta',
        '    title "p99 latency by day (ms)"',
        '    x-axis [GA, D1, D2, D3, D4, D5, D6, D7]',
        '    y-axis "ms" 115.5 --> 169.5',
        '    line [120, 121, 165, 121, 120, 122, 121, 120]',
        '```',
        '',
        '```mermaid',
        'xychart-beta',
        '    title "Memory by day (percent)"',
        '    x-axis [GA, D1, D2, D3, D4, D5, D6, D7]',
        '    y-axis "percent" 49.4 --> 56.6',
        '    line [50, 50, 50, 56, 56, 56, 56, 56]',
        '```',
    )
    assert sections['Cost analysis'] == lines(
        '| | Per day | Per month (×30) |',
        '|---|---:|---:|',
        '| GA day | $240.00 | $7,200.00 |',
        '| 7-day average | $240.00 | $7,200.00 |',
        '| Change | +0.0% | |',
        '',
        '| Component | GA day | Average | Change |',
        '|---|---:|---:|---:|',
        '| Compute cost | $240.00 | $240.00 | +0.0% |',
    )
    assert sections['SLO compliance'] == lines(
        '### availability (objective 99.900%, 30-day window)',
        '',
        '- SLI over days 1–7: 99.950% — compliant',
        '- Error budget: 11.7% of the 30-day budget consumed, 88.3% left',
        ("- Budget left lasts: 53.0 days at day 7's rate (0.50×); 53.0 days at the average rate "
         'of days 1–7 (0.50×)'),
        '',
        '| Day | SLI | Compliant | Budget consumed | Burn rate |',
        '|---:|---:|---|---:|---:|',
        '| 1 | 99.950% | yes | 1.67% | 0.50 |',
        '| 2 | 99.950% | yes | 1.67% | 0.50 |',
        '| 3 | 99.950% | yes | 1.67% | 0.50 |',
        '| 4 | 99.950% | yes | 1.67% | 0.50 |',
        '| 5 | 99.950% | yes | 1.67% | 0.50 |',
        '| 6 | 99.950% | yes | 1.67% | 0.50 |',
        '| 7 | 99.950% | yes | 1.67% | 0.50 |',
        '',
        ('Peak burn rate by window (multi-window, multi-burn-rate alerts; 1.0 spends the budget '
         'exactly over the window):'),
        '',
        '| Day | 5m | 1h | 6h |',
        '|---:|---:|---:|---:|',
        '| 1 | 0.60 | 0.50 | 0.50 |',
        '| 2 | 0.60 | 0.50 | 0.50 |',
        '| 3 | 0.60 | 0.50 | 0.50 |',
        '| 4 | 0.60 | 0.50 | 0.50 |',
        '| 5 | 0.60 | 0.50 | 0.50 |',
        '| 6 | 0.60 | 0.50 | 0.50 |',
        '| 7 | 0.60 | 0.50 | 0.50 |',
        '',
        'No burn-rate alert fired.',
        '',
        '```mermaid',
        'xychart-beta',
        '    title "availability error budget remaining (%)"',
        '    x-axis [D0, D1, D2, D3, D4, D5, D6, D7]',
        '    y-axis "remaining %" 87.17 --> 101.2',
        '    line [100, 98.33, 96.67, 95, 93.33, 91.67, 90, 88.33]',
        '```',
    )
    assert sections['Anomalies'] == lines(
        "1 anomaly episode(s) over the program (1 in a metric's bad direction).",
        '',
        '| Metric | Day | Start | End | Length | Peak z | Direction |',
        '|---|---:|---|---|---:|---:|---|',
        ('| p99 latency | 2 | 2026-11-04T07:07:00Z | 2026-11-04T18:59:00Z | 11h 52m | 6.0 | up '
         '(bad) |'),
    )
    assert sections['Final verdict'] == lines(
        '**recovered**: P0/P1 regressions on day 2; recovered from day 3.',
        '',
        ('- p99 latency +37.5% vs GA baseline (165.0 ms vs 120.0 ms) on day 2 (P1) cleared; '
         'p99_latency_ms 0.00% (unchanged) on day 7'),
        '',
        'The daily decision was monitor on all 7 recorded days.',
    )
    assert sections['Top 2 recommendations'] == lines(
        '1. **P1** Trace tail requests — for: p99 latency +37.5% (worse) on day 2',
        ('2. **P3** Compare Memory by instance against the GA baseline; take heap profiles and '
         'check for leaks and cache growth — for: Memory +12.0% (worse) on day 3'),
    )
    assert sections['Action items'] == lines(
        '### P0',
        '',
        '- none',
        '',
        '### P1',
        '',
        '- [ ] p99 latency +37.5% (worse) on day 2 (high) — Trace tail requests',
        '',
        '### P2',
        '',
        '- none',
        '',
        '### P3',
        '',
        ('- [ ] Memory +12.0% (worse) on day 3 (low) — Compare Memory by instance against the '
         'GA baseline; take heap profiles and check for leaks and cache growth'),
    )
    assert sections['Data coverage'] == lines(
        ('All 5 KPIs had data on all 7 days, with no gap of 15 minutes or more (mean sample '
         'coverage 100.0%).'),
    )


def test_quiet_week_every_section() -> None:
    """Nothing to find: every "none" branch, and no drift shown as a lone "-0.00%"."""
    md, _ = build(retro_weeks.quiet_week)
    sections = split(md)
    assert list(sections) == [*HEADINGS[:8], "Final verdict", "Top recommendations",
                              "Action items", "Data coverage"]
    assert sections['Executive summary'] == lines(
        ('**shop-api v1.0** completed its 7-day stabilization program. Final verdict: '
         '**monitor** — no rollback recommended and no P0/P1 regression on any of days 1–7. The '
         'daily decision was monitor on all 7 recorded days. Health averaged 100.0 over 7 '
         'scored days (lowest 100.0 on day 1, excellent). No finding on any day: no action '
         'items. SLO availability met: SLI 99.950% vs 99.9%, 88.3% of the error budget left. '
         'Cost averaged $240.00/day, +0.0% vs the GA day ($240.00).'),
        '',
        '| Day | Health | Band | Rollback | Findings (P0/P1/P2/P3) | Anomalies |',
        '|---:|---:|---|---|---|---:|',
        '| 1 | 100.0 | excellent | monitor | 0/0/0/0 | 0 |',
        '| 2 | 100.0 | excellent | monitor | 0/0/0/0 | 0 |',
        '| 3 | 100.0 | excellent | monitor | 0/0/0/0 | 0 |',
        '| 4 | 100.0 | excellent | monitor | 0/0/0/0 | 0 |',
        '| 5 | 100.0 | excellent | monitor | 0/0/0/0 | 0 |',
        '| 6 | 100.0 | excellent | monitor | 0/0/0/0 | 0 |',
        '| 7 | 100.0 | excellent | monitor | 0/0/0/0 | 0 |',
        '',
        '```mermaid',
        'xychart-beta',
        '    title "Health score by day"',
        '    x-axis [D1, D2, D3, D4, D5, D6, D7]',
        '    y-axis "score" 0 --> 100',
        '    line [100, 100, 100, 100, 100, 100, 100]',
        '```',
    )
    assert sections['What went well'] == lines(
        ('- **availability SLO met**: SLI 99.950% against a 99.9% objective over days 1–7 — '
         'achievement 88.3% (the error budget left)'),
        ('- **Availability**: no day 10% or more worse than the GA baseline over days 1–7 '
         '(worst -0.001% (worse) on day 2); within its 99.9% limit on 7 of 7 days — achievement '
         '100.0% (the days within the limit)'),
        ('- **Error rate**: no day 10% or more worse than the GA baseline over days 1–7 (worst '
         '+2.0% (worse) on day 2); within its 1% limit on 7 of 7 days — achievement 100.0% (the '
         'days within the limit)'),
        ('- **p99 latency**: no day 10% or more worse than the GA baseline over days 1–7 (worst '
         '+1.7% (worse) on day 5); within its 250 ms limit on 7 of 7 days — achievement 100.0% '
         '(the days within the limit)'),
        ('- **Memory**: no day 10% or more worse than the GA baseline over days 1–7 (worst '
         '+2.0% (worse) on day 2)'),
        '- **Compute cost**: never worse than the GA baseline over days 1–7',
        '- **No rollback needed**: no rollback rule fired on any of the 7 days',
        '- **No P0 findings**: no KPI entered its immediate-rollback band',
    )
    assert sections['What could be improved'] == lines(
        'No finding on any day: nothing to improve.',
    )
    assert sections['Unexpected drifts'] == lines(
        'None.',
    )
    assert sections['Trends (day 1–7)'] == lines(
        ('Drifts from the GA baseline read in each KPI\'s bad direction: "(worse)" or '
         '"(better)". The worst day is the most severe day, then the largest bad drift.'),
        '',
        '| Metric | Baseline | Shape | Worst day | Worst drift | Last day |',
        '|---|---:|---|---:|---:|---|',
        ("| Availability | 99.95% | stable (within 0.025% of the GA baseline's trend) | 2 | "
         '-0.001% (worse) | 0.00% (unchanged) on day 7 |'),
        ("| Error rate | 0.05% | stable (within 5% of the GA baseline's trend) | 2 | +2.0% "
         '(worse) | 0.00% (unchanged) on day 7 |'),
        ("| p99 latency | 120.0 ms | stable (within 5% of the GA baseline's trend) | 5 | +1.7% "
         '(worse) | +0.83% (worse) on day 7 |'),
        ("| Memory | 50.00% | stable (within 5% of the GA baseline's trend) | 2 | +2.0% (worse) "
         '| 0.00% (unchanged) on day 7 |'),
        ("| Compute cost | $10.00/h | stable (within 5% of the GA baseline's trend) | — | never "
         'worse | 0.00% (unchanged) on day 7 |'),
    )
    assert sections['Cost analysis'] == lines(
        '| | Per day | Per month (×30) |',
        '|---|---:|---:|',
        '| GA day | $240.00 | $7,200.00 |',
        '| 7-day average | $240.00 | $7,200.00 |',
        '| Change | +0.0% | |',
        '',
        '| Component | GA day | Average | Change |',
        '|---|---:|---:|---:|',
        '| Compute cost | $240.00 | $240.00 | +0.0% |',
    )
    assert sections['SLO compliance'] == lines(
        '### availability (objective 99.900%, 30-day window)',
        '',
        '- SLI over days 1–7: 99.950% — compliant',
        '- Error budget: 11.7% of the 30-day budget consumed, 88.3% left',
        ("- Budget left lasts: 53.0 days at day 7's rate (0.50×); 52.8 days at the average rate "
         'of days 1–7 (0.50×)'),
        '',
        '| Day | SLI | Compliant | Budget consumed | Burn rate |',
        '|---:|---:|---|---:|---:|',
        '| 1 | 99.950% | yes | 1.67% | 0.50 |',
        '| 2 | 99.949% | yes | 1.70% | 0.51 |',
        '| 3 | 99.951% | yes | 1.63% | 0.49 |',
        '| 4 | 99.950% | yes | 1.67% | 0.50 |',
        '| 5 | 99.950% | yes | 1.67% | 0.50 |',
        '| 6 | 99.949% | yes | 1.70% | 0.51 |',
        '| 7 | 99.950% | yes | 1.67% | 0.50 |',
        '',
        ('Peak burn rate by window (multi-window, multi-burn-rate alerts; 1.0 spends the budget '
         'exactly over the window):'),
        '',
        '| Day | 5m | 1h | 6h |',
        '|---:|---:|---:|---:|',
        '| 1 | 0.60 | 0.50 | 0.50 |',
        '| 2 | 0.60 | 0.50 | 0.50 |',
        '| 3 | 0.60 | 0.50 | 0.50 |',
        '| 4 | 0.60 | 0.50 | 0.50 |',
        '| 5 | 0.60 | 0.50 | 0.50 |',
        '| 6 | 0.60 | 0.50 | 0.50 |',
        '| 7 | 0.60 | 0.50 | 0.50 |',
        '',
        'No burn-rate alert fired.',
        '',
        '```mermaid',
        'xychart-beta',
        '    title "availability error budget remaining (%)"',
        '    x-axis [D0, D1, D2, D3, D4, D5, D6, D7]',
        '    y-axis "remaining %" 87.13 --> 101.2',
        '    line [100, 98.33, 96.63, 95, 93.33, 91.67, 89.97, 88.3]',
        '```',
    )
    assert sections['Anomalies'] == lines(
        'No anomaly episode over the program.',
    )
    assert sections['Final verdict'] == lines(
        '**monitor**: no rollback recommended and no P0/P1 regression on any of days 1–7.',
        '',
        '- no rollback rule fired',
        '',
        'The daily decision was monitor on all 7 recorded days.',
    )
    assert sections['Top recommendations'] == lines(
        'No recommendations.',
    )
    assert sections['Action items'] == lines(
        '### P0',
        '',
        '- none',
        '',
        '### P1',
        '',
        '- none',
        '',
        '### P2',
        '',
        '- none',
        '',
        '### P3',
        '',
        '- none',
    )
    assert sections['Data coverage'] == lines(
        ('All 5 KPIs had data on all 7 days, with no gap of 15 minutes or more (mean sample '
         'coverage 100.0%).'),
    )


def test_changed_week_names_the_spec_changes_and_judges_days_as_recorded() -> None:
    """Thresholds changed from day 4; queue depth joined after day 2 (+12 % on day 3 is low
    by the old thresholds; +13 % on day 5 has no severity by the new, so the worst day is 3,
    the day its finding was reported); cpu_percent left after day 3."""
    md, _ = build(retro_weeks.changed_week)
    sections = split(md)
    assert list(sections) == [*HEADINGS[:8], "Final verdict", "Top recommendation",
                              "Action items", "Data coverage",
                              "Spec changes during the program"]
    assert sections['What went well'] == lines(
        ('- **availability SLO met**: SLI 99.950% against a 99.9% objective over days 1–7 — '
         'achievement 88.3% (the error budget left)'),
        ('- **Availability**: never worse than the GA baseline over days 1–7; within its 99.9% '
         'limit on 7 of 7 days — achievement 100.0% (the days within the limit)'),
        ('- **Error rate**: never worse than the GA baseline over days 1–7; within its 1% limit '
         'on 7 of 7 days — achievement 100.0% (the days within the limit)'),
        ('- **p99 latency**: never worse than the GA baseline over days 1–7; within its 250 ms '
         'limit on 7 of 7 days — achievement 100.0% (the days within the limit)'),
        '- **Memory**: never worse than the GA baseline over days 1–7',
        '- **Compute cost**: never worse than the GA baseline over days 1–7',
        '- **No rollback needed**: no rollback rule fired on any of the 7 days',
        '- **No P0 findings**: no KPI entered its immediate-rollback band',
    )
    assert sections['What could be improved'] == lines(
        ('One row per incident: findings of one cause on one day (availability and error rate, '
         "p95 and p99, an SLO's burn and its KPI) are one row and one action item."),
        '',
        '| Incident | Severity | Priority | Day | Impact | Days seen |',
        '|---|---|---|---:|---|---|',
        ('| Queue depth +12.0% (worse) on day 3 | low | P3 | 3 | Queue depth 11.20 jobs vs '
         '10.00 jobs at GA: +12.0% (worse) | 3 |'),
    )
    assert sections['Unexpected drifts'] == lines(
        ('KPIs whose worst or last-day drift is 10–30% worse than the GA baseline: worth a look '
         'before they become incidents.'),
        '',
        '| Metric | Worst | Last day | Shape | Potential causes |',
        '|---|---|---|---|---|',
        ('| Queue depth | +12.0% (worse) on day 3 | +5.0% (worse) on day 7 | steady slope '
         '-1.90%/day (better), -7.6% over days 3–7 | a changed traffic mix, a dependency change '
         'or configuration drift since GA: compare with the deploy and traffic history |'),
    )
    assert sections['Trends (day 1–7)'] == lines(
        ('Drifts from the GA baseline read in each KPI\'s bad direction: "(worse)" or '
         '"(better)". The worst day is the most severe day, then the largest bad drift.'),
        '',
        '| Metric | Baseline | Shape | Worst day | Worst drift | Last day |',
        '|---|---:|---|---:|---:|---|',
        ("| Availability | 99.95% | stable (within 0.025% of the GA baseline's trend) | — | "
         'never worse | 0.00% (unchanged) on day 7 |'),
        ("| Error rate | 0.05% | stable (within 5% of the GA baseline's trend) | — | never "
         'worse | 0.00% (unchanged) on day 7 |'),
        ("| p99 latency | 120.0 ms | stable (within 5% of the GA baseline's trend) | — | never "
         'worse | 0.00% (unchanged) on day 7 |'),
        ("| Memory | 50.00% | stable (within 5% of the GA baseline's trend) | — | never worse | "
         '0.00% (unchanged) on day 7 |'),
        ("| Compute cost | $10.00/h | stable (within 5% of the GA baseline's trend) | — | never "
         'worse | 0.00% (unchanged) on day 7 |'),
        ('| Queue depth | 10.00 jobs | steady slope -1.90%/day (better), -7.6% over days 3–7 | '
         '3 | +12.0% (worse) | +5.0% (worse) on day 7 |'),
        '',
        '```mermaid',
        'xychart-beta',
        '    title "Queue depth by day (jobs)"',
        '    x-axis [GA, D3, D4, D5, D6, D7]',
        '    y-axis "jobs" 9.87 --> 11.43',
        '    line [10, 11.2, 10.5, 11.3, 10, 10.5]',
        '```',
    )
    assert sections['Action items'] == lines(
        '### P0',
        '',
        '- none',
        '',
        '### P1',
        '',
        '- none',
        '',
        '### P2',
        '',
        '- none',
        '',
        '### P3',
        '',
        ('- [ ] Queue depth +12.0% (worse) on day 3 (low) — Investigate the Queue depth change '
         'since GA: compare against the GA baseline and review what the release changed'),
    )
    assert sections['Data coverage'] == lines(
        ('Every KPI had data on every day it was judged (Queue depth from day 3, after joining '
         'the spec), with no gap of 15 minutes or more (mean sample coverage 100.0%).'),
    )
    assert sections['Spec changes during the program'] == lines(
        ('- Thresholds changed from day 4 (drift.medium 15.0 → 20.0; drift.notable 10.0 → '
         '15.0): days 1–3 were judged with the old values, days 4–7 with the new.'),
        ("- queue_depth was added to the spec after day 0; its baseline was taken from day 0's "
         'data at 2026-11-05T12:00:00Z.'),
        ('- cpu_percent was removed from the spec; it is recorded on days 0–3 and left out of '
         'this retrospective.'),
    )


def test_an_overspent_budget_is_said_so_never_as_a_negative_budget_left() -> None:
    """0.5 % bad every day: burn 0.5 / 0.1 = 5×, 5 / 30 = 16.67 % of the budget a day,
    116.67 % in 7 days: overspent by 16.67 %; nothing is left to project."""
    md, doc = build(retro_weeks.overspent_week)
    sections = split(md)
    assert ("SLO availability missed: SLI 99.500% vs 99.9%, its error budget overspent by "
            "16.7%.") in sections["Executive summary"]
    assert "SLO met" not in sections["What went well"]
    (slo,) = doc["slos"]  # type: ignore[attr-defined]
    assert slo["budget_left_share"] == 0.0  # the achievement it would show: never below 0
    assert sections['SLO compliance'] == lines(
        '### availability (objective 99.900%, 30-day window)',
        '',
        '- SLI over days 1–7: 99.500% — not compliant',
        '- Error budget: 116.7% of the 30-day budget consumed: overspent by 16.7%',
        '- Budget left lasts: none: the error budget is already spent',
        '',
        '| Day | SLI | Compliant | Budget consumed | Burn rate |',
        '|---:|---:|---|---:|---:|',
        '| 1 | 99.500% | no | 16.67% | 5.00 |',
        '| 2 | 99.500% | no | 16.67% | 5.00 |',
        '| 3 | 99.500% | no | 16.67% | 5.00 |',
        '| 4 | 99.500% | no | 16.67% | 5.00 |',
        '| 5 | 99.500% | no | 16.67% | 5.00 |',
        '| 6 | 99.500% | no | 16.67% | 5.00 |',
        '| 7 | 99.500% | no | 16.67% | 5.00 |',
        '',
        ('Peak burn rate by window (multi-window, multi-burn-rate alerts; 1.0 spends the budget '
         'exactly over the window):'),
        '',
        '| Day | 5m | 1h | 6h |',
        '|---:|---:|---:|---:|',
        '| 1 | 5.50 | 5.00 | 5.00 |',
        '| 2 | 5.50 | 5.00 | 5.00 |',
        '| 3 | 5.50 | 5.00 | 5.00 |',
        '| 4 | 5.50 | 5.00 | 5.00 |',
        '| 5 | 5.50 | 5.00 | 5.00 |',
        '| 6 | 5.50 | 5.00 | 5.00 |',
        '| 7 | 5.50 | 5.00 | 5.00 |',
        '',
        'No burn-rate alert fired.',
        '',
        '```mermaid',
        'xychart-beta',
        '    title "availability error budget remaining (%)"',
        '    x-axis [D0, D1, D2, D3, D4, D5, D6, D7]',
        '    y-axis "remaining %" -28.33 --> 111.7',
        '    line [100, 83.33, 66.67, 50, 33.33, 16.67, -1.103e-11, -16.67]',
        '```',
    )
