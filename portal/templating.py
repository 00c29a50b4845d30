"""The portal's Jinja environment: Flask's, with one shortcut on the live quote's hot path."""

from __future__ import annotations

from typing import Any

from flask.templating import Environment as FlaskEnvironment

_DICT_ATTRIBUTES = frozenset(dir(dict))


class Environment(FlaskEnvironment):
    """Flask's environment; ``mapping.key`` on a plain dict is read as an item without a failed getattr.

    Jinja resolves ``x.y`` as ``getattr(x, "y")`` and, when that raises AttributeError, as ``x["y"]``.
    A plain dict has no attributes but those of its type, so for every other name the result is the
    same, minus raising and catching an exception: the quote documents the engine returns (plain dicts)
    are read that way dozens of times per live-panel render.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)
