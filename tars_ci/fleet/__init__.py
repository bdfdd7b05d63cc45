"""Fleets: many releases watched from one repository, one spec each.

- :mod:`.members` — which specs a folder or a list of files names, loaded one by one, with
  releases that would share state (slug, retrospective branch) refused;
- :mod:`.summary` — every release's newest day, health, decision and result, read through
  the history store, as Markdown (job summary, fleet issue) or text;
- :mod:`.workflow` — the scheduled workflow that fans out with an Actions matrix.

Each release keeps its own history, lease, labels, issues and retrospective branch: a fleet
adds no shared state beyond the fleet issue.
"""

from tars_ci.fleet.members import Fleet, Member, load_fleet, spec_paths

__all__ = ["Fleet", "Member", "load_fleet", "spec_paths"]
