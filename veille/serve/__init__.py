"""``veille serve``: the HTTP API and the reading pages over a store (see ``app.create_app``)."""

from __future__ import annotations
