"""Building the embedded illustrative data: provisional water-source zones from intakes
(``delineate``), no-raise zones from their statutory parts (``noraise``), and the
byte-reproducible ``data/zones.gpkg`` (``build_data``).

Build code reads geography and writes zone layers; it never imports the engine's
internals (``zoning.engine``, ``zoning._spatial`` ...), so the engine can change freely.
"""
