"""tars-ci: the post-GA 7-day stabilization program as declarative GitOps checks in CI."""

__version__ = "0.1.0"
