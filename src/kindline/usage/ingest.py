"""Usage records in: the REST body, a CSV or Parquet file, a stream message;
all become one frame with the same columns and the same checks.

A record that cannot be rated (unknown kind, negative quantity, a time without
offset, an unknown number) is set aside with a reason; the good ones in the
same input are still rated. A broken file header is refused before anything.

Files hold millions of records, nearly all in the usual form (plain digits,
lower-case kinds, times like 2026-11-13T17:11:56+08:00). Each column is first
checked for that form with one cheap pass and then taken as it is or read
the quick way; only what is not in it goes through the general cleaning and
parsing, which gives the same values but costs several times more.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from kindline.core.errors import Invalid
from kindline.usage.models import USAGE_KINDS

COLUMNS = ("record_id", "msisdn", "kind", "started_at", "quantity", "peer")
RAW_SCHEMA = {"record_id": pl.Utf8, "msisdn": pl.Utf8, "kind": pl.Utf8, "started_at": pl.Utf8,
              "quantity": pl.Utf8, "peer": pl.Utf8}
TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%:z")
USUAL_OFFSET = re.compile(r"[+-]([01][0-9]|2[0-3]):[0-5][0-9]")
TIME = pl.Datetime("us", "UTC")
REASONS_ZH = {"invalid_record_id": "记录编号为空或过长", "invalid_kind": "类型应为 voice、sms 或 data",
              "invalid_time": "开始时间应为带时区的 ISO 8601 时间", "invalid_quantity": "用量应为非负整数",
              "unknown_line": "号码不存在或已销户", "duplicate_in_input": "同一批中记录编号重复"}


def _text(column: pl.Series) -> pl.Series:
    return column if column.dtype == pl.Utf8 else column.cast(pl.Utf8)


def _number(column: pl.Series, *, blank_is_none: bool = False) -> pl.Series:
    """National form: spaces and dashes out, +86/0086 off (as
    context.canonical_number). A column of plain digits with no 0086 in front
    is in that form already."""
    text = _text(column)
    if text.str.contains(r"^[0-9]+$").all() and not text.str.starts_with("0086").any():
        return text
    stripped = text.str.strip_chars()
    cleaned = stripped.str.replace_all(r"[ \-]", "").str.replace(r"^(\+86|0086)", "")
    return pl.select(pl.when(stripped.str.len_chars() > 0).then(cleaned)).to_series() if blank_is_none else cleaned


def _kind(column: pl.Series) -> pl.Series:
    text = _text(column)
    if text.is_in(USAGE_KINDS).all():
        return text
    return text.str.strip_chars().str.to_lowercase()


def _quantity(column: pl.Series) -> pl.Series:
    """Whole numbers (null where there is none): an integer column as it is."""
    if column.dtype.is_integer():
        return column.cast(pl.Int64, strict=False)
    return _text(column).str.strip_chars().cast(pl.Int64, strict=False)


def _parse_times(text: pl.Series) -> pl.Series:
    """Any of TIME_FORMATS, as UTC (null where none fits)."""
    stripped = text.str.strip_chars()
    return pl.select(pl.coalesce([stripped.str.to_datetime(fmt, strict=False, time_zone="UTC", time_unit="us")
                                  for fmt in TIME_FORMATS])).to_series()


def _usual_times(text: pl.Series) -> pl.Series:
    """Times in the usual layout, as UTC; null for the others: the local part
    (19 characters) read as a time without zone, which is the quick parse,
    less the offset (6 characters, "+08:00"), the same in most files. Where
    this gives a time, it is the one TIME_FORMATS[0] gives."""
    local = text.str.slice(0, 19).str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S", strict=False)
    first = text.drop_nulls().head(1).to_list()
    shared = first[0][19:] if first else ""
    if USUAL_OFFSET.fullmatch(shared) and (text.str.ends_with(shared) & (text.str.len_chars() == 25)).all():
        minutes = pl.lit(_minutes(shared))
    else:
        offsets = text.str.slice(19)  # each distinct offset is read once
        distinct = offsets.unique().drop_nulls()
        known = distinct.filter(distinct.str.contains(f"^{USUAL_OFFSET.pattern}$")).to_list()
        minutes = pl.when(text.str.len_chars() == 25).then(
            offsets.replace_strict(known, [_minutes(offset) for offset in known], default=None, return_dtype=pl.Int64))
    return pl.select(local - pl.duration(minutes=minutes)).to_series().dt.replace_time_zone("UTC")


def _minutes(offset: str) -> int:
    """"+08:00" as 480, "-03:30" as -210."""
    minutes = int(offset[1:3]) * 60 + int(offset[4:6])
    return -minutes if offset.startswith("-") else minutes


def _times(column: pl.Series) -> pl.Series:
    """Start times as UTC; null where there is none or it has no offset."""
    if isinstance(column.dtype, pl.Datetime):
        if column.dtype.time_zone is None:
            return pl.repeat(None, len(column), dtype=TIME, eager=True)
        return column.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    text = _text(column)
    times = _usual_times(text)
    others = (times.is_null() & text.is_not_null()).arg_true()
    if others.is_empty():
        return times
    return times.scatter(others, _parse_times(text.gather(others)))


def _first_of_id(ids: pl.Series) -> pl.Series:
    """Whether each record id is the first with that id. Ids in increasing
    order (a file numbered as it was written) are all first: one comparison
    of neighbours instead of hashing every id. Null ids are left out (they are
    rejected anyway)."""
    present = ids.drop_nulls()
    if present.is_empty() or (present.slice(1) > present.slice(0, len(present) - 1)).all():
        return pl.repeat(True, len(ids), eager=True)
    return ids.is_first_distinct()


def normalise(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(good records in input order, rejects with position, record_id and
    reason code). Columns may be text or, from a Parquet file, already typed."""
    record_id = _text(raw["record_id"]).str.strip_chars()
    frame = pl.DataFrame({"record_id": record_id, "msisdn": _number(raw["msisdn"]), "kind": _kind(raw["kind"]),
                          "started_at": _times(raw["started_at"]), "quantity": _quantity(raw["quantity"]),
                          "peer": _number(raw["peer"], blank_is_none=True), "first": _first_of_id(record_id)})
    reason = (pl.when(pl.col("record_id").is_null() | (pl.col("record_id").str.len_chars() == 0)
                      | (pl.col("record_id").str.len_chars() > 64)).then(pl.lit("invalid_record_id"))
              .when(~pl.col("kind").is_in(USAGE_KINDS) | pl.col("kind").is_null()).then(pl.lit("invalid_kind"))
              .when(pl.col("started_at").is_null()).then(pl.lit("invalid_time"))
              .when(pl.col("quantity").is_null() | (pl.col("quantity") < 0)).then(pl.lit("invalid_quantity"))
              .when(~pl.col("first")).then(pl.lit("duplicate_in_input"))
              .otherwise(None))
    frame = frame.with_row_index("position").with_columns(reason=reason)
    if frame["reason"].null_count() == frame.height:
        return frame.select(COLUMNS), frame.clear().select("position", "record_id", "reason")
    rejects = frame.filter(pl.col("reason").is_not_null()).select("position", "record_id", "reason")
    good = frame.filter(pl.col("reason").is_null()).select(COLUMNS)
    return good, rejects


def from_rows(rows: list[dict]) -> pl.DataFrame:
    """The REST body (already shaped by its schema) as a raw frame."""
    data = {name: [None if row.get(name) is None else str(row[name]) for row in rows] for name in COLUMNS}
    return pl.DataFrame(data, schema=RAW_SCHEMA)


def read_file(path: Path) -> pl.DataFrame:
    """A CSV with the header record_id,msisdn,kind,started_at,quantity,peer,
    read as text so that bad values are reported, not fatal; or Parquet with
    the same columns, as typed in the file (normalise takes either)."""
    if path.suffix.lower() == ".parquet":
        frame = pl.read_parquet(path)
        missing = [name for name in COLUMNS if name not in frame.columns]
        if missing:
            raise Invalid("invalid_usage_file", f"文件缺少列：{', '.join(missing)}。", f"missing columns {missing}")
        return frame.select(COLUMNS)
    with path.open(encoding="utf-8-sig") as handle:
        header = handle.readline().strip().split(",")
    if tuple(column.strip() for column in header) != COLUMNS:
        raise Invalid("invalid_usage_file", "文件表头应为 record_id,msisdn,kind,started_at,quantity,peer。",
                      f"unexpected header {header}")
    return pl.read_csv(path, schema=RAW_SCHEMA, encoding="utf8-lossy")
