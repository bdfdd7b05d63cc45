"""``python -m tars_ci``."""

from tars_ci.cli import run_main

run_main()
