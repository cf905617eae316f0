"""A trainee studies a module through the real widgets: read, fail, retake, pass, restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.conftest import Team
from tests.core.curriculum_fixtures import write_curriculum
from tests.ui.conftest import sign_in
from trainer.core.services import library, training
from trainer.ui.views.training import SECONDS_PER_SCREEN, MyTrainingView


@pytest.fixture
def studied(sqlite_team: Team, sqlite_db, clock, tmp_path: Path) -> Team:
    long_text = " ".join(["Listening is the first tool of the work."] * 400)
    root = write_curriculum(tmp_path / "bundle", extra=long_text)
    with sqlite_db.begin() as session:
        library.import_bundled(session, root, now=clock.now())
    return sqlite_team


def _my_training(qtbot, make_window, username: str = "tom") -> MyTrainingView:
    window = make_window()
    window.resize(900, 600)
    sign_in(qtbot, window, username)
    return window.workspace.show_screen("My training")


def _answer(check, right: bool) -> None:
    """Answer through the widgets: tick by shown position, reorder with Move up."""
    for widget in check.questions:
        q, order = widget.shown.question, widget.shown.option_order
        if q.type == "single":
            want = 0 if right else 1
            widget.set_answer([order.index(want)])
        elif q.type == "multiple":
            widget.set_answer([order.index(0), order.index(1)] if right else [order.index(2)])
        elif q.type == "true_false":
            widget.set_answer([1])  # "False" is right
        else:
            for target in range(len(q.items)):  # a small insertion sort with the buttons
                row = next(
                    i
                    for i in range(widget.order_list.count())
                    if widget.order_list.item(i).data(Qt.ItemDataRole.UserRole) == target
                )
                widget.order_list.setCurrentRow(row)
                for _ in range(row - target):
                    widget.move(-1)


def _read_through(reader, clock) -> None:
    """Read as a person does: a screen at a time, pausing on each, to the end."""
    bar = reader.browser.verticalScrollBar()
    while True:
        clock.advance(seconds=SECONDS_PER_SCREEN + 1)
        reader._on_scrolled()  # the reading timer's tick
        if bar.value() >= bar.maximum():
            # The last screen is read too: the timer keeps ticking while it is on screen
            # (its parts had no time yet if this scroll showed them first).
            clock.advance(seconds=SECONDS_PER_SCREEN + 1)
            reader._on_scrolled()
            return
        bar.setValue(bar.value() + bar.pageStep())


def test_trainee_reads_fails_retakes_passes_and_progress_survives_restart(
    qtbot, make_window, studied: Team, sqlite_db, clock
) -> None:
    view = _my_training(qtbot, make_window)
    overview = view.overview
    assert overview.next_button.text() == "&Start"
    assert overview.next_button.accessibleName() == "Start: First steps"
    assert overview.summary.text().endswith("Next: First steps.")
    qtbot.mouseClick(overview.next_button, Qt.MouseButton.LeftButton)
    reader = view.reader
    assert view.stack.currentWidget() is reader
    assert reader.title.text() == "First steps"
    assert [reader.sections.item(i).text().strip() for i in range(reader.sections.count())] == [
        "Listening first",
        "Following up",
    ]
    assert reader.progress.text() == "0 of 2 sections read"

    assert reader.browser.verticalScrollBar().maximum() > 0
    _read_through(reader, clock)
    assert reader.progress.text() == "2 of 2 sections read"
    assert reader.sections.item(0).text().startswith("✓")

    qtbot.mouseClick(reader.check_button, Qt.MouseButton.LeftButton)
    check = view.check
    assert view.stack.currentWidget() is check and len(check.questions) == 4
    qtbot.mouseClick(check.submit, Qt.MouseButton.LeftButton)
    assert "Answer every question" in check.problem.text()
    _answer(check, right=False)
    qtbot.mouseClick(check.submit, Qt.MouseButton.LeftButton)
    assert check.result.text().startswith("<b>Not passed yet</b>")
    assert any("Not this one." in w.feedback.text() for w in check.questions)
    assert check.retake.isVisibleTo(check)

    qtbot.mouseClick(check.retake, Qt.MouseButton.LeftButton)
    assert all(not w.feedback.isVisibleTo(w) for w in check.questions)
    _answer(check, right=True)
    qtbot.mouseClick(check.submit, Qt.MouseButton.LeftButton)
    assert check.result.text().startswith("<b>Passed</b>: 4 of 4 correct (100%). Module complete.")
    qtbot.mouseClick(check.back_to_overview, Qt.MouseButton.LeftButton)
    assert view.stack.currentWidget() is view.overview
    assert overview.overview.find("basics-1").label == "Passed"
    assert overview.next_button.accessibleName() == "Start: Next steps"

    # A new app window on the same database: the record is still there.
    again = _my_training(qtbot, make_window)
    assert again.overview.overview.find("basics-1").status == training.PASSED
    with sqlite_db.begin() as session:
        history = training.attempts(session, studied.trainee, studied.trainee.id)
    assert [a.passed for a in history] == [False, True]


def test_reading_position_is_restored_after_sign_out(qtbot, make_window, studied: Team) -> None:
    window = make_window()
    window.resize(900, 600)
    sign_in(qtbot, window, "tom")
    view = window.workspace.show_screen("My training")
    view.open_module("basics-1")
    bar = view.reader.browser.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    window.sign_out()  # saves on the way out
    sign_in(qtbot, window, "tom")
    view = window.workspace.show_screen("My training")
    view.open_module("basics-1")
    restored = view.reader.browser.verticalScrollBar()
    assert abs(restored.value() - restored.maximum() // 2) <= restored.maximum() // 50


def test_locked_module_says_what_to_finish_first(qtbot, make_window, studied: Team) -> None:
    view = _my_training(qtbot, make_window)
    view.overview.select("basics-2")
    assert not view.overview.open_button.isEnabled()
    assert view.overview.message.text() == "Locked: first finish First steps"
    view.open_module("basics-2")
    assert "opens once you have finished: First steps" in view.error.text()


def test_search_jumps_to_the_section_in_another_module(qtbot, make_window, studied: Team) -> None:
    view = _my_training(qtbot, make_window)
    view.open_module("basics-1")
    reader = view.reader
    qtbot.keyClicks(reader.search_box, "next day")
    qtbot.keyClick(reader.search_box, Qt.Key.Key_Return)
    assert reader.results.count() == 2
    assert reader.results.item(0).text().startswith("First steps › Following up")
    reader.results.setCurrentRow(0)
    qtbot.keyClick(reader.results, Qt.Key.Key_Return)
    assert (
        reader.current_section() == "following-up" or reader.browser.verticalScrollBar().value() > 0
    )


def test_manager_sees_each_trainees_progress(
    qtbot, make_window, studied: Team, sqlite_db, clock
) -> None:
    with sqlite_db.begin() as session:
        opened = training.open_module(session, studied.trainee, "basics-1", now=clock.now())
        training.record_reading(
            session,
            studied.trainee,
            opened.document_id,
            sections_seen=["listening-first"],
            now=clock.now(),
        )
    window = make_window()
    sign_in(qtbot, window, "manny")
    team = window.workspace.show_screen("Team")
    rows = {r.person.username: r for r in team.model.rows}
    assert set(rows) == {"tom", "tess"}  # trainees only
    assert rows["tom"].working_on == "First steps" and rows["tom"].passed == "0 of 2"
    team.table.selectRow(team.model.rows.index(rows["tom"]))
    track = team.detail.topLevelItem(0)
    assert track.child(0).text(1) == "In progress"
    # The status in a word; why it is locked in the tooltip and what a screen reader says.
    locked = track.child(1)
    assert locked.text(1) == "Locked"
    assert locked.toolTip(1) == "Locked: first finish First steps"
    assert locked.data(1, Qt.ItemDataRole.AccessibleTextRole) == locked.toolTip(1)


def test_images_shipped_next_to_a_module_are_shown(
    qtbot, make_window, sqlite_team: Team, sqlite_db, clock, tmp_path: Path, ctx
) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QColor, QImage, QTextDocument

    root = write_curriculum(tmp_path / "bundle", extra="\n\n![A map of the area](images/map.png)")
    (root / "curricula" / "basics" / "images").mkdir()
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("navy"))
    image.save(str(root / "curricula" / "basics" / "images" / "map.png"))
    with sqlite_db.begin() as session:
        library.import_bundled(session, root, now=clock.now())
    ctx.content_root = root
    view = _my_training(qtbot, make_window)
    view.open_module("basics-1")
    loaded = view.reader.browser.loadResource(
        QTextDocument.ResourceType.ImageResource.value, QUrl("images/map.png")
    )
    assert QImage.fromData(loaded).size().width() == 40  # the file's bytes, found and read
    assert 'src="images/map.png"' in view.reader.browser.toHtml()


def test_each_training_header_names_what_its_column_shows(
    qtbot, make_window, studied: Team
) -> None:
    view = _my_training(qtbot, make_window)
    tree = view.overview.tree
    headers = [tree.headerItem().text(c) for c in range(tree.columnCount())]
    status_column, time_column = headers.index("Status"), headers.index("Time left")
    module = tree.topLevelItem(0).child(0)
    status = view.overview.overview.find(module.data(0, Qt.ItemDataRole.UserRole))
    assert module.text(status_column) == status.label
    assert module.text(time_column).endswith("min")


def test_team_detail_shows_whole_track_and_module_names(qtbot, make_window, studied: Team) -> None:
    window = make_window()
    window.resize(800, 600)  # the smallest window the app promises to fit
    sign_in(qtbot, window, "manny")
    team = window.workspace.show_screen("Team")
    team.table.selectRow(0)
    tree = team.detail
    headers = [tree.headerItem().text(c) for c in range(tree.columnCount())]
    column = headers.index("Module")
    metrics = tree.fontMetrics()
    names = []
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        names.append((top.text(column), 1))
        names.extend((top.child(j).text(column), 2) for j in range(top.childCount()))
    assert {"First steps", "Next steps"} <= {name for name, _ in names}
    # Each name fits its column, and the whole column is inside the pane without scrolling.
    room = tree.columnWidth(column) - (tree.indentation() * 2 if column == 0 else 0)
    assert all(metrics.horizontalAdvance(name) <= room for name, _ in names)
    right = tree.header().sectionViewportPosition(column) + tree.columnWidth(column)
    assert right <= tree.viewport().width()


def test_search_results_are_all_shown_whole(qtbot, make_window, studied: Team) -> None:
    view = _my_training(qtbot, make_window)
    view.window().resize(1100, 720)
    view.open_module("basics-1")
    results = view.reader.results
    qtbot.keyClicks(view.reader.search_box, "the")
    qtbot.keyClick(view.reader.search_box, Qt.Key.Key_Return)
    assert results.count() == 3  # one with a long snippet
    assert not results.horizontalScrollBar().isVisible()
    for i in range(results.count()):
        rect = results.visualItemRect(results.item(i))
        assert rect.top() >= 0 and rect.bottom() < results.viewport().height()
        assert rect.right() <= results.viewport().width()


def test_flinging_to_the_end_does_not_mark_the_long_section_read(
    qtbot, make_window, studied: Team, clock
) -> None:
    view = _my_training(qtbot, make_window)
    view.open_module("basics-1")
    reader = view.reader
    bar = reader.browser.verticalScrollBar()
    for value in range(0, bar.maximum() + 1, max(1, bar.maximum() // 20)):
        bar.setValue(value)  # a fast drag of the scroll bar
    bar.setValue(bar.maximum())
    clock.advance(minutes=5)  # then the page stands at the end a long while
    reader._on_scrolled()
    assert reader.progress.text() == "1 of 2 sections read"  # the short last one, read at the end
    assert not reader.sections.item(0).text().startswith("✓")
    assert reader.sections.item(1).text().startswith("✓")


@pytest.mark.parametrize("width", [1400, 700])
def test_sections_are_read_after_the_window_is_resized(
    qtbot, make_window, studied: Team, clock, width: int
) -> None:
    """The text re-wraps when the window changes size: where each section starts moves, and
    reading to the end must still count every section (stale tops left the last unreadable)."""
    view = _my_training(qtbot, make_window)
    view.open_module("basics-1")
    reader = view.reader
    view.window().resize(width, 600)
    qtbot.waitUntil(lambda: reader.browser.verticalScrollBar().maximum() > 0)
    _read_through(reader, clock)
    assert reader.progress.text() == "2 of 2 sections read"


def test_time_left_reads_as_a_person_would_say_it() -> None:
    from trainer.ui.views.training import minutes_text

    assert [minutes_text(m) for m in (0, 45, 60, 75)] == ["done", "45 min", "1 h", "1 h 15 min"]


LONG_TITLE = (
    "Ethics and boundaries when police, hospitals, schools, faith leaders and city agencies all "
    "ask a violence interrupter what they saw"
)


def test_team_tree_wraps_a_long_module_title_at_200_percent_text(
    qtbot, make_window, studied: Team, sqlite_db, clock
) -> None:
    """At 200% text the module names wrap, whole, and the status column stays in view: the
    tree never scrolls sideways (it did by hundreds of pixels)."""
    from PySide6.QtWidgets import QApplication

    with sqlite_db.begin() as session:
        doc = library.find_document(session, studied.trainer, "module", "basics-2")
        live = library.live_version(session, studied.trainer, doc.id)
        body = live.body.replace("title: Next steps", f"title: {LONG_TITLE}", 1)
        assert body != live.body
        library.save_draft(session, studied.trainer, doc.id, body, now=clock.now())
        library.publish(session, studied.trainer, doc.id, now=clock.now())
    font = QApplication.font()
    window = make_window()
    try:
        window.resize(1100, 720)
        sign_in(qtbot, window, "manny")
        metrics_at_100 = window.fontMetrics().height()
        window.zoom(+10)
        team = window.workspace.show_screen("Team")
        team.table.selectRow(0)
        tree = team.detail
        qtbot.waitUntil(lambda: tree.topLevelItemCount() > 0)
        long_item = next(
            top.child(j)
            for i in range(tree.topLevelItemCount())
            if (top := tree.topLevelItem(i))
            for j in range(top.childCount())
            if top.child(j).text(0) == LONG_TITLE
        )
        qtbot.waitUntil(lambda: tree.fontMetrics().height() >= 1.8 * metrics_at_100)

        def title_shown_whole() -> bool:
            """Its row is as tall as the title wrapped to its column's width."""
            room = tree.columnWidth(0) - 2 * tree.indentation() - 8  # less the cell's margins
            wrapped = tree.fontMetrics().boundingRect(
                0, 0, room, 1 << 20, int(Qt.TextFlag.TextWordWrap), LONG_TITLE
            )
            return (
                tree.visualItemRect(long_item).height()
                >= wrapped.height()
                > 2 * (tree.fontMetrics().height())
            )

        qtbot.waitUntil(title_shown_whole)  # several lines, all of them shown
        assert tree.horizontalScrollBar().maximum() == 0  # nothing to scroll sideways to
        status_right = tree.header().sectionViewportPosition(1) + tree.columnWidth(1)
        assert status_right <= tree.viewport().width()  # the status column is in view
        assert long_item.text(1) == "Locked" and long_item.toolTip(0) == LONG_TITLE
    finally:
        QApplication.setFont(font)


@pytest.mark.parametrize("zoom", [0, 10], ids=["100%", "200%"])
def test_reader_puts_sections_beside_the_text_only_with_room_to_read(
    qtbot, make_window, studied: Team, zoom: int
) -> None:
    """Side by side only while the text gets about 45 letters a line (at 200% the sections
    took half the width and the text ran five words a line); else the text first, in view, and
    the sections under it a few lines tall."""
    from PySide6.QtWidgets import QApplication

    font = QApplication.font()
    view = _my_training(qtbot, make_window)
    window = view.window()
    try:
        window.resize(1100, 720)
        window.zoom(zoom)
        view.open_module("basics-1")
        reader = view.reader
        split, text, sections = reader.split, reader.browser, reader.sections
        letters = 45 * text.fontMetrics().averageCharWidth()
        if zoom == 0:
            qtbot.waitUntil(lambda: split.orientation() == Qt.Orientation.Horizontal)
            assert split.indexOf(text) == 1  # the sections on the left
            assert text.viewport().width() >= letters
        else:
            qtbot.waitUntil(lambda: split.orientation() == Qt.Orientation.Vertical)
            assert split.indexOf(text) == 0  # the text first
            assert text.mapTo(window, text.rect().topLeft()).y() < window.height() // 2
            assert sections.height() <= 5 * sections.fontMetrics().lineSpacing()
            assert text.viewport().width() >= letters
    finally:
        QApplication.setFont(font)
