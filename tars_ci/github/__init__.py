"""The GitHub and git boundaries of publishing: history, P0/P1 issue lifecycle, retro PR.

The publishers that use them, and their order, are in :mod:`tars_ci.publishers`.

One concern per module::

    publish.py     the old home of ``publish`` (now :mod:`tars_ci.publishers.runner`)
    plan.py        the old home of the plan records (now :mod:`tars_ci.publishers.plan`)
    lock.py        the release's lease on the git remote (overlapping runs take turns)
    history.py     real git: commit the reports, fetch + rebase + bounded retry push, never forced
    git.py         the git boundary (injectable runner, GitError, no forced branch pushes)
    client.py      PyGithub construction, the retry policy, pacing, the write cap (GitHubError)
    issues.py      find issues by label + marker, carry out the lifecycle on GitHub
    lifecycle.py   the lifecycle as a pure function (episodes → operations)
    pulls.py       the retrospective pull request
    bodies.py      issue, comment and PR text (deterministic, escaped, bounded)
    markers.py     hidden markers in bodies and comments
    markdown.py    Markdown safety for GitHub bodies
    view.py        the recorded history (from the store), as publishing sees it
    redaction.py   tokens out of messages and log lines
"""

from tars_ci.github.publish import PublishOptions, PublishResult, publish

__all__ = ["PublishOptions", "PublishResult", "publish"]
