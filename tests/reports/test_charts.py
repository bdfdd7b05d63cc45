from tars_ci.reports.charts import label, line_chart


def test_line_chart_is_exact_mermaid_xychart():
    chart = line_chart("Health score by day", [("D1", 92.5), ("D2", 80.0)], "score", (0, 100))
    assert chart == ('xychart-beta\n    title "Health score by day"\n    x-axis [D1, D2]\n'
                     '    y-axis "score" 0 --> 100\n    line [92.5, 80]')


def test_missing_points_are_left_out_not_drawn_as_zero():
    chart = line_chart("t", [("D1", 1.0), ("D2", None), ("D3", 3.0)], "v", (0, 4))
    assert "x-axis [D1, D3]" in chart and "line [1, 3]" in chart


def test_fewer_than_two_points_draw_nothing():
    assert line_chart("t", [("D1", 1.0), ("D2", None)], "v") == ""


def test_labels_cannot_break_out_of_quotes():
    assert label('evil" ]\n line [1') == "evil  line 1"
