"""The thin PySide6 layer: builds widgets, turns events into service calls, shows results."""
