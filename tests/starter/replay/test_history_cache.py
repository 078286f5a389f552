"""Parsed histories are kept in binary form between runs, keyed by the file's bytes;
the file is always the truth (a changed, corrupt or unwritable cache is passed by)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from starter.replay.history import HistoryFileError, history_cache_dir, read_history
from starter.replay.replayer import replay_files

CORPUS = Path(__file__).parents[2] / "histories"
SOURCE = CORPUS / "manual-reassign.json.gz"


def _no_json(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> WorkflowHistory:
        raise AssertionError("parsed the JSON again")

    monkeypatch.setattr(WorkflowHistory, "from_json", refuse)


def test_a_second_read_comes_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = read_history(SOURCE, cache)
    assert len(list(cache.glob("*.pb"))) == 1
    _no_json(monkeypatch)
    again = read_history(SOURCE, cache)
    assert again.events == first.events
    assert again.workflow_id == "manual-reassign"
    with pytest.raises(AssertionError, match="parsed the JSON again"):
        read_history(SOURCE)  # no cache: always the file


def test_a_changed_file_is_read_again_not_served_stale(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    copy = tmp_path / "lead.json"
    data = json.loads(gzip.decompress(SOURCE.read_bytes()))
    copy.write_text(json.dumps(data))
    before = read_history(copy, cache)
    data["events"] = data["events"][:5]
    copy.write_text(json.dumps(data))
    after = read_history(copy, cache)
    assert len(after.events) == 5 < len(before.events)
    assert len(list(cache.glob("*.pb"))) == 2


def test_a_corrupt_entry_is_replaced_from_the_file(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = read_history(SOURCE, cache).events
    (entry,) = cache.glob("*.pb")
    entry.write_bytes(b"\x08\x01 not a history")
    assert read_history(SOURCE, cache).events == expected
    assert read_history(SOURCE).events == expected
    assert entry.read_bytes() != b"\x08\x01 not a history"


def test_an_unwritable_cache_is_passed_by(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert read_history(SOURCE, blocked / "cache").events == read_history(SOURCE).events


def test_bad_files_are_still_named_with_a_cache(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"events": [\n  {"eventId": }\n]}')
    with pytest.raises(HistoryFileError, match=r"broken.json:2:\d+: not valid JSON"):
        read_history(broken, tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("*.pb"))


def test_the_cache_folder_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAD_ROUTER_HISTORY_CACHE", "off")
    assert history_cache_dir() is None
    monkeypatch.setenv("LEAD_ROUTER_HISTORY_CACHE", str(tmp_path / "c"))
    assert history_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("LEAD_ROUTER_HISTORY_CACHE")
    monkeypatch.setenv("LEAD_ROUTER_DATA_DIR", str(tmp_path / "data"))
    assert history_cache_dir() == tmp_path / "data" / "cache" / "histories"  # follows it
    assert history_cache_dir(tmp_path / "given") == tmp_path / "given" / "cache" / "histories"


async def test_replay_fills_the_cache_and_replays_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAD_ROUTER_HISTORY_CACHE", str(tmp_path / "cache"))
    files = sorted(CORPUS.glob("*.json.gz"))[:4]
    cold = await replay_files(files)
    assert [o.line() for o in cold if not o.ok] == []
    assert len(list((tmp_path / "cache").glob("*.pb"))) == 4
    _no_json(monkeypatch)
    warm = await replay_files(files)
    assert [(o.path, o.events, o.ok) for o in warm] == [(o.path, o.events, o.ok) for o in cold]
