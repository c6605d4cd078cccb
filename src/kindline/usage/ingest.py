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


def _raw_columns(raw: pl.DataFrame) -> pl.DataFrame:
    """The columns as text, except an integer quantity and a typed time (from
    a Parquet file), which are read as they are."""
    keep = {"quantity": raw.schema["quantity"].is_integer(), "started_at": isinstance(raw.schema["started_at"], pl.Datetime)}
    return raw.select(pl.col(name) if keep.get(name) else pl.col(name).cast(pl.Utf8) for name in COLUMNS)


def _plain_digits(name: str) -> pl.Expr:
    """Whether a column of numbers is in national form already: plain digits
    with no 0086 in front. Each reads as a whole number (`to_integer` reads a
    sign and digits only, half the cost of a pattern) and none has a sign."""
    text = pl.col(name)
    return ((text.str.to_integer(strict=False).null_count() == text.null_count())
            & ~pl.any_horizontal(text.str.starts_with(prefix) for prefix in ("+", "-", "0086")).any())


def _national(name: str, *, blank_is_none: bool = False) -> pl.Expr:
    """National form: spaces and dashes out, +86/0086 off (as context.canonical_number)."""
    stripped = pl.col(name).str.strip_chars()
    cleaned = stripped.str.replace_all(r"[ \-]", "").str.replace(r"^(\+86|0086)", "")
    return pl.when(stripped.str.len_chars() > 0).then(cleaned) if blank_is_none else cleaned


def _quantity(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Whole numbers (null where there is none)."""
    return (column if dtype.is_integer() else column.str.strip_chars()).cast(pl.Int64, strict=False)


def _parse_times(text: pl.Series) -> pl.Series:
    """Any of TIME_FORMATS, as UTC (null where none fits)."""
    stripped = text.str.strip_chars()
    return pl.select(pl.coalesce([stripped.str.to_datetime(fmt, strict=False, time_zone="UTC", time_unit="us",
                                                            cache=False) for fmt in TIME_FORMATS])).to_series()


def _shared_offset(text: pl.Series) -> str | None:
    """The offset of the first time ("+08:00"), if every time is in the usual
    layout (25 characters) and ends with it."""
    first = text.drop_nulls().head(1).to_list()
    shared = first[0][19:] if first else ""
    if not USUAL_OFFSET.fullmatch(shared):
        return None
    return shared if pl.select((text.str.ends_with(shared) & (text.str.len_chars() == 25)).all()).item() else None


def _usual_times(text: pl.Expr, offsets: pl.Expr) -> pl.Expr:
    """Times in the usual layout as UTC, null for the others: the local part
    (19 characters) read as a time without zone, which is the quick parse,
    less the offset in minutes. Where this gives a time, it is the one
    TIME_FORMATS[0] gives."""
    local = text.str.slice(0, 19).str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S", strict=False,
                                               cache=False)  # a cache of ten million distinct times costs double
    return (local - pl.duration(minutes=offsets)).dt.replace_time_zone("UTC")


def _offsets(text: pl.Series) -> pl.Expr:
    """Each time's offset in minutes, where the times have different ones:
    what follows the local part, if it is one (null otherwise). Each distinct
    offset is read once."""
    offsets = text.str.slice(19)
    distinct = offsets.unique().drop_nulls()
    known = distinct.filter(distinct.str.contains(f"^{USUAL_OFFSET.pattern}$")).to_list()
    return pl.lit(offsets.replace_strict(known, [_minutes(offset) for offset in known], default=None,
                                         return_dtype=pl.Int64))


def _minutes(offset: str) -> int:
    """"+08:00" as 480, "-03:30" as -210."""
    minutes = int(offset[1:3]) * 60 + int(offset[4:6])
    return -minutes if offset.startswith("-") else minutes


def _times(column: pl.Series, text: pl.Series) -> pl.Series:
    """Start times as UTC; null where there is none or it has no offset.
    `column` holds them as read the quick way; those it missed are parsed."""
    if isinstance(text.dtype, pl.Datetime):
        if text.dtype.time_zone is None:
            return pl.repeat(None, len(text), dtype=TIME, eager=True)
        return text.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    others = (column.is_null() & text.is_not_null()).arg_true()
    if others.is_empty():
        return column
    return column.scatter(others, _parse_times(text.gather(others)))


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
    reason code). Columns may be text or, from a Parquet file, already typed.

    Two passes over the columns, each computing its columns side by side: the
    first finds which are in the usual form, the second reads each the quick
    way or the general way."""
    raw = _raw_columns(raw)
    text_times = raw.schema["started_at"] == pl.Utf8
    shared = _shared_offset(raw["started_at"]) if text_times else None
    usual = raw.select(msisdn=_plain_digits("msisdn"), peer=_plain_digits("peer"),
                       kind=pl.col("kind").is_in(USAGE_KINDS).all()).row(0, named=True)
    offsets = pl.lit(_minutes(shared)) if shared else _offsets(raw["started_at"]) if text_times else None
    frame = raw.select(
        record_id=pl.col("record_id").str.strip_chars(),
        msisdn=pl.col("msisdn") if usual["msisdn"] else _national("msisdn"),
        kind=pl.col("kind") if usual["kind"] else pl.col("kind").str.strip_chars().str.to_lowercase(),
        started_at=_usual_times(pl.col("started_at"), offsets) if text_times else pl.lit(None, TIME),
        quantity=_quantity(pl.col("quantity"), raw.schema["quantity"]),
        peer=pl.col("peer") if usual["peer"] else _national("peer", blank_is_none=True))
    frame = frame.with_columns(started_at=_times(frame["started_at"], raw["started_at"]),
                               first=_first_of_id(frame["record_id"]))
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
