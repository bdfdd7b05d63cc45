"""The named scenarios: the bundled demo, and the fault scenario the tests assert on.

``demo`` — checkout-api v2.4.0, GA 2026-11-02T00:00Z, days 0..7, targets for the daily mean
of each KPI of config/tars.yaml:

=================  ====================================================================
availability       99.95 % on GA day (100 − error rate)
error_rate         0.05 %; day 4 incident (09:00–17:30) → day mean 0.08 %; day 5: a 3-hour
                   burst of 8 % errors (13:00–16:00, an ~80× burn of the 99.9 % SLO: the
                   fast-page alert, P0, and immediate rollback on day 5); days 6–7 ≈ 0.052
p99 / p95 latency  120 / 80 ms; day 2 tail-latency incident 07:00–19:00 → p99 day mean ≈ 165
cpu_percent        45.2 → 52.3 (day 7), roughly linear
memory_percent     58 %, volatile: +12, −15, +18, −10, +16, −17, +14 % on days 1..7
cost               compute/storage/network; GA day $300/day, days 1..7 average $335.97/day
targets up         100 %, except one pod restart on day 3 (one missed scrape, counter reset)
=================  ====================================================================

``faults`` — the same service over days 0–1 with a counter reset (instance 1 restarts on day 0
at 10:00:30 without missing a scrape) and a 2-hour scrape gap on day 1 (02:00–04:00).

The verdict scenarios (issue 13's acceptance, tests/acceptance): the same service over days
0–7, each with one story and nothing else.

``error_burst`` — 8 % of requests fail for 3 hours on day 5 (13:00–16:00, around the traffic
peak; 5-minute edges): about 80× the 99.9 % availability SLO's budget rate. The fast page
fires; day 5 recommends an immediate rollback (availability < 99 %); days 6–7 are clean.
``latency_step`` — from day 3 10:00 on, p99 is 75 ms and p95 45 ms higher (120 → 195 ms,
80 → 125 ms: +62 % and +56 %) to the end of the program: a regression nobody fixed.
``latency_recovery`` — the same regression on days 2–3 only (fixed at day 4's midnight).
``noise`` — nothing but day-to-day wobble: every KPI's daily mean moves by less than 7 % of its
GA-day level (error rate ±0.003 points, p99 ±3 ms, p95 ±2 ms, CPU and memory ±2 points).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tars_ci.scenario.model import (
    Baseline,
    CounterReset,
    DayLevels,
    Gap,
    Regression,
    Scenario,
    Spike,
    Step,
)

GA = datetime(2026, 11, 2, tzinfo=timezone.utc)
M = timedelta(minutes=1)
BURST_PERCENT = 8.0  # the error bursts' level (the demo's day 5, the error_burst scenario)
H = timedelta(hours=1)
D = timedelta(days=1)

MEMORY_GA = 58.0
MEMORY_DAYS = (0.0, 0.12, -0.15, 0.18, -0.10, 0.16, -0.17, 0.14)
CPU_GA, CPU_DAY7 = 45.2, 52.3
# Cost rate in USD per hour, day 0..7: GA day $300/day; days 1..7 average $335.97/day
# (+12 %). Irregular decimals on purpose: a designed value like 10.125 would sit exactly on
# a rounding boundary of the reports' 2-decimal output.
COST_PER_HOUR = {
    "compute": (8.75, 9.5671, 9.7793, 9.8862, 9.9517, 10.0583, 10.1347, 10.3291),
    "storage": (2.0, 2.0196, 2.0402, 2.0613, 2.0829, 2.1038, 2.1244, 2.1463),
    "network": (1.75, 1.8961, 1.9172, 1.9368, 1.9587, 1.9779, 1.9993, 2.0214),
}
ERROR_DAYS = (0.0, 0.0, 0.001, -0.001, 0.0, 0.003, 0.002, 0.004)  # + the day-4 incident


def baselines() -> dict[str, Baseline]:
    """The signals of checkout-api without regressions (GA-day levels)."""
    return {
        "requests_per_second": Baseline(120.0, diurnal=50.0, noise=4.0, smooth=0.95),
        "error_percent": Baseline(0.05, noise=0.002, smooth=0.8),
        "p95_ms": Baseline(80.0, diurnal=5.0, noise=1.2, smooth=0.9),
        "p99_ms": Baseline(120.0, diurnal=8.0, noise=2.0, smooth=0.9),
        "cpu_percent": Baseline(CPU_GA, diurnal=7.0, noise=1.0, smooth=0.95),
        "memory_percent": Baseline(MEMORY_GA, diurnal=1.5, noise=0.6, smooth=0.97),
        "cost_compute": Baseline(COST_PER_HOUR["compute"][0], diurnal=1.2, noise=0.05),
        "cost_storage": Baseline(COST_PER_HOUR["storage"][0], noise=0.005, smooth=0.99),
        "cost_network": Baseline(COST_PER_HOUR["network"][0], diurnal=0.3, noise=0.02),
    }


def demo() -> Scenario:
    """The bundled demo scenario (see the module docstring)."""
    cost = tuple(
        DayLevels(f"cost_{name}", tuple(v - per_hour[0] for v in per_hour), transition=2 * H)
        for name, per_hour in COST_PER_HOUR.items())
    regressions: tuple[Regression, ...] = (
        Spike("p99_ms", 2 * D + 7 * H, 2 * D + 19 * H, 92.0, edge=timedelta(minutes=20)),
        Spike("p95_ms", 2 * D + 7 * H, 2 * D + 19 * H, 12.0, edge=timedelta(minutes=20)),
        DayLevels("error_percent", ERROR_DAYS, transition=3 * H),
        Spike("error_percent", 4 * D + 9 * H, 4 * D + 17 * H + 30 * timedelta(minutes=1),
              0.093, edge=timedelta(minutes=45)),
        # day 5: a 3-hour burst of 8 % errors (13:00–16:00) — the SLO burns at about 80×
        Spike("error_percent", 5 * D + 13 * H, 5 * D + 16 * H, BURST_PERCENT - 0.05,
              edge=5 * M),
        DayLevels("cpu_percent",
                  tuple((CPU_DAY7 - CPU_GA) * d / 7 for d in range(8)), transition=24 * H),
        DayLevels("memory_percent", tuple(MEMORY_GA * f for f in MEMORY_DAYS),
                  transition=3 * H),
        *cost,
        CounterReset(3 * D + 14 * H + timedelta(minutes=23, seconds=20), instance=2,
                     down=timedelta(seconds=50)),
    )
    return Scenario("demo", GA, 8, baselines(), regressions)


def faults() -> Scenario:
    """Counter reset on day 0, 2-hour scrape gap on day 1."""
    regressions = (
        CounterReset(10 * H + timedelta(seconds=30), instance=1),
        Gap(D + 2 * H, D + 4 * H),
    )
    return Scenario("faults", GA, 2, baselines(), regressions, seed=7)


def error_burst() -> Scenario:
    """A 3-hour burst of 8 % errors on day 5 (13:00–16:00); nothing else."""
    burst = Spike("error_percent", 5 * D + 13 * H, 5 * D + 16 * H, BURST_PERCENT - 0.05,
                  edge=5 * M)
    return Scenario("error_burst", GA, 8, baselines(), (burst,), seed=11)


LATENCY_STEP = {"p99_ms": 75.0, "p95_ms": 45.0}


def latency_step() -> Scenario:
    """p99 +75 ms and p95 +45 ms from day 3 10:00 to the end of the program."""
    steps = tuple(Step(signal, 3 * D + 10 * H, delta) for signal, delta in LATENCY_STEP.items())
    return Scenario("latency_step", GA, 8, baselines(), steps, seed=12)


def latency_recovery() -> Scenario:
    """The latency step on days 2–3 only: fixed at day 4's midnight."""
    spikes = tuple(Spike(signal, 2 * D, 4 * D, delta, edge=10 * M)
                   for signal, delta in LATENCY_STEP.items())
    return Scenario("latency_recovery", GA, 8, baselines(), spikes, seed=13)


def noise() -> Scenario:
    """Day-to-day wobble only, every daily mean within 7 % of its GA-day level."""
    wobble = (
        DayLevels("error_percent", (0, 0.002, -0.002, 0.003, -0.001, 0.002, -0.003, 0.001)),
        DayLevels("p99_ms", (0, 2.5, -1.8, 3.1, -2.2, 1.4, 2.9, -0.9)),
        DayLevels("p95_ms", (0, 1.6, -1.1, 2.0, -1.5, 0.9, 1.8, -0.6)),
        DayLevels("cpu_percent", (0, 1.1, -0.8, 1.5, -1.2, 0.6, 1.3, -0.4)),
        DayLevels("memory_percent", (0, 1.5, -1.2, 2.0, -0.9, 1.1, 1.7, -1.4)),
    )
    return Scenario("noise", GA, 8, baselines(), wobble, seed=14)


SCENARIOS = {"demo": demo, "faults": faults, "error_burst": error_burst,
             "latency_step": latency_step, "latency_recovery": latency_recovery, "noise": noise}


def scenario(name: str) -> Scenario:
    """The scenario called ``name`` (KeyError names the known ones)."""
    try:
        return SCENARIOS[name]()
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
