"""The story map: a scenario's nodes as cards and its choices as arrows, edited through a
`ScenarioDoc` (so every edit is one undoable step of the document's own stack).

Public API (for the scenario studio):

    StoryMapView(doc, parent=None)       a QWidget: a "Go to node" finder row above the canvas
      .canvas                            the StoryMapCanvas (a QGraphicsView)
      .finder                            the QLineEdit (with a completer over the node ids)
      .node_activated(str)               double-click or Enter on a card: edit this node
      .selection_changed(list)           the selected node ids (cards), in no particular order
      .go_to(id)                         centre on a node and select it
      .select_node(id), .selected_ids(), .fit(), .zoom_by(factor)
      .set_marks({id: text})             a short finding shown on those cards (others cleared)
      .set_shares({(id, index): share})  choice analytics on the arrows (None: off; see below)
    StoryMapCanvas                       the same signals and methods, plus .card(id),
                                         .ghost(id) (the "missing: id" card of a broken
                                         target), .arrows_from(id), .arrows_to(id)

Editing on the map: drag cards to move them (multi-select with Ctrl or a rubber band); drag from
a card's round handle on its right edge (or Shift-drag a card) onto another card to add a choice;
double-click or Enter to edit; Delete removes the selected nodes; Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y)
undo and redo through the document. Arrow keys move the selection along choices (Right: to a
target, Left: to a node that leads here, Up/Down: to the previous/next of those). Ctrl+wheel,
Ctrl+= and Ctrl+- zoom, F or Ctrl+0 fits the map, Ctrl+F finds a node, the middle button pans;
Arrange (Ctrl+Shift+R) lays out every card again (story_layout), one undoable step. A new card
goes right of the selected card (below any card there), else in the visible area.

Choice analytics (`set_shares`): each arrow's thickness follows the share of people who took
that choice (1-8 px), and a label gives it ("62%") from LABELS_FROM (0.5x) zoom up. The label
sits on the arrow LABEL_AT px after it leaves its card, not at its middle: a card's arrows leave
it apart, while the middles of arrows into one card crowd together (labels overlapped there); an arrow whose share is withheld (too few people) or unknown (a choice added or reworded
since) is thin and light, with no label. Widths are whole pixels so the arrow layer still draws
a batch with a few pens.

Performance: one item per card (DeviceCoordinateCache) and per choice (a path item); an edit
updates only the cards the document reports changed, and moving a card re-routes only its own
arrows. Too small to read (below 0.3x), cards are drawn without text; below FAR (0.25x) the
arrows are drawn by one ArrowLayer (a path per batch and pen, cached as a picture), so a frame of dragging a card of
the whole 2,000-node map in view copies that picture and draws only the dragged card's arrows
(benchmarks/story_map.py). An arrow that passes other cards' columns runs through the gaps
between their cards (story_layout.Columns), found again once cards have moved, not while a card
is being dragged. Cards with no saved position are laid out by
trainer.core.story_layout; moving any card saves the positions of every card then shown, in the
same undo step, so the file keeps the map its author saw.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QCompleter,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyleOptionGraphicsItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from trainer.core.scenario_doc import Change, ScenarioDoc
from trainer.core.story_layout import (
    CARD_HEIGHT,
    CARD_WIDTH,
    GAP_X,
    GAP_Y,
    Columns,
    layered_layout,
    place_cards,
)

W, H = CARD_WIDTH, CARD_HEIGHT
HANDLE_RADIUS = 7
HANDLE_TIP = "Drag to another card to add a choice leading there"
HINT = (
    "Drag from ⊕ (or Shift-drag a card) onto another card to link them; double-click a card to "
    "edit it."
)
MIN_SCALE, MAX_SCALE = 0.04, 4.0
FAR = 0.25  # below this scale the map is drawn for its shape: arrows in one layer, no text
LABELS_FROM = 0.5  # share labels on arrows are drawn from this scale up
LABEL_AT = 32  # how far along its arrow a share label sits
BATCHES = 32
# Looked up once: an enum member read through its class costs a Python call, and these are read
# for every card and arrow when a map opens.
_MOVED = QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged
_DASH = Qt.PenStyle.DashLine
_ROUND = Qt.PenCapStyle.RoundCap
_MARKDOWN = re.compile(r"[*_`#>\[\]]+")

INK = QColor("#1f2328")
MUTED = QColor("#57606a")
CARD = QColor("#ffffff")
ENDING = {"success": QColor("#e6f4ea"), "partial": QColor("#fff4d6"), "failure": QColor("#fde7e7")}
GHOST = QColor("#f6f8fa")
BORDER = QColor("#8c959f")
ACCENT = QColor("#0a57c2")
BROKEN = QColor("#b3261e")
ARROW = QColor("#6e7781")
NEUTRAL = QColor("#b4bcc5")  # an arrow with no share to show (too few people, or changed)
_UNKNOWN = object()


def _snippet(text: str, words: int = 18) -> str:
    return " ".join(_MARKDOWN.sub("", text).split()[:words])


class NodeCard(QGraphicsRectItem):
    """One node, ending or missing target. Drawn from strings set by the canvas; never reads
    the document itself. A rect item only so that its bounding rect is answered in C++: a
    Python boundingRect() is called for every visible card on every frame."""

    def __init__(self, canvas: StoryMapCanvas, node_id: str, kind: str = "node") -> None:
        super().__init__(-2, -2, W + HANDLE_RADIUS + 4, H + 4)
        self.setPen(Qt.PenStyle.NoPen)
        self.canvas, self.node_id, self.kind = canvas, node_id, kind
        self.title, self.badge, self.lines, self.mark = node_id, "", [""], ""
        self.outcome = ""
        self.is_start = False
        self.batch = zlib.crc32(node_id.encode()) % BATCHES  # its arrows' batch in the layer
        self._linking = False
        self._pressed_at = QPointF()
        flags = QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
        if kind != "missing":
            flags |= (
                QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
            )
        self.setFlags(flags)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(1)

    def set_content(self, entry: dict[str, Any] | None, is_start: bool, mark: str) -> None:
        if self.kind == "missing":
            self.title, self.badge = f"missing: {self.node_id}", "Missing"
            self.lines = ["A choice leads here, but no", "node or ending has this id."]
        elif self.kind == "ending":
            assert entry is not None
            self.outcome = str(entry.get("outcome", ""))
            self.title, self.badge = self.node_id, "Ending"
            self.lines = [f"{self.outcome}: {entry.get('title', '')}", ""]
            self.lines[1] = _snippet(str(entry.get("debrief", "")), 12)
        else:
            assert entry is not None
            speaker = entry.get("speaker")
            text = _snippet(str(entry.get("text", "")))
            self.title, self.badge = self.node_id, "Start" if is_start else ""
            self.lines = [f"{speaker}: {text}" if speaker else text]
        self.is_start, self.mark = is_start, mark
        shown = (self.title, self.badge, tuple(self.lines), mark, self.outcome, is_start)
        if shown == getattr(self, "_shown", None):
            return  # unchanged: keep the cached picture
        self._shown = shown
        self.setToolTip(f"{self.title}\n{' '.join(self.lines)}" + (f"\n{mark}" if mark else ""))
        self.update()

    def handle_center(self) -> QPointF:
        return QPointF(W, H / 2)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        selected = self.isSelected()
        fill = CARD
        if self.kind == "ending":
            fill = ENDING.get(self.outcome, ENDING["partial"])
        elif self.kind == "missing":
            fill = GHOST
        pen = QPen(ACCENT if selected else BROKEN if self.kind == "missing" else BORDER)
        pen.setWidthF(3 if selected or self.is_start else 1.2)
        if self.kind == "missing":
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(0.5, 0.5, W - 1, H - 1), 6, 6)
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        if lod < 0.3:
            return  # too small to read: the shape is enough
        title_font = QFont(painter.font())
        title_font.setPixelSize(13)
        title_font.setBold(True)
        body_font = QFont(title_font)
        body_font.setBold(False)
        body_font.setPixelSize(12)
        painter.setFont(title_font)
        metrics = QFontMetrics(title_font)
        badge_width = metrics.horizontalAdvance(self.badge) + 10 if self.badge else 0
        if self.badge:
            badge = QRectF(W - badge_width - 6, 5, badge_width, 18)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(INK if self.badge in ("Start", "Ending") else BROKEN)
            painter.drawRoundedRect(badge, 4, 4)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, self.badge)
        painter.setPen(INK)
        title_room = W - 16 - badge_width - (6 if badge_width else 0)
        title = metrics.elidedText(self.title, Qt.TextElideMode.ElideRight, int(title_room))
        painter.drawText(QRectF(8, 5, title_room, 18), Qt.AlignmentFlag.AlignVCenter, title)
        painter.setFont(body_font)
        body = QFontMetrics(body_font)
        lines = [*self.lines]
        if self.mark:
            lines = [lines[0], f"⚠ {self.mark}"]
        painter.setPen(MUTED)
        text = " ".join(lines) if len(lines) == 1 else None
        if text is not None:
            painter.drawText(
                QRectF(8, 26, W - 16, H - 30),
                int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap),
                body.elidedText(text, Qt.TextElideMode.ElideRight, (W - 16) * 3 - 40),
            )
        else:
            for k, line in enumerate(lines[:3]):
                if k == 1 and self.mark:
                    painter.setPen(BROKEN)
                painter.drawText(
                    QRectF(8, 26 + k * 17, W - 16, 17),
                    Qt.AlignmentFlag.AlignVCenter,
                    body.elidedText(line, Qt.TextElideMode.ElideRight, W - 16),
                )
        if self.kind == "node":
            painter.setPen(QPen(ACCENT, 1.5))
            painter.setBrush(QColor("#ffffff"))
            painter.drawEllipse(self.handle_center(), HANDLE_RADIUS - 1, HANDLE_RADIUS - 1)
            painter.drawLine(QPointF(W - 3, H / 2), QPointF(W + 3, H / 2))
            painter.drawLine(QPointF(W, H / 2 - 3), QPointF(W, H / 2 + 3))

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:  # noqa: N802
        if change == _MOVED:
            self.canvas._card_moved(self)
        return value  # what QGraphicsItem.itemChange returns, without a call into it

    def _on_handle(self, pos: QPointF) -> bool:
        return QLineF(pos, self.handle_center()).length() <= HANDLE_RADIUS + 2

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if (
            self.kind == "node"
            and event.button() == Qt.MouseButton.LeftButton
            and (self._on_handle(event.pos()) or shift)
        ):
            self._linking = True
            self.canvas._begin_link(self, event.scenePos())
            event.accept()
            return
        self._pressed_at = self.pos()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._linking:
            self.canvas._drag_link(event.scenePos())
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._linking:
            self._linking = False
            self.canvas._end_link(event.scenePos())
            return
        super().mouseReleaseEvent(event)
        if self.pos() != self._pressed_at:
            self.canvas._cards_dropped()
        self.canvas._settle()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.kind != "missing":
            self.canvas.node_activated.emit(self.node_id)


class ChoiceArrow(QGraphicsPathItem):
    """One choice: from its place on the source card's right edge to the target's left edge."""

    def __init__(self, source: NodeCard, index: int, count: int, target: str) -> None:
        super().__init__()
        self.source, self.index, self.count, self.target = source, index, count, target
        self.broken = False
        self.highlighted = False
        self.label: ShareLabel | None = None  # the share, when analytics are shown
        self.setZValue(0)
        self._style()
        self.show_if_drawn_alone()

    def _style(self) -> None:
        canvas = self.source.canvas
        color = BROKEN if self.broken else ACCENT if self.highlighted else ARROW
        width, far_width = (3.2, 2) if self.highlighted else (1.4, 0)
        share: Any = None
        if canvas._shares is not None:
            share = canvas._shares.get((self.source.node_id, self.index), _UNKNOWN)
            if not isinstance(share, float):
                width, far_width, share = 1, 0, None
                if not (self.broken or self.highlighted):
                    color = NEUTRAL
            else:
                width = round(1 + 7 * share) + (1 if self.highlighted else 0)
                far_width = max(2 if self.highlighted else 0, (width - 1) // 2)
        self._show_share(share)
        pen = QPen(color, width)
        if canvas.far:
            pen.setWidthF(far_width)  # cosmetic: the fast way to draw lines
            pen.setCosmetic(True)
        if self.broken:
            pen.setStyle(_DASH)
        pen.setCapStyle(_ROUND)
        self.setPen(pen)
        self.setZValue(0.5 if self.highlighted else 0)
        self.source.canvas._arrow_changed(self)

    def restyle(self) -> None:
        self._style()

    def drop_label(self) -> None:
        if self.label is not None:
            self.source.canvas.scene().removeItem(self.label)
            self.label = None

    def _show_share(self, share: float | None) -> None:
        if share is None:
            self.drop_label()
            return
        text = f"{round(share * 100)}%"
        if self.label is None:
            self.label = ShareLabel()
            self.source.canvas.scene().addItem(self.label)
            self.label.setVisible(self.source.canvas._labels_shown)
            self._place_label()
        self.label.set_text(text)

    def set_state(self, broken: bool, highlighted: bool) -> None:
        if (broken, highlighted) != (self.broken, self.highlighted):
            self.broken, self.highlighted = broken, highlighted
            self._style()
            self.show_if_drawn_alone()

    def show_if_drawn_alone(self) -> None:
        """Far out, the arrow layer draws every arrow; this item is shown only on top of it
        (highlighted) or instead of it (while its card is dragged)."""
        canvas = self.source.canvas
        self.setVisible(not canvas.far or self.highlighted or self in canvas._live)

    def route(self, end_item: QGraphicsItem) -> None:
        s = self.source.pos()
        start = QPointF(s.x() + W, s.y() + H * (self.index + 1) / (self.count + 1))
        e = end_item.pos()
        end = QPointF(e.x() - 2, e.y() + H / 2)
        path = QPainterPath(start)
        canvas = self.source.canvas
        if end_item is self.source:  # a choice that leads back to its own node
            top = s.y() - 36
            path.cubicTo(QPointF(s.x() + W + 60, top), QPointF(s.x() - 60, top), end)
        else:
            lane: list[tuple[float, float]] = []
            if end.x() - start.x() > W:  # room for cards between: run through their gaps
                canvas._long.add(self)
                lane = canvas._lanes().lane((start.x(), start.y()), (end.x(), end.y()))
            else:
                canvas._long.discard(self)
            at = start  # where the path is; a level run is drawn as one line, to its end
            level_to: QPointF | None = None
            for (x0, y0), (x1, y1) in zip(lane[::2], lane[1::2], strict=True):
                if y0 != at.y():
                    if level_to is not None:
                        path.lineTo(level_to)
                        at = level_to
                    _bend(path, at, QPointF(x0, y0))
                    at = QPointF(x0, y0)
                level_to = QPointF(x1, y1)
            if level_to is not None:
                path.lineTo(level_to)
                at = level_to
            _bend(path, at, end)
        self._label_at = self._label_point(path) if self.label is not None else None
        path.moveTo(end.x() - 9, end.y() - 5)
        path.lineTo(end)
        path.lineTo(end.x() - 9, end.y() + 5)
        self.setPath(path)
        if self.label is not None:
            self._place_label()
        canvas._arrow_changed(self)

    @staticmethod
    def _label_point(path: QPainterPath) -> QPointF:
        """About LABEL_AT px along the path's first piece (worked out here: asking the path
        for a point at a length took a third of the time analytics take to switch on)."""
        p0, p1 = path.elementAt(0), path.elementAt(1)
        if not p1.isCurveTo():  # a level line
            return QPointF(p0.x + min(LABEL_AT, abs(p1.x - p0.x) / 2), p0.y)
        p2, p3 = path.elementAt(2), path.elementAt(3)
        pull = 3 * abs(p1.x - p0.x)
        t = min(0.5, LABEL_AT / pull) if pull else 0.5
        a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t**3
        return QPointF(
            a * p0.x + b * p1.x + c * p2.x + d * p3.x, a * p0.y + b * p1.y + c * p2.y + d * p3.y
        )

    def _place_label(self) -> None:
        assert self.label is not None
        at = getattr(self, "_label_at", None)
        if at is None:
            if self.path().isEmpty():
                return  # not routed yet: route() places it
            at = self._label_point(self.path())
        self.label.setPos(at)


class ShareLabel(QGraphicsRectItem):
    """The share of people on a choice's arrow, on a light plate so that it reads over lines;
    centred on the point it is placed at. A rect item, as NodeCard is: its bounding rect is
    answered in C++ (a Python boundingRect() on a few thousand labels took 35 ms a frame). Not a
    child of its arrow: a scene walks children on every paint, at a cost per child."""

    FONT: ClassVar[QFont | None] = (
        None  # made once, on the first label (a QFont needs the application)
    )
    WIDTHS: ClassVar[dict[str, float]] = {}  # of each text: there are 101 of them

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        if ShareLabel.FONT is None:
            font = QFont()
            font.setPixelSize(11)
            font.setBold(True)
            ShareLabel.FONT = font
        self.setPen(Qt.PenStyle.NoPen)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(0.7)  # over the arrows, under the cards

    def set_text(self, text: str) -> None:
        if text != self.text:
            self.text = text
            width = ShareLabel.WIDTHS.get(text)
            if width is None:
                assert ShareLabel.FONT is not None
                width = QFontMetrics(ShareLabel.FONT).horizontalAdvance(text) + 8
                ShareLabel.WIDTHS[text] = width
            self.setRect(QRectF(-width / 2 - 1, -9, width + 2, 18))
            self.update()

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        plate = self.rect().adjusted(1, 1, -1, -1)
        painter.setPen(QPen(NEUTRAL, 1))
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawRoundedRect(plate, 3, 3)
        assert ShareLabel.FONT is not None
        painter.setFont(ShareLabel.FONT)
        painter.setPen(INK)
        painter.drawText(plate, Qt.AlignmentFlag.AlignCenter, self.text)


def _bend(path: QPainterPath, start: QPointF, end: QPointF) -> None:
    """A curve leaving `start` and reaching `end` level."""
    bend = max(40.0, abs(end.x() - start.x()) / 2)
    path.cubicTo(QPointF(start.x() + bend, start.y()), QPointF(end.x() - bend, end.y()), end)


class ArrowLayer(QGraphicsItem):
    """Every arrow of a map zoomed far out, as one item: a few thousand arrow items cost more to
    repaint than a frame has (measured with benchmarks/story_map.py), one path per pen is quick,
    and the layer's cached picture makes a drag frame a copy of it. The arrows are kept in
    BATCHES by their source card, so a change re-builds the paths of a few batches only; the
    arrows of a dragged card leave the layer and are drawn by their own items meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self._batches: dict[int, list[tuple[QPen, QPainterPath]]] = {}
        self._rect = QRectF()
        self.setZValue(0)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_batch(self, batch: int, arrows: list[ChoiceArrow]) -> None:
        paths: dict[tuple[int, float, int], tuple[QPen, QPainterPath]] = {}
        for arrow in arrows:
            pen = arrow.pen()
            key = (pen.color().rgba(), pen.widthF(), pen.style().value)
            if key not in paths:
                paths[key] = (pen, QPainterPath())
            paths[key][1].addPath(arrow.path())
        self.prepareGeometryChange()
        self._batches[batch] = list(paths.values())
        rect = QRectF()
        for drawn in self._batches.values():
            for _, path in drawn:
                rect = rect.united(path.controlPointRect())
        self._rect = rect.adjusted(-3, -3, 3, 3)
        self.update()

    def paths(self) -> list[QPainterPath]:
        """What the layer draws (one path per batch and pen)."""
        return [path for drawn in self._batches.values() for _, path in drawn]

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for drawn in self._batches.values():
            for pen, path in drawn:
                painter.setPen(pen)
                painter.drawPath(path)


class StoryMapCanvas(QGraphicsView):
    """The map itself (see the module docstring)."""

    node_activated = Signal(str)
    selection_changed = Signal(list)
    find_requested = Signal()

    def __init__(self, doc: ScenarioDoc, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setAccessibleName("Story map")
        self.setScene(QGraphicsScene(self))
        # No BSP index: a dragged card re-indexes itself and its arrows on every mouse move,
        # which cost more than the plain scan a paint or a click does over a few thousand items
        # (measured with benchmarks/story_map.py).
        self.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setBackgroundBrush(QColor("#eef1f4"))
        self.far = False  # zoomed far out: arrows drawn as plain lines, by the layer
        self._layer = ArrowLayer()
        self._layer.setVisible(False)
        self.scene().addItem(self._layer)
        self._live: set[ChoiceArrow] = set()  # far out: arrows drawn by their own items
        self._dirty: set[int] = set()  # batches of the layer to build again
        self._columns: Columns | None = None  # the cards' columns that long arrows pass
        self._moved = False  # a card moved, came or went since the columns were found
        self._long: set[ChoiceArrow] = set()  # arrows long enough to pass other cards
        self._cards: dict[str, NodeCard] = {}
        self._ghosts: dict[str, NodeCard] = {}
        self._out: dict[str, list[ChoiceArrow]] = {}
        self._in: dict[str, set[ChoiceArrow]] = {}
        self._placed: dict[str, QPointF] = {}  # where cards with no saved position are shown
        # Where the next new card goes: right of this card (None: of the selected card; "":
        # in the visible area), below any card already there.
        self.place_near: str | None = None
        self._marks: dict[str, str] = {}
        self._shares: dict[tuple[str, int], float | None] | None = None  # None: not shown
        self._labels_shown = True  # share labels: only from LABELS_FROM zoom up
        self._lit: set[ChoiceArrow] = set()
        self._start = doc.start
        self._link_line: QGraphicsLineItem | None = None
        self._link_from: NodeCard | None = None
        self._siblings: list[str] = []
        self._pan_from: QPointF | None = None
        self._build()
        self.scene().selectionChanged.connect(self._on_scene_selection_changed)
        doc.subscribe(self._on_doc_changed)

    def detach(self) -> None:
        """Stop following the document (call before dropping the map)."""
        self.doc.unsubscribe(self._on_doc_changed)

    # --- reading (tests, studio)

    def card(self, node_id: str) -> NodeCard | None:
        return self._cards.get(node_id)

    def ghost(self, node_id: str) -> NodeCard | None:
        return self._ghosts.get(node_id)

    def arrows_from(self, node_id: str) -> list[ChoiceArrow]:
        return list(self._out.get(node_id, ()))

    def arrows_to(self, node_id: str) -> list[ChoiceArrow]:
        return sorted(self._in.get(node_id, ()), key=lambda a: (a.source.node_id, a.index))

    def selected_ids(self) -> list[str]:
        return [i.node_id for i in self.scene().selectedItems() if isinstance(i, NodeCard)]

    # --- building and following the document

    def _build(self) -> None:
        doc = self.doc
        ids = doc.ids()
        fixed = {i: p for i in ids if (p := doc.position(i)) is not None}
        edges = {n: doc.targets(n) for n in doc.node_ids()}
        places = place_cards(ids, edges, doc.start, doc.ending_ids(), fixed)
        for node_id in ids:
            if node_id not in fixed:
                self._placed[node_id] = QPointF(*places[node_id])
            self._add_card(node_id)
        targets: set[str] = set()
        for node_id in ids:
            targets |= self._rebuild_arrows(node_id)
        for target in targets:
            self._sync_target(target)
        self._reroute_long()
        self._update_scene_rect()

    def _add_card(self, node_id: str) -> NodeCard:
        card = NodeCard(self, node_id, "ending" if self.doc.is_ending(node_id) else "node")
        card.set_content(self.doc.entry(node_id), node_id == self.doc.start, "")
        saved = self.doc.position(node_id)
        if saved is None and node_id not in self._placed:
            self._placed[node_id] = self._free_spot()
        card.setPos(QPointF(*saved) if saved is not None else self._placed[node_id])
        self.scene().addItem(card)
        self._cards[node_id] = card
        self._moved = True
        return card

    def _free_spot(self) -> QPointF:
        """Right of the selected card (or of `place_near`), else the view's centre; moved down
        past any card."""
        near = self.selected_ids() if self.place_near is None else [self.place_near]
        selected = [self._cards[i] for i in near if i in self._cards]
        if selected:
            spot = selected[0].pos() + QPointF(W + GAP_X, 0)
        else:
            centre = self.mapToScene(self.viewport().rect().center())
            spot = QPointF(round(centre.x() - W / 2), round(centre.y() - H / 2))
        while any(
            isinstance(i, NodeCard) for i in self.scene().items(QRectF(spot.x(), spot.y(), W, H))
        ):
            spot += QPointF(0, H + GAP_Y)
        return spot

    def _remove_card(self, node_id: str) -> set[str]:
        card = self._cards.pop(node_id)
        self._placed[node_id] = card.pos()  # an undone removal comes back where it was
        targets = self._drop_arrows(node_id)
        self.scene().removeItem(card)
        self._moved = True
        return targets

    def _drop_arrows(self, node_id: str) -> set[str]:
        targets = set()
        for arrow in self._out.pop(node_id, []):
            self._in[arrow.target].discard(arrow)
            self._lit.discard(arrow)
            self._live.discard(arrow)
            self._long.discard(arrow)
            self._arrow_changed(arrow)
            targets.add(arrow.target)
            arrow.drop_label()
            self.scene().removeItem(arrow)
        return targets

    def _rebuild_arrows(self, node_id: str) -> set[str]:
        targets = self._drop_arrows(node_id)
        card = self._cards[node_id]
        if card.kind != "node":
            return targets
        found = self.doc.targets(node_id)
        arrows = []
        for index, target in enumerate(found):
            arrow = ChoiceArrow(card, index, len(found), target)
            self.scene().addItem(arrow)
            self._in.setdefault(target, set()).add(arrow)
            arrows.append(arrow)
            targets.add(target)
        self._out[node_id] = arrows
        return targets

    def _sync_target(self, target: str) -> None:
        """The target's arrows end on its card, or on its "missing" card when it has none."""
        arrows = self._in.get(target, set())
        card = self._cards.get(target)
        ghost = self._ghosts.get(target)
        if card is not None or not arrows:
            if ghost is not None:
                self.scene().removeItem(self._ghosts.pop(target))
                self._moved = True
            if not arrows:
                self._in.pop(target, None)
        elif ghost is None:
            first = min(arrows, key=lambda a: (a.source.node_id, a.index))
            ghost = NodeCard(self, target, "missing")
            ghost.set_content(None, False, "")
            spot = first.source.pos() + QPointF(W + GAP_X / 2, H + GAP_Y)
            while any(
                isinstance(i, NodeCard)
                for i in self.scene().items(QRectF(spot.x(), spot.y(), W, H))
            ):
                spot += QPointF(0, H + GAP_Y)
            ghost.setPos(spot)
            self.scene().addItem(ghost)
            self._ghosts[target] = ghost
            self._moved = True
        end: QGraphicsItem | None = card or ghost
        for arrow in arrows:
            if end is not None:
                arrow.set_state(card is None, arrow in self._lit)
                arrow.route(end)

    def _on_doc_changed(self, change: Change) -> None:
        was_selected = set(self.selected_ids())
        targets: set[str] = set()
        for node_id in sorted(change.ids):
            if not self.doc.has(node_id) and node_id in self._cards:
                targets |= self._remove_card(node_id)
                targets.add(node_id)  # its incoming arrows now end on a "missing" card
        for node_id in sorted(change.ids):
            if not self.doc.has(node_id):
                continue
            card = self._cards.get(node_id)
            kind = "ending" if self.doc.is_ending(node_id) else "node"
            if card is not None and card.kind != kind:
                targets |= self._remove_card(node_id)
                card = None
            if card is None:
                card = self._add_card(node_id)
                targets.add(node_id)  # its incoming arrows leave their "missing" card
            else:
                saved = self.doc.position(node_id)
                spot = QPointF(*saved) if saved is not None else self._placed.get(node_id)
                if spot is not None and card.pos() != spot:
                    card.setPos(spot)
            if [a.target for a in self._out.get(node_id, ())] != (
                self.doc.targets(node_id) if kind == "node" else []
            ):
                targets |= self._rebuild_arrows(node_id)
        if change.scenario and self.doc.start != self._start:
            old, self._start = self._start, self.doc.start
            for node_id in (old, self._start):
                if node_id in self._cards:
                    self._refresh(node_id)
        for node_id in change.ids:
            if node_id in self._cards:
                self._refresh(node_id)
        for target in targets:
            self._sync_target(target)
        if change.renamed and change.renamed[0] in was_selected:
            self.select_node(change.renamed[1])
        self._reroute_long()
        self._update_scene_rect()
        self._on_scene_selection_changed()
        self._settle()

    def _refresh(self, node_id: str) -> None:
        self._cards[node_id].set_content(
            self.doc.entry(node_id), node_id == self.doc.start, self._marks.get(node_id, "")
        )

    def set_marks(self, marks: dict[str, str]) -> None:
        """Show a short finding on each of these cards (and none on the others)."""
        changed = set(self._marks) | set(marks)
        self._marks = dict(marks)
        for node_id in changed:
            if node_id in self._cards:
                self._refresh(node_id)

    def set_shares(self, shares: dict[tuple[str, int], float | None] | None) -> None:
        """Draw each arrow by the share of people who took its choice: {(node_id, index):
        share}, None where too few people chose there; a choice not in it has no share (new or
        changed). None: back to the plain arrows. Only arrows whose share changed are
        restyled, so this is cheap to call after every edit."""
        old, self._shares = self._shares, None if shares is None else dict(shares)
        for node_id, arrows in self._out.items():
            for arrow in arrows:
                key = (node_id, arrow.index)
                before = _UNKNOWN if old is None else old.get(key, _UNKNOWN)
                after = _UNKNOWN if shares is None else shares.get(key, _UNKNOWN)
                if (old is None) != (shares is None) or before != after:
                    arrow.restyle()
        self._flush()
        self.setAccessibleDescription(self._describe(self.selected_ids()))

    def share_text(self, node_id: str, index: int) -> str:
        """What the map shows for a choice's share: "62%", "few plays" (withheld), or ""."""
        if self._shares is None:
            return ""
        share = self._shares.get((node_id, index), _UNKNOWN)
        return (
            f"{round(share * 100)}%"
            if isinstance(share, float)
            else ("few plays" if share is None else "")
        )

    def _update_scene_rect(self) -> None:
        items = [*self._cards.values(), *self._ghosts.values()]
        if not items:
            self.setSceneRect(QRectF(-400, -300, 800, 600))
            return
        xs = [i.pos().x() for i in items]
        ys = [i.pos().y() for i in items]
        bounds = QRectF(min(xs), min(ys), max(xs) - min(xs) + W, max(ys) - min(ys) + H)
        self._bounds = bounds
        self.setSceneRect(bounds.adjusted(-600, -400, 600, 400))

    def content_rect(self) -> QRectF:
        return QRectF(self._bounds) if self._cards or self._ghosts else QRectF()

    # --- moving cards and drawing links

    def _card_moved(self, card: NodeCard) -> None:
        if card.kind == "missing":
            return
        self._moved = True
        if self.far:  # its arrows leave the layer while it moves
            for arrow in (*self._out.get(card.node_id, ()), *self._in.get(card.node_id, ())):
                if arrow not in self._live:
                    self._arrow_changed(arrow)
                    self._live.add(arrow)
                    arrow.show_if_drawn_alone()
            self._flush()
        for arrow in self._out.get(card.node_id, ()):
            end = self._cards.get(arrow.target) or self._ghosts.get(arrow.target)
            if end is not None:
                arrow.route(end)
        for arrow in self._in.get(card.node_id, ()):
            arrow.route(card)

    def _lanes(self) -> Columns:
        """The columns as the cards stood after the last change (a dragged card counts where
        it was picked up: finding them again every frame would cost more than the frame)."""
        if self._columns is None:
            items = (*self._cards.values(), *self._ghosts.values())
            self._columns = Columns((i.pos().x(), i.pos().y()) for i in items)
        return self._columns

    def _reroute_long(self) -> None:
        """After cards moved, came or went: the long arrows find their way again."""
        if not self._moved:
            return
        self._moved, self._columns = False, None
        for arrow in list(self._long):
            end = self._cards.get(arrow.target) or self._ghosts.get(arrow.target)
            if end is not None:
                arrow.route(end)

    def _arrow_changed(self, arrow: ChoiceArrow) -> None:
        if self.far and arrow not in self._live:
            self._dirty.add(arrow.source.batch)

    def _flush(self) -> None:
        """Build the layer's changed batches again."""
        if not (self.far and self._dirty):
            return
        drawn: dict[int, list[ChoiceArrow]] = {batch: [] for batch in self._dirty}
        for node_id, arrows in self._out.items():
            batch = drawn.get(self._cards[node_id].batch)
            if batch is not None:
                batch.extend(a for a in arrows if a not in self._live)
        for batch, arrows in drawn.items():
            self._layer.set_batch(batch, arrows)
        self._dirty.clear()

    def _settle(self) -> None:
        """Arrows drawn on their own while their cards moved go back into the layer, and the
        layer shows every change."""
        settled, self._live = self._live, set()
        for arrow in settled:
            self._arrow_changed(arrow)
            arrow.show_if_drawn_alone()
        self._flush()

    def _cards_dropped(self) -> None:
        """Save where the cards now are: the moved ones, and every card still shown at a
        layout place (so the file keeps the whole map its author saw)."""
        moves: dict[str, tuple[int, int]] = {}
        moved = []
        for node_id, card in self._cards.items():
            saved = self.doc.position(node_id)
            here = (round(card.pos().x()), round(card.pos().y()))
            if saved is None or saved != here:
                moves[node_id] = here
            if saved != here and (saved is not None or card.pos() != self._placed.get(node_id)):
                moved.append(node_id)
        if not moved:
            return
        text = f"Move '{moved[0]}'" if len(moved) == 1 else f"Move {len(moved)} cards"
        self.doc.move_nodes(moves, text)

    def _begin_link(self, card: NodeCard, at: QPointF) -> None:
        self._link_from = card
        start = card.pos() + card.handle_center()
        self._link_line = QGraphicsLineItem(QLineF(start, at))
        self._link_line.setPen(QPen(ACCENT, 2, Qt.PenStyle.DashLine))
        self._link_line.setZValue(3)
        self.scene().addItem(self._link_line)

    def _drag_link(self, at: QPointF) -> None:
        if self._link_line is not None:
            line = self._link_line.line()
            self._link_line.setLine(QLineF(line.p1(), at))

    def _end_link(self, at: QPointF) -> None:
        source, line = self._link_from, self._link_line
        self._link_from, self._link_line = None, None
        if line is not None:
            self.scene().removeItem(line)
        target = next(
            (i for i in self.scene().items(at) if isinstance(i, NodeCard) and i.kind != "missing"),
            None,
        )
        if source is not None and target is not None and target is not source:
            self.doc.add_choice(source.node_id, target.node_id)

    # --- selection, finding, zoom

    def select_node(self, node_id: str) -> None:
        item = self._cards.get(node_id) or self._ghosts.get(node_id)
        if item is None:
            return
        self.scene().clearSelection()
        item.setSelected(True)

    def go_to(self, node_id: str) -> bool:
        item = self._cards.get(node_id) or self._ghosts.get(node_id)
        if item is None:
            return False
        self.select_node(node_id)
        if self.transform().m11() < 0.5:
            self.set_scale(1.0)
        self.centerOn(item.sceneBoundingRect().center())
        self.setFocus()
        return True

    def _on_scene_selection_changed(self) -> None:
        selected = self.selected_ids()
        lit: set[ChoiceArrow] = set()
        if len(selected) <= 50:
            for node_id in selected:
                lit.update(self._out.get(node_id, ()))
                lit.update(self._in.get(node_id, ()))
        for arrow in self._lit - lit:
            arrow.set_state(arrow.broken, False)
        for arrow in lit - self._lit:
            arrow.set_state(arrow.broken, True)
        self._lit = lit
        self.setAccessibleDescription(self._describe(selected))
        self.selection_changed.emit(selected)

    def _describe(self, selected: list[str]) -> str:
        """A text equivalent of what the selection shows on the map."""
        if len(selected) != 1:
            return f"{len(self._cards)} cards; {len(selected)} selected"
        node_id = selected[0]
        if node_id in self._ghosts:
            return f"missing: {node_id}, a target no node or ending has"
        kind = "ending" if self.doc.is_ending(node_id) else "node"
        start = ", the start" if node_id == self.doc.start else ""
        out = len(self._out.get(node_id, ()))
        into = len(self._in.get(node_id, ()))
        shares = ""
        if self._shares is not None and out:
            texts = [self.share_text(node_id, i) or "no share" for i in range(out)]
            shares = "; taken by " + ", ".join(texts)
        return f"{node_id}: {kind}{start}, {out} choices out, {into} in{shares}"

    def set_scale(self, scale: float) -> None:
        scale = max(MIN_SCALE, min(MAX_SCALE, scale))
        self.setTransform(self.transform().fromScale(scale, scale))
        self._smooth()

    def _smooth(self) -> None:
        """Smooth edges and scaled pens only where they can be seen: zoomed far out, a big map
        repaints in a fraction of the time with plain one-pixel lines."""
        scale = self.transform().m11()
        self.setRenderHint(QPainter.RenderHint.Antialiasing, scale >= 0.4)
        labels = scale >= LABELS_FROM
        if labels != self._labels_shown:
            self._labels_shown = labels
            for arrows in self._out.values():
                for arrow in arrows:
                    if arrow.label is not None:
                        arrow.label.setVisible(labels)
        far = scale < FAR
        if far != self.far:
            self.far = far
            self._live.clear()
            for arrows in self._out.values():
                for arrow in arrows:
                    arrow.restyle()
                    arrow.show_if_drawn_alone()
            self._layer.setVisible(far)
            self._dirty = set(range(BATCHES)) if far else set()
            self._flush()

    def zoom_by(self, factor: float) -> None:
        self.set_scale(self.transform().m11() * factor)

    def fit(self) -> None:
        if not (self._cards or self._ghosts):
            return
        self.fitInView(
            self.content_rect().adjusted(-30, -30, 30, 30), Qt.AspectRatioMode.KeepAspectRatio
        )
        if self.transform().m11() > 1.5:
            self.set_scale(1.5)
            self.centerOn(self.content_rect().center())
        self._smooth()

    def open_view(self) -> None:
        """The first view of a map: all of it when that stays readable, else the start at 100%."""
        # Measured before fitting: a fit far out and back would build the arrow layer for
        # nothing (a fifth of the time a 2,000-node map takes to open).
        room = self.viewport().rect().adjusted(2, 2, -2, -2)
        content = self.content_rect().adjusted(-30, -30, 30, 30)
        if min(room.width() / content.width(), room.height() / content.height()) >= 0.55:
            self.fit()
        else:
            self.set_scale(1.0)
            start = self._cards.get(self.doc.start)
            if start is not None:
                target = start.sceneBoundingRect()
                view = self.viewport().rect()
                self.centerOn(target.left() - 40 + view.width() / 2, target.center().y())

    def tool_tip_at(self, at: QPointF) -> str | None:
        """The ⊕ handle's own tooltip (it is painted by its card, not an item of its own, so
        a 2,000-card map has no extra items); None: the card's or nothing."""
        for item in self.scene().items(at):
            if isinstance(item, NodeCard):
                on_handle = item.kind == "node" and item._on_handle(item.mapFromScene(at))
                return HANDLE_TIP if on_handle else None
        return None

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.tool_tip_at(self.mapToScene(event.pos()))
            if tip is not None:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
                return True
        return super().viewportEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(1.15 ** (event.angleDelta().y() / 120))
            event.accept()
            return
        super().wheelEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None and event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # --- keyboard

    def _command(self, event: QKeyEvent) -> Callable[[], None] | None:
        """What a Ctrl-key does on the map. Handled here rather than as window shortcuts, so
        they work whenever the map has focus and never clash with the studio's own."""
        combo = event.keyCombination()
        for sequence, action in (
            ("Ctrl+Z", self.doc.undo),
            ("Ctrl+Shift+Z", self.doc.redo),
            ("Ctrl+Y", self.doc.redo),
            ("Ctrl+=", lambda: self.zoom_by(1.25)),
            ("Ctrl++", lambda: self.zoom_by(1.25)),
            ("Ctrl+Shift++", lambda: self.zoom_by(1.25)),
            ("Ctrl+-", lambda: self.zoom_by(1 / 1.25)),
            ("Ctrl+0", self.fit),
            ("Ctrl+Shift+R", self.arrange),
            ("Ctrl+F", self.find_requested.emit),
        ):
            if QKeySequence(sequence)[0] == combo:
                return action
        return None

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._command(event) is not None
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        command = self._command(event)
        if command is not None:
            command()
            return
        key = event.key()
        selected = self.selected_ids()
        current = selected[0] if len(selected) == 1 else None
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current in self._cards:
            self.node_activated.emit(current)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and selected:
            self.remove_selected()
        elif key == Qt.Key.Key_F and not event.modifiers():
            self.fit()
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._step(key, current)
        elif key == Qt.Key.Key_Escape:
            self.scene().clearSelection()
        else:
            super().keyPressEvent(event)

    def arrange(self) -> None:
        """Lay out every card again, left to right by the story (story_layout), as one undoable
        step; then show the whole map."""
        doc = self.doc
        edges = {n: doc.targets(n) for n in doc.node_ids()}
        places = layered_layout(doc.ids(), edges, doc.start, doc.ending_ids())
        with doc.group("Arrange the map"):
            doc.move_nodes(places, "Arrange the map")
        for target in list(self._ghosts):  # a "missing" card follows the card leading to it
            self.scene().removeItem(self._ghosts.pop(target))
            self._sync_target(target)
        self._reroute_long()
        self._update_scene_rect()
        self.fit()

    def remove_selected(self) -> None:
        doomed = [i for i in self.selected_ids() if i in self._cards]
        if not doomed:
            return
        text = f"Remove '{doomed[0]}'" if len(doomed) == 1 else f"Remove {len(doomed)} nodes"
        with self.doc.group(text):
            for node_id in doomed:
                self.doc.remove_node(node_id)

    def _step(self, key: int, current: str | None) -> None:
        if current is None:
            if self.doc.start in self._cards:
                self.go_to(self.doc.start)
            return

        def by_height(ids: list[str]) -> list[str]:
            items = {i: self._cards.get(i) or self._ghosts.get(i) for i in ids}
            found = [i for i, item in items.items() if item is not None]
            return sorted(dict.fromkeys(found), key=lambda i: (items[i].pos().y(), i))  # type: ignore[union-attr]

        if key == Qt.Key.Key_Right:
            options = by_height([a.target for a in self._out.get(current, ())])
        elif key == Qt.Key.Key_Left:
            options = by_height([a.source.node_id for a in self._in.get(current, ())])
        else:
            if current not in self._siblings:
                return
            k = self._siblings.index(current) + (1 if key == Qt.Key.Key_Down else -1)
            if 0 <= k < len(self._siblings):
                self.go_to(self._siblings[k])
            return
        if options:
            self._siblings = options
            self.go_to(options[0])


class StoryMapView(QWidget):
    """The map with its "Go to node" finder and zoom buttons (see the module docstring)."""

    node_activated = Signal(str)
    selection_changed = Signal(list)

    def __init__(self, doc: ScenarioDoc, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.canvas = StoryMapCanvas(doc, self)
        self.finder = QLineEdit()
        self.finder.setPlaceholderText("Go to node (Ctrl+F)")
        self.finder.setAccessibleName("Go to node")
        self.finder.setClearButtonEnabled(True)
        self._completer = QCompleter(sorted(doc.ids()), self.finder)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.finder.setCompleter(self._completer)
        self.finder.returnPressed.connect(self._on_finder_return_pressed)
        self._completer.activated.connect(self._on_completer_activated)
        label = QLabel("&Find:")
        label.setBuddy(self.finder)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.finder, 1)
        for text, name, slot in (
            ("Fit", "Fit the whole map in view (F)", self.canvas.fit),
            ("Arrange", "Arrange all cards by the story (Ctrl+Shift+R)", self.canvas.arrange),
            ("−", "Zoom out (Ctrl+-)", lambda: self.canvas.zoom_by(1 / 1.25)),
            ("+", "Zoom in (Ctrl+=)", lambda: self.canvas.zoom_by(1.25)),
        ):
            button = QPushButton(text)
            button.setAccessibleName(name)
            button.setToolTip(name)
            button.clicked.connect(slot)
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.canvas, 1)
        self.hint = QLabel(HINT)  # how to link cards, for someone who has not read the docs
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("How to link cards")
        layout.addWidget(self.hint)
        self.canvas.node_activated.connect(self.node_activated)
        self.canvas.selection_changed.connect(self.selection_changed)
        doc.subscribe(self._on_doc_changed)
        self.canvas.find_requested.connect(self._focus_finder)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        # The wrapped hint would make the map's height depend on its width, and a page asks a
        # height-for-width widget its preferred height: the whole scene's, taller than the
        # window. The map takes the room it is given; the hint wraps inside it.
        return False

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if not getattr(self, "_opened", False):
            self._opened = True
            self.canvas.open_view()

    def _on_doc_changed(self, change: Change) -> None:
        if change.ids:
            self._completer.model().setStringList(sorted(self.doc.ids()))  # type: ignore[attr-defined]

    def _focus_finder(self) -> None:
        self.finder.setFocus()
        self.finder.selectAll()

    def _on_completer_activated(self, text: str) -> None:
        self.go_to(text)

    def _on_finder_return_pressed(self) -> None:
        text = self.finder.text().strip()
        if self.go_to(text):
            return
        matches = [i for i in self.doc.ids() if text.lower() in i.lower()]
        if matches:
            self.go_to(matches[0])

    def go_to(self, node_id: str) -> bool:
        return self.canvas.go_to(node_id)

    def select_node(self, node_id: str) -> None:
        self.canvas.select_node(node_id)

    def selected_ids(self) -> list[str]:
        return self.canvas.selected_ids()

    def fit(self) -> None:
        self.canvas.fit()

    def zoom_by(self, factor: float) -> None:
        self.canvas.zoom_by(factor)

    def set_marks(self, marks: dict[str, str]) -> None:
        self.canvas.set_marks(marks)

    def detach(self) -> None:
        self.canvas.detach()
        self.doc.unsubscribe(self._on_doc_changed)
