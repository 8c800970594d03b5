"""The watcher's store methods on SQLite and PostgreSQL: feed states, entries, activity, watches, alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from veille.model import Alert, Document, Source, SourceFeed, Watch, WatchEntry


def test_watch_store_round_trips_on_both_backends(st):
    store = st
    store.put_source(Source(id="kibaru", name="Kibaru", kind="private", domains=("kibaru.ml",)))
    store.put_source(
        Source(id="sahel", name="Sahel", kind="public", feeds=(SourceFeed("https://sahel.example/rss"),))
    )
    [state] = store.feed_states()
    assert (state.source_id, state.etag, state.failures, state.paused) == ("sahel", None, 0, False)
    now = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    saved = state.__class__(
        **{
            **{f: getattr(state, f) for f in state.__dataclass_fields__},
            "etag": '"abc"',
            "last_modified": "Tue, 07 Feb 2023 09:30:00 GMT",
            "last_fetch": now,
            "last_error": "fetch_failed: HTTP 500",
            "last_error_time": now,
            "failures": 2,
            "next_due": now + timedelta(minutes=5),
            "paused": True,
            "interval": 120.0,
        }
    )
    store.put_feed_state(saved)
    assert store.feed_states() == [saved]

    doc = Document.from_bytes(
        b"<html><p>Texte</p></html>", media_type="text/html", source="u", container="url"
    )
    entry = WatchEntry(saved.feed_id, "e1", "https://sahel.example/a/1", doc.id, now, 1, None)
    assert store.put_watch_entry(entry, [doc]) == 1
    assert store.put_watch_entry(entry, [doc]) == 0  # the same bytes again: stored once
    assert store.watch_entries([saved.feed_id]) == [entry]
    assert store.watch_entries([saved.feed_id], entries=["e0", "e1"]) == [entry]
    assert store.watch_entries([saved.feed_id], entries=["e2"]) == []
    assert store.entry_documents(["https://sahel.example/a/1", "https://autre"]) == {
        "https://sahel.example/a/1": doc.id
    }
    [activity] = store.source_activity(doc.received - timedelta(days=1))
    assert activity.source_id == "sahel" and sum(activity.days.values()) == 1
    assert activity.last_article == doc.received.astimezone(UTC)

    watch = store.add_watch(Watch(None, "Assimi Goïta", None, ("sahel",), now, now))
    assert watch.id is not None and store.list_watches() == [watch]
    store.set_watch_look(watch.id, now + timedelta(hours=1))
    assert store.list_watches()[0].last_look == now + timedelta(hours=1)
    alert = Alert(watch.id, "story", "s1", "s1", '{"story": {"id": "s1"}}', created=now)
    assert store.add_alert(alert) is True and store.add_alert(alert) is False
    [stored] = store.list_alerts(pending=True)
    store.mark_alert(stored.id, delivered=None, error="HTTP 500")
    assert store.list_alerts(pending=True)[0].delivery_error == "HTTP 500"
    store.mark_alert(stored.id, delivered=now, error=None)
    assert store.list_alerts(pending=True) == [] and store.list_alerts()[0].delivered == now
    assert store.list_alerts(since=now) == []
    assert store.stories_received_since(None) == []
    assert store.remove_watch(watch.id) is True and store.remove_watch(watch.id) is False
    assert store.list_alerts() == []
