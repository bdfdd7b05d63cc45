"""OpenSLO v1 in and out of the spec (``tars-ci openslo import | export``).

:mod:`~tars_ci.openslo.model` parses documents once into typed records,
:mod:`~tars_ci.openslo.importer` maps SLOs into the spec's ``slos`` (and ``kpis``),
:mod:`~tars_ci.openslo.specfile` writes them into a spec's text,
:mod:`~tars_ci.openslo.exporter` writes the spec's SLOs as documents, and
:mod:`~tars_ci.openslo.queries` holds the PromQL shapes that carry OpenSLO's counters, bad
counts and time slices through the spec and back.
"""
