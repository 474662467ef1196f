"""HTML rendered once from the NHS.UK macros and held for one needs vocabulary snapshot: the
search form for each set of choices, the home page's body. The macros cost most of a page
that shows them; what they print changes only with the vocabulary (which the app holds per
catalogue generation, checked on every request: directory/catalogue/needs.py `held`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from flask import Flask

from directory.catalogue.needs import NeedsVocabulary


class HeldHtml:
    """HTML by key, for one vocabulary snapshot: a new snapshot drops what was held for the
    old one; at most `most` keys, the least recently used going first."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.lock = threading.Lock()
        self.vocabulary: NeedsVocabulary | None = None
        self.html: OrderedDict[Hashable, str] = OrderedDict()

    @classmethod
    def of(cls, app: Flask, key: str, most: int) -> HeldHtml:
        """The app's holder under key, made on first use."""
        holder: HeldHtml | None = app.extensions.get(key)
        if holder is None:
            holder = app.extensions.setdefault(key, cls(most))  # one, if two threads race here
        return holder

    def get(self, vocabulary: NeedsVocabulary, key: Hashable) -> str | None:
        with self.lock:
            if vocabulary is not self.vocabulary:  # a new snapshot: what it shows may differ
                self.vocabulary, self.html = vocabulary, OrderedDict()
            found = self.html.get(key)
            if found is not None:
                self.html.move_to_end(key)
            return found

    def put(self, vocabulary: NeedsVocabulary, key: Hashable, html: str) -> None:
        with self.lock:
            if vocabulary is self.vocabulary:  # else rendered from a snapshot replaced since
                self.html[key] = html
                while len(self.html) > self.most:
                    self.html.popitem(last=False)
