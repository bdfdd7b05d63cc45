"""The Prometheus source: the HTTP API of Prometheus and compatible stores (Thanos, Mimir,
VictoriaMetrics) — only ``/api/v1/query_range`` and ``/api/v1/query``.

- :mod:`.client` — one GET with auth, TLS, timeouts and bounded retries; the only place
  httpx errors are translated (into :class:`tars_ci.errors.SourceUnavailable`);
- :mod:`.results` — API result data → :class:`~tars_ci.sources.interface.Samples`,
  :class:`~tars_ci.sources.interface.NoData` or :class:`~tars_ci.sources.interface.QueryFailed`;
- :mod:`.source` — :class:`PrometheusSource`: chunking (≤ 11,000 points per request),
  bounded concurrency, stitching;
- :mod:`.recording` — capture a spec's queries into replay series (``tars-ci record``).
"""

from tars_ci.sources.prometheus.source import MAX_POINTS, PrometheusSource

__all__ = ["MAX_POINTS", "PrometheusSource"]
