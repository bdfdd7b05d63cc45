"""GitOps publishing: the committed history, the P0/P1 issue lifecycle, the retro PR.

One concern per module::

    publish.py     orchestration: lease → history → issues → retrospective PR (or a dry-run plan)
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
    plan.py        the plan records and their text / JSON rendering
    redaction.py   tokens out of messages and log lines
"""

from tars_ci.github.publish import PublishOptions, PublishResult, publish

__all__ = ["PublishOptions", "PublishResult", "publish"]
