"""Publishers: everything a run sends out of the repository, behind one Protocol.

One implementation per file, run in order by one runner that holds the release's lease::

    interface.py   the Publisher Protocol, the Context it reads, PublishOptions
    runner.py      lease → history → issues → retrospective PR → notifications (or a plan)
    plan.py        the step records and their text / JSON rendering
    history.py     the committed history (git commit + safe push)
    issues.py      the P0/P1 issues (over :mod:`tars_ci.github.issues`)
    pull.py        the retrospective pull request (over :mod:`tars_ci.github.pulls`)
    notify/        Slack, Microsoft Teams and JSON webhook notifications, sent once
    summary.py     the GitHub Actions job summary, annotations and outputs (no lease: it runs
                   before publishing, and in runs that do not publish)

The GitHub and git boundaries (client, bodies, markers, the lifecycle) stay in
:mod:`tars_ci.github`; a publisher decides what to write and in which order.
"""
