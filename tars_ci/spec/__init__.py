"""The spec: load YAML once into frozen, validated objects."""

from tars_ci.spec.loader import load_spec, parse_duration, parse_spec, parse_timestamp
from tars_ci.spec.model import Kpi, Secret, Slo, Spec

__all__ = ["Kpi", "Secret", "Slo", "Spec", "load_spec", "parse_duration", "parse_spec",
           "parse_timestamp"]
