"""project.common.cli: one line per field error, progress lines without a terminal."""

from __future__ import annotations

from project.common.cli import LineProgress, field_errors_message


def test_field_errors_are_one_line_each():
    errors = {"username": ["Too short.", "Bad."], "profile": {"bio": ["Too long."]}}
    assert field_errors_message(errors) == "  username: Too short. Bad.\n  profile.bio: Too long."


def test_line_progress_reports_each_interval_and_at_the_end(capsys):
    reporter = LineProgress(10, "posts", interval=0)
    reporter.update(4)
    reporter.update(6)
    quiet = LineProgress(10, "users", interval=3600)
    quiet.update(10)  # within the interval: nothing yet
    assert capsys.readouterr().out == "posts: 4/10 (40%)\nposts: 10/10 (100%)\n"
    quiet.report()
    assert capsys.readouterr().out == "users: 10/10 (100%)\n"
