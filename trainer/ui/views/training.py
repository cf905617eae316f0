"""My training: the overview of tracks and modules, the module reader, and the knowledge check."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from PySide6.QtCore import QElapsedTimer, QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QResizeEvent, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trainer.core.errors import TrainerError
from trainer.core.models import Person
from trainer.core.reader import page
from trainer.core.services import training
from trainer.core.services.training import ModuleSession, ModuleStatus, TrainingOverview
from trainer.ui.context import AppContext
from trainer.ui.fit_table import fit_tree
from trainer.ui.reflow import ReflowSplitter, flow_row
from trainer.ui.views.check import KnowledgeCheckView
from trainer.ui.widgets import PageStack, button, heading, problem_label

SAVE_EVERY_MS = 30_000
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum size"
# The least time a screenful of a section must be on screen before it counts as read: far below
# reading speed, far above a fling of the scroll bar (which used to mark every section read).
SECONDS_PER_SCREEN = 3.0


def minutes_text(minutes: int) -> str:
    if minutes <= 0:
        return "done"
    hours, mins = divmod(minutes, 60)
    if not hours:
        return f"{mins} min"
    return f"{hours} h {mins} min" if mins else f"{hours} h"  # "1 h", not "1 h 0 min"


def module_item(module: ModuleStatus, *more: str) -> QTreeWidgetItem:
    """A module's row in a tree made with widgets.fit_tree: its title, its status in a word or
    two, then `more` columns. The status cell says "Locked" or "In progress"; the reason after
    the colon (which modules to finish first) is in the tooltip and what a screen reader says."""
    short = module.label.split(":", 1)[0]
    item = QTreeWidgetItem([module.title, short, *more])
    item.setToolTip(0, module.title)
    item.setToolTip(1, module.label)
    item.setData(1, Qt.ItemDataRole.AccessibleTextRole, module.label)
    item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{module.title}: {module.label}")
    return item


class TrainingOverviewView(QWidget):
    """Tracks and modules with status in words, time left, and the suggested next module."""

    open_requested = Signal(str)  # module key

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Training summary")
        self.next_button = button("&Continue", self._on_next_clicked, "Continue with next module")
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Tracks and modules")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Module", "Status", "Time left"])
        self.tree.setAlternatingRowColors(True)
        fit_tree(self.tree)  # titles wrap; status and time fit their words
        self.tree.itemActivated.connect(self._on_tree_item_activated)
        self.tree.currentItemChanged.connect(self._on_current_changed)
        self.open_button = button("&Open module", self._on_open_clicked)
        self.message = problem_label()
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.next_button)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("My training"))
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        self.overview: TrainingOverview | None = None

    def show_overview(self, overview: TrainingOverview) -> None:
        self.overview = overview
        current = self.selected_key()
        self.tree.clear()
        total = sum(len(t.modules) for t in overview.tracks)
        passed = sum(t.passed for t in overview.tracks)
        nxt = overview.next_module
        # The next module's title is in the (wrapping) summary, not on the button, so a long
        # title cannot make the page wider than the window.
        self.summary.setText(
            f"{passed} of {total} modules passed · about "
            f"{minutes_text(overview.minutes_left)} of study left."
            + (f" Next: {nxt.title}." if nxt is not None else "")
        )
        for track in overview.tracks:
            top = QTreeWidgetItem(
                [track.title, f"{track.passed} of {len(track.modules)} passed", ""]
            )
            top.setToolTip(0, track.description)
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            self.tree.addTopLevelItem(top)
            for module in track.modules:
                item = module_item(module, minutes_text(module.minutes_left))
                item.setData(0, Qt.ItemDataRole.UserRole, module.key)
                top.addChild(item)
                if module.key == current:
                    self.tree.setCurrentItem(item)
            top.setExpanded(True)
        self.next_button.setVisible(nxt is not None)
        if nxt is not None:
            verb = "Continue" if nxt.status == training.IN_PROGRESS else "Start"
            self.next_button.setText(f"&{verb}")
            self.next_button.setAccessibleName(f"{verb}: {nxt.title}")
        self.message.clear()

    def selected_key(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def select(self, key: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                if top.child(j).data(0, Qt.ItemDataRole.UserRole) == key:
                    self.tree.setCurrentItem(top.child(j))
                    return

    def _status(self, key: str) -> ModuleStatus | None:
        return self.overview.find(key) if self.overview else None

    def _on_current_changed(self, *_: Any) -> None:
        key = self.selected_key()
        status = self._status(key) if key else None
        self.open_button.setEnabled(
            status is not None and not (status.locked and status.status == training.NOT_STARTED)
        )
        self.message.setText(
            status.label
            if status and status.locked and status.status == training.NOT_STARTED
            else ""
        )

    def _on_tree_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        key = item.data(0, Qt.ItemDataRole.UserRole)
        if key:
            self.open_requested.emit(key)

    def _on_open_clicked(self) -> None:
        key = self.selected_key()
        if key:
            self.open_requested.emit(key)

    def _on_next_clicked(self) -> None:
        if self.overview and self.overview.next_module:
            self.open_requested.emit(self.overview.next_module.key)


class ReaderSplitter(ReflowSplitter):
    """The reader's sections list beside its text while the text gets about `reading_letters`
    letters a line (at 200% text the list took half the width and the text ran five words a
    line). Else one above the other: the text first, so it starts in view, and the sections
    list under it a few lines tall (it scrolls)."""

    reading_letters = 45
    stacked_lines = 4

    def __init__(self, side: QWidget, text: QTextBrowser, sections: QListWidget) -> None:
        super().__init__()
        self.side, self.text, self.sections = side, text, sections
        self.addWidget(side)
        self.addWidget(text)
        self.setStretchFactor(1, 4)
        self.setSizes([260, 800])

    def reading_width(self) -> int:
        """The text box's width for `reading_letters` letters a line of the module's text."""
        text = self.text
        letters = self.reading_letters * text.fontMetrics().averageCharWidth()
        margins = 2 * round(text.document().documentMargin()) + 2 * text.frameWidth()
        return letters + margins + text.verticalScrollBar().sizeHint().width()

    def side_by_side_width(self) -> int:
        wanted = self._comfortable(self.side) + self.handleWidth() + self.reading_width()
        return max(super().side_by_side_width(), wanted)

    def _order(self) -> None:
        stacked = self.orientation() == Qt.Orientation.Vertical
        first = self.text if stacked else self.side
        if self.indexOf(first) != 0:
            self.insertWidget(0, first)
        most = self.stacked_lines * self.sections.fontMetrics().lineSpacing()
        self.sections.setMaximumHeight(
            most + 2 * self.sections.frameWidth() if stacked else QWIDGETSIZE_MAX
        )

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._order()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.FontChange):
            self._order()
        return handled


class ModuleReaderView(QWidget):
    """One module: sections sidebar, the text, search, zoom, and the way to its check."""

    back_requested = Signal()
    check_requested = Signal()
    switch_requested = Signal()
    search_result_chosen = Signal(str, str)  # module key, section id

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.session: ModuleSession | None = None
        self.section_tops: list[tuple[str, float]] = []
        self.read: set[str] = set()
        self.unsaved_read: set[str] = set()
        self.clock = QElapsedTimer()
        # Each section in screen-high parts (section id, part): what is on screen since the last
        # check, and how long each part has been on screen in all.
        self.on_screen: set[tuple[str, int]] = set()
        self.seconds_on: dict[tuple[str, int], float] = {}
        self.ends_seen: set[str] = set()  # sections whose end has come into view
        self.last_check: datetime | None = None

        self.title = heading("")
        self.version_note = QLabel()
        self.version_note.setWordWrap(True)
        self.switch_button = button("Switch to the &newer version", self.switch_requested.emit)
        self.sections = QListWidget()
        self.sections.setAccessibleName("Sections")
        self.sections.setWordWrap(True)
        self.sections.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sections.itemActivated.connect(self._on_section_activated)
        self.sections.itemClicked.connect(self._on_section_activated)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Module text")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._on_anchor_clicked)
        self.browser.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        # The text re-wraps when the window, the panes or the text size change: where each
        # section starts moves with it (stale tops left the last section unreadable).
        self.browser.document().documentLayout().documentSizeChanged.connect(self._on_text_reflowed)
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search all modules (Ctrl+F)")
        self.search_box.setAccessibleName("Search all modules")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.returnPressed.connect(self._on_search)
        self.results = QListWidget()
        self.results.setAccessibleName("Search results")
        # Long snippets wrap instead of growing a sideways scrollbar that hides a row.
        self.results.setWordWrap(True)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.itemActivated.connect(self._on_result_activated)
        self.results.itemClicked.connect(self._on_result_activated)
        self.results.hide()
        find = QShortcut(QKeySequence.StandardKey.Find, self, self.search_box.setFocus)
        find.setWhatsThis("My training: search all modules")  # listed in Help → Keyboard shortcuts
        self.check_button = button("Take the &knowledge check", self.check_requested.emit)
        self.back_button = button("&Back to My training", self.back_requested.emit)
        self.smaller = button("A−", lambda: self.zoom(-1), "Smaller text")
        self.larger = button("A+", lambda: self.zoom(+1), "Larger text")
        self.progress = QLabel()
        self.progress.setAccessibleName("Reading progress")

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("Sections (✓ = read)"))
        side_layout.addWidget(self.sections, 1)
        side_layout.addWidget(self.progress)
        # Side by side only while the text has a comfortable reading width; else the text
        # goes first and the sections (a few lines) under it, and the rows of buttons wrap,
        # instead of the page scrolling sideways.
        self.split = split = ReaderSplitter(side, self.browser, self.sections)
        top = flow_row(self.back_button, self.search_box, self.smaller, self.larger)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.results)
        layout.addWidget(self.title)
        layout.addWidget(split, 1)
        layout.addWidget(self.version_note)
        layout.addLayout(flow_row(self.switch_button, self.check_button))

        self.autosave = QTimer(self)
        self.autosave.setInterval(SAVE_EVERY_MS)
        self.autosave.timeout.connect(self.save_state)
        self.reading_timer = QTimer(self)  # time on screen counts while the page stands still
        self.reading_timer.setInterval(1000)
        self.reading_timer.timeout.connect(self._on_scrolled)

    # --- showing a module ------------------------------------------------------------------

    def show_module(self, opened: ModuleSession, section: str | None = None) -> None:
        self.session = opened
        self.read = set(opened.sections_read)
        self.unsaved_read = set()
        self.on_screen, self.seconds_on, self.ends_seen = set(), {}, set()
        self.last_check = None
        module = opened.module
        self.title.setText(module.title)
        objectives = "".join(f"<li>{o}</li>" for o in module.objectives)
        preface = (
            f"<p><i>About {module.estimated_minutes} minutes.</i> In this module you "
            f"will learn to:</p><ul>{objectives}</ul>"
        )
        # Images shipped with a module sit next to it in the bundled content folder.
        self.browser.setSearchPaths([str(self.ctx.content_root / "curricula" / module.track)])
        self.browser.setHtml(page(opened.rendered, module.title, preface))
        self._measure_sections()
        self._fill_sections()
        newer = opened.newer_version
        self.version_note.setText(
            f"Version {opened.version_number}."
            + (
                f" A newer version ({newer}) has been published; you keep the one you started "
                "unless you switch."
                if newer
                else ""
            )
        )
        self.switch_button.setVisible(newer is not None)
        target = section or opened.last_section
        if section is None and opened.last_position:
            bar = self.browser.verticalScrollBar()
            bar.setValue(round(opened.last_position / 10_000 * bar.maximum()))
        elif target:
            self.browser.scrollToAnchor(target)
        else:
            self.browser.verticalScrollBar().setValue(0)
        self.clock.start()
        self.autosave.start()
        self.reading_timer.start()
        self._on_scrolled()
        self.browser.setFocus()

    def _measure_sections(self) -> None:
        assert self.session is not None
        doc = self.browser.document()
        layout = doc.documentLayout()
        wanted = {s.id for s in self.session.rendered.sections}
        tops: dict[str, float] = {}
        block = doc.begin()
        while block.isValid():
            for name in block.charFormat().anchorNames() + _block_anchors(block):
                if name in wanted and name not in tops:
                    tops[name] = layout.blockBoundingRect(block).top()
            block = block.next()
        self.section_tops = sorted(tops.items(), key=lambda kv: kv[1])

    def _on_text_reflowed(self, *_: Any) -> None:
        if self.session is not None:
            self._measure_sections()

    def _fill_sections(self) -> None:
        assert self.session is not None
        current = self.sections.currentRow()
        self.sections.clear()
        for s in self.session.rendered.sections:
            mark = "✓ " if s.id in self.read else "    "
            item = QListWidgetItem(mark + s.title, self.sections)
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            item.setData(
                Qt.ItemDataRole.AccessibleTextRole,
                f"{s.title}{', read' if s.id in self.read else ''}",
            )
        if current >= 0:
            self.sections.setCurrentRow(current)
        total = len(self.session.rendered.sections)
        self.progress.setText(
            f"{len(self.read & {s.id for s in self.session.rendered.sections})}"
            f" of {total} sections read"
        )

    def _on_scrolled(self, *_: Any) -> None:
        """A section counts as read once the reader has scrolled to its end and every
        screen-high part of it has been on screen for SECONDS_PER_SCREEN."""
        if self.session is None or not self.section_tops:
            return
        now = self.ctx.clock.now()
        if self.last_check is not None:  # the time since the last check went to what was shown
            spent = max(0.0, (now - self.last_check).total_seconds())
            for part in self.on_screen:
                self.seconds_on[part] = self.seconds_on.get(part, 0.0) + spent
        self.last_check = now
        bar = self.browser.verticalScrollBar()
        screen = max(1, self.browser.viewport().height())
        top, bottom = bar.value(), bar.value() + screen
        at_end = bar.value() >= bar.maximum()
        # The end a reader can scroll to (the document's own height counts margins no one sees:
        # a last part drawn there could never be on screen, so the section never counted).
        doc_end = bar.maximum() + screen
        self.on_screen = set()
        new = set()
        for i, (sid, start) in enumerate(self.section_tops):
            last = i + 1 == len(self.section_tops)
            end = doc_end if last else self.section_tops[i + 1][1]
            parts = range(max(1, math.ceil((end - start) / screen)))
            for k in parts:
                if start + k * screen < bottom and min(end, start + (k + 1) * screen) > top:
                    self.on_screen.add((sid, k))
            if at_end or (not last and bottom >= end):
                self.ends_seen.add(sid)
            if (
                sid in self.ends_seen
                and sid not in self.read
                and all(self.seconds_on.get((sid, k), 0.0) >= SECONDS_PER_SCREEN for k in parts)
            ):
                new.add(sid)
        if new:
            self.read |= new
            self.unsaved_read |= new
            self._fill_sections()

    def current_section(self) -> str | None:
        value = self.browser.verticalScrollBar().value()
        current = None
        for sid, top in self.section_tops:
            if top <= value + 4:
                current = sid
        return current

    def save_state(self) -> None:
        """Write reading progress and time spent (on a timer, on leaving, at sign-out)."""
        if self.session is None:
            return
        bar = self.browser.verticalScrollBar()
        position = round(10_000 * bar.value() / bar.maximum()) if bar.maximum() else 0
        seconds = self.clock.restart() // 1000 if self.clock.isValid() else 0
        with self.ctx.db.begin() as session:
            training.record_reading(
                session,
                self.person,
                self.session.document_id,
                sections_seen=self.unsaved_read,
                last_section=self.current_section(),
                position=position,
                seconds=seconds,
                now=self.ctx.clock.now(),
            )
        self.unsaved_read = set()

    def leave(self) -> None:
        self.save_state()
        self.autosave.stop()
        self.reading_timer.stop()
        self.session = None

    def zoom(self, step: int) -> None:
        if step > 0:
            self.browser.zoomIn(1)
        else:
            self.browser.zoomOut(1)
        if self.session is not None:
            self._measure_sections()

    # --- links, sections, search -------------------------------------------------------------

    def _on_section_activated(self, item: QListWidgetItem) -> None:
        self.browser.scrollToAnchor(item.data(Qt.ItemDataRole.UserRole))
        self.browser.setFocus()

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)  # only ever on the person's click
        elif url.hasFragment():
            self.browser.scrollToAnchor(url.fragment())

    def _on_search(self) -> None:
        needle = self.search_box.text().strip()
        self.results.clear()
        if not needle:
            self.results.hide()
            return
        with self.ctx.db.begin() as session:
            hits = training.search(session, self.person, needle)
        for hit in hits:
            text = f"{hit.module_title} › {hit.section_title}: {hit.snippet}"
            item = QListWidgetItem(text, self.results)
            item.setToolTip(text)
            item.setData(Qt.ItemDataRole.UserRole, (hit.module_key, hit.section_id))
        if not hits:
            QListWidgetItem(f"No section mentions “{needle}”.", self.results)
        self.results.show()
        self._fit_results()
        self.results.setFocus()
        self.results.setCurrentRow(0)

    def _fit_results(self) -> None:
        """Tall enough for up to six whole results (wrapped to the list's width); more scroll."""
        self.results.doItemsLayout()
        shown = min(6, self.results.count())
        rows = sum(self.results.visualItemRect(self.results.item(i)).height() for i in range(shown))
        self.results.setFixedHeight(rows + 2 * self.results.frameWidth() + 2)

    def _on_result_activated(self, item: QListWidgetItem) -> None:
        target = item.data(Qt.ItemDataRole.UserRole)
        if target:
            self.results.hide()
            self.search_result_chosen.emit(*target)

    def find_in_text(self, words: str) -> bool:
        return self.browser.find(words, QTextDocument.FindFlag(0))


def _block_anchors(block: Any) -> list[str]:
    names: list[str] = []
    it = block.begin()
    while not it.atEnd():
        fragment = it.fragment()
        if fragment.isValid():
            names.extend(fragment.charFormat().anchorNames())
        it += 1
    return names


class MyTrainingView(QWidget):
    """The trainee's screen: overview, reader and knowledge check, one at a time."""

    def __init__(self, ctx: AppContext, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.overview = TrainingOverviewView()
        self.reader = ModuleReaderView(ctx, person)
        self.check = KnowledgeCheckView(ctx, person)
        self.error = problem_label()
        self.stack = PageStack()  # as wide as the shown page: the reader is wide at large text
        for widget in (self.overview, self.reader, self.check):
            self.stack.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.error)
        layout.addWidget(self.stack, 1)
        self.overview.open_requested.connect(self.open_module)
        self.reader.back_requested.connect(self.show_overview)
        self.reader.check_requested.connect(self._on_reader_check_requested)
        self.reader.switch_requested.connect(self._on_reader_switch_requested)
        self.reader.search_result_chosen.connect(self.open_module)
        self.check.back_requested.connect(self._on_check_back_requested)
        self.show_overview()

    def show_overview(self) -> None:
        if self.stack.currentWidget() is self.reader:
            self.reader.leave()
        with self.ctx.db.begin() as session:
            overview = training.training_overview(session, self.person)
        self.overview.show_overview(overview)
        self.stack.setCurrentWidget(self.overview)
        self.error.clear()
        self.overview.tree.setFocus()

    def open_module(self, key: str, section: str | None = None, switch: bool = False) -> None:
        if self.stack.currentWidget() is self.reader and self.reader.session is not None:
            self.reader.save_state()
        try:
            with self.ctx.db.begin() as session:
                opened = training.open_module(
                    session, self.person, key, now=self.ctx.clock.now(), switch_to_latest=switch
                )
        except TrainerError as exc:
            self.error.setText(str(exc))
            return
        self.error.clear()
        self.stack.setCurrentWidget(self.reader)
        self.reader.show_module(opened, section)

    def _on_reader_switch_requested(self) -> None:
        if self.reader.session is not None:
            self.reader.save_state()
            self.open_module(self.reader.session.module.id, switch=True)

    def _on_reader_check_requested(self) -> None:
        opened = self.reader.session
        if opened is None:
            return
        self.reader.save_state()
        with self.ctx.db.begin() as session:
            module, paper = training.start_check(session, self.person, opened.document_id)
        self.check.show_paper(opened.document_id, module, paper)
        self.stack.setCurrentWidget(self.check)

    def _on_check_back_requested(self, to_overview: bool) -> None:
        if to_overview or self.reader.session is None:
            self.reader.leave()
            self.show_overview()
        else:
            self.stack.setCurrentWidget(self.reader)
            self.reader.clock.start()

    def save_state(self) -> None:
        if self.stack.currentWidget() is self.reader:
            self.reader.save_state()
