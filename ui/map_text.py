"""Map elements that show data as text: tooltips built with ``textContent``, never ``innerHTML``.

folium's ``Tooltip`` pastes its text into a JavaScript template literal and then into the
tooltip's HTML, and ``GeoJsonTooltip`` writes property values into a table through
``innerHTML``: a zone or project named ``<img src=x onerror=alert(1)>`` (or holding a
backtick and ``${...}``) would run as script in the map. The elements here hand the strings
to the page as JSON (``tojson`` escapes ``<``, ``>``, ``&`` and ``'`` for the script context)
and put them into the tooltip as text nodes.

* :class:`TextTooltip` — one fixed string on a marker or shape;
* :class:`FieldsTooltip` — chosen properties of a GeoJSON layer's features, with labels;
* :func:`layer_name` — a name for Leaflet's layer control, which sets names as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

from branca.element import MacroElement
from folium.template import Template

from ui.escape import html_text

__all__ = ["TextTooltip", "FieldsTooltip", "layer_name"]


def layer_name(name: str) -> str:
    """A layer's name for ``folium.LayerControl``: Leaflet's control writes names with
    ``innerHTML``, so data in a name is escaped here."""
    return html_text(name)


class TextTooltip(MacroElement):
    """A tooltip showing ``text`` as text (bound to the element it is added to): on hover, or
    ``permanent`` beside it."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindTooltip(function () {
            var div = document.createElement('div');
            div.textContent = {{ this.text|tojson }};
            return div;
        }, {{ this.tip_options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str, *, class_name: str = "ez-tip", permanent: bool = False) -> None:
        super().__init__()
        self._name = "TextTooltip"
        self.text = str(text)
        self.class_name = class_name
        # permanent: shown beside its element at all times (an answer), above it; else on hover
        self.tip_options = ({"permanent": True, "direction": "top", "offset": [0, -10], "className": f"{class_name} ez-tip-answer"}
                        if permanent else {"sticky": True, "className": class_name})  # fmt: skip


class FieldsTooltip(MacroElement):
    """A GeoJSON layer's tooltip: ``fields`` of the hovered feature under ``aliases``
    (empty values left out), all as text. Without aliases the values stand alone."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindTooltip(function (layer) {
            var props = (layer && layer.feature && layer.feature.properties) || {};
            var fields = {{ this.fields|tojson }}, aliases = {{ this.aliases|tojson }};
            var div = document.createElement('div');
            var table = document.createElement('table');
            fields.forEach(function (field, i) {
                var value = props[field];
                if (value === null || value === undefined || value === '') { return; }
                var row = table.insertRow();
                if (aliases.length) {
                    var head = document.createElement('th');
                    head.textContent = aliases[i];
                    row.appendChild(head);
                }
                row.insertCell().textContent = typeof value === 'object' ? JSON.stringify(value) : String(value);
            });
            div.appendChild(table);
            return div;
        }, {sticky: true, className: {{ this.class_name|tojson }}});
        {% endmacro %}
        """
    )

    def __init__(self, fields: Sequence[str], aliases: Sequence[str] = (), *, class_name: str = "ez-tip") -> None:
        super().__init__()
        if aliases and len(aliases) != len(fields):
            msg = f"FieldsTooltip: {len(fields)} fields but {len(aliases)} aliases"
            raise ValueError(msg)
        self._name = "FieldsTooltip"
        self.fields = [str(f) for f in fields]
        self.aliases = [str(a) for a in aliases]
        self.class_name = class_name
