"""Reading usage records: columns in the usual form are read the quick way, and
that gives exactly what the general cleaning and parsing gives, for any text."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from kindline.usage import ingest
from kindline.usage.context import canonical_number
from kindline.usage.models import USAGE_KINDS


def _raw(**columns) -> pl.DataFrame:
    """Raw text records, valid but for the columns given."""
    count = len(next(iter(columns.values())))
    valid = {"record_id": [f"r{i:05d}" for i in range(count)], "msisdn": ["13800000000"] * count,
             "kind": ["voice"] * count, "started_at": ["2026-11-22T09:00:00+08:00"] * count,
             "quantity": ["60"] * count, "peer": [None] * count}
    return pl.DataFrame({**valid, **columns}, schema=ingest.RAW_SCHEMA)


def _by_id(good: pl.DataFrame, column: str, count: int) -> list:
    values = dict(zip(good["record_id"], good[column], strict=True))
    return [values.get(f"r{i:05d}") for i in range(count)]


def _two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:02d}")


LOCAL = st.builds("{}-{}-{}T{}:{}:{}".format, st.integers(0, 9999).map(lambda y: f"{y:04d}"), _two(0, 13),
                  _two(0, 32), _two(0, 25), _two(0, 61), _two(0, 61))
OFFSET = st.builds("{}{}:{}".format, st.sampled_from("+-"), _two(0, 25), _two(0, 61))
TIMES = st.one_of(
    st.builds(str.__add__, LOCAL, OFFSET),
    st.builds("{}{}{}{}".format, st.sampled_from(["", " ", "\t"]), LOCAL,
              st.sampled_from(["", ".5", ".123456", ".1234567"]),
              st.one_of(OFFSET, st.sampled_from(["Z", "+0800", "+8:00", "+08:0", "", " +08:00"]))),
    st.text(alphabet="0123456789-+:T .Z", max_size=27), st.none())


def _parsed_times(texts: list[str | None]) -> list[int | None]:
    """normalise's start times in microseconds (null where it rejects the time)."""
    good, rejects = ingest.normalise(_raw(started_at=texts))
    assert set(rejects["reason"]) <= {"invalid_time"}
    return _by_id(good.with_columns(pl.col("started_at").cast(pl.Int64)), "started_at", len(texts))


def _general(texts: list[str | None]) -> list[int | None]:
    return ingest._parse_times(pl.Series(texts, dtype=pl.Utf8)).cast(pl.Int64).to_list()


@settings(max_examples=400, deadline=None)
@given(st.lists(TIMES, max_size=20))
def test_times_of_any_form_read_as_the_general_parse_reads_them(texts):
    assert _parsed_times(texts) == _general(texts)


@settings(max_examples=300, deadline=None)
@given(OFFSET, st.lists(st.builds("{}{}{}".format, st.sampled_from(["", "", " "]), LOCAL, st.sampled_from(["", "", ".5"])),
                        min_size=1, max_size=20))
def test_times_sharing_one_offset_read_as_the_general_parse_reads_them(offset, local_times):
    texts = [local + offset for local in local_times]
    assert _parsed_times(texts) == _general(texts)


def test_usual_times_are_taken_to_utc():
    texts = ["2026-11-22T09:00:00+08:00", "2026-11-22T09:00:00-03:30", "2026-11-22T01:00:00+00:00"]
    assert _parsed_times(texts) == [int(datetime(2026, 11, 22, hour, minute, tzinfo=timezone.utc).timestamp() * 1e6)
                                    for hour, minute in ((1, 0), (12, 30), (1, 0))]


NUMBERS = st.one_of(st.text("0123456789", min_size=1, max_size=13),
                    st.builds(str.__add__, st.sampled_from(["", "+86", "0086", "86", " ", "+86 ", "-"]),
                              st.text("0123456789 -", max_size=13)))


@settings(max_examples=300, deadline=None)
@given(st.lists(NUMBERS, min_size=1, max_size=20), st.lists(st.one_of(NUMBERS, st.none()), min_size=1, max_size=20))
def test_numbers_are_put_in_national_form_as_the_record_path_does(msisdns, peers):
    count = min(len(msisdns), len(peers))
    msisdns, peers = msisdns[:count], peers[:count]
    good, _rejects = ingest.normalise(_raw(msisdn=msisdns, peer=peers))
    assert _by_id(good, "msisdn", count) == [canonical_number(text) for text in msisdns]
    assert _by_id(good, "peer", count) == [canonical_number(text) if text and text.strip() else None
                                           for text in peers]


def test_plain_digits_with_0086_in_front_lose_it():
    good, _rejects = ingest.normalise(_raw(msisdn=["13800000000", "008613900000000"], peer=["008613700000000", None]))
    assert good["msisdn"].to_list() == ["13800000000", "13900000000"]
    assert good["peer"].to_list() == ["13700000000", None]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["voice", "sms", "data", " Voice", "SMS ", "fax", "", None]), min_size=1, max_size=12))
def test_kinds_are_trimmed_and_lower_cased(kinds):
    good, rejects = ingest.normalise(_raw(kind=kinds))
    expected = [kind.strip().lower() if kind and kind.strip().lower() in USAGE_KINDS else None for kind in kinds]
    assert _by_id(good, "kind", len(kinds)) == expected
    assert rejects["reason"].to_list() == ["invalid_kind"] * expected.count(None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["a", "b", "c", "d", " b", "", "e" * 65]), st.none()), min_size=1,
                max_size=12))
def test_a_repeated_record_id_is_rejected_after_its_first(ids):
    good, rejects = ingest.normalise(_raw(record_id=ids))
    seen, expected = set(), []
    for position, record_id in enumerate(ids):
        stripped = record_id.strip() if record_id is not None else None
        if not stripped or len(stripped) > 64:
            expected.append((position, "invalid_record_id"))
        elif stripped in seen:
            expected.append((position, "duplicate_in_input"))
        seen.add(stripped)
    assert list(zip(rejects["position"], rejects["reason"], strict=True)) == expected
    assert good.height == len(ids) - len(expected)


def test_ids_in_increasing_order_are_all_first():
    good, rejects = ingest.normalise(_raw(record_id=["a1", "a2", "b", "b", "c"]))
    assert rejects["reason"].to_list() == ["duplicate_in_input"]
    good, rejects = ingest.normalise(_raw(record_id=["a1", "a2", "b", "c"]))
    assert rejects.is_empty() and good["record_id"].to_list() == ["a1", "a2", "b", "c"]


def test_a_parquet_file_read_as_typed_gives_what_its_text_gives(tmp_path):
    text = _raw(started_at=["2026-11-22T09:00:00+08:00", "2026-11-30T23:59:59+08:00"], quantity=["60", "-1"])
    typed = text.with_columns(
        pl.col("started_at").str.to_datetime("%Y-%m-%dT%H:%M:%S%:z", time_zone="UTC")
        .dt.convert_time_zone("Asia/Shanghai").dt.cast_time_unit("ns"),
        pl.col("quantity").cast(pl.Int32), pl.col("msisdn").cast(pl.Int64))
    typed.write_parquet(tmp_path / "usage.parquet")
    read = ingest.read_file(tmp_path / "usage.parquet")
    assert read.schema["quantity"] == pl.Int32 and read.schema["started_at"] == pl.Datetime("ns", "Asia/Shanghai")
    good, rejects = ingest.normalise(read)
    expected_good, expected_rejects = ingest.normalise(text)
    assert good.equals(expected_good) and rejects.equals(expected_rejects)
    assert rejects["reason"].to_list() == ["invalid_quantity"]


def test_a_typed_time_without_zone_is_rejected(tmp_path):
    naive = _raw(started_at=["2026-11-22T09:00:00+08:00"]).with_columns(
        pl.col("started_at").str.slice(0, 19).str.to_datetime("%Y-%m-%dT%H:%M:%S"))
    naive.write_parquet(tmp_path / "naive.parquet")
    good, rejects = ingest.normalise(ingest.read_file(tmp_path / "naive.parquet"))
    assert good.is_empty() and rejects["reason"].to_list() == ["invalid_time"]
