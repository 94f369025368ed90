"""Server paths out of text that leaves the server: a file is named, its folders are not.

Messages, notes and reports quote the files they read. Whoever reads a web page, a
downloaded report or an API answer may see the file's name but not where the server keeps
it (``/srv/app/data/zones.gpkg`` tells a visitor the folder layout and the account).
"""

from __future__ import annotations

import re

__all__ = ["scrub_paths"]

#: A path's parts end at white space, quotes, brackets and the punctuation of a sentence.
_PART = r"[^\s/\\'\"`<>|:;,，；：、（）()\[\]{}]+"
#: An absolute POSIX path with at least one folder (not a URL: the slash that starts it must
#: not follow a letter, digit, colon or slash), or a Windows path (C:\...\x).
_ABSOLUTE = re.compile(rf"(?<![\w.:/\\])/(?:{_PART}/)+({_PART})?|\b[A-Za-z]:\\(?:{_PART}\\)+({_PART})?")
#: Device paths name what a thing is (/dev/zero), not where the server keeps its files.
_KEEP = ("/dev/",)


def scrub_paths(text: str) -> str:
    """``text`` with every absolute server path replaced by its last part (the file name).

    >>> scrub_paths("无法打开 /srv/app/data/zones.gpkg（No such file）")
    '无法打开 zones.gpkg（No such file）'
    >>> scrub_paths("'/tmp/gis-io-x1/broken.geojson' not recognized; see http://example.org/a/b")
    "'broken.geojson' not recognized; see http://example.org/a/b"
    >>> scrub_paths("GCJ-02/BD-09 and 中文 / English")
    'GCJ-02/BD-09 and 中文 / English'
    """

    def shorten(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole.startswith(_KEEP):
            return whole
        return match.group(1) or match.group(2) or "…"

    return _ABSOLUTE.sub(shorten, text)
