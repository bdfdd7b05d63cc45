"""Files ``tars-ci init`` scaffolds into a repository (read with importlib.resources)."""
