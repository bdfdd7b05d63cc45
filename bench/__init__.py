"""tars-ci benchmarks against peers and the physical floor: ``python -m bench``."""
