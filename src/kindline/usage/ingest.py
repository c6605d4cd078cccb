"""Usage records in: the REST body, a CSV or Parquet file, a stream message;
all become one frame with the same columns and the same checks.

A record that cannot be rated (unknown kind, negative quantity, a time without
offset, an unknown number) is set aside with a reason; the good ones in the
same input are still rated. A broken file header is refused before anything.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from kindline.core.errors import Invalid
from kindline.usage.models import USAGE_KINDS

COLUMNS = ("record_id", "msisdn", "kind", "started_at", "quantity", "peer")
RAW_SCHEMA = {"record_id": pl.Utf8, "msisdn": pl.Utf8, "kind": pl.Utf8, "started_at": pl.Utf8,
              "quantity": pl.Utf8, "peer": pl.Utf8}
TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%:z")
REASONS_ZH = {"invalid_record_id": "记录编号为空或过长", "invalid_kind": "类型应为 voice、sms 或 data",
              "invalid_time": "开始时间应为带时区的 ISO 8601 时间", "invalid_quantity": "用量应为非负整数",
              "unknown_line": "号码不存在或已销户", "duplicate_in_input": "同一批中记录编号重复"}


def _number(column: str) -> pl.Expr:
    """National form: spaces and dashes out, +86/0086 off (as context.canonical_number)."""
    text = pl.col(column).str.strip_chars().str.replace_all(r"[ \-]", "")
    return text.str.replace(r"^(\+86|0086)", "")


def _parse_time(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    parsed = [text.str.to_datetime(fmt, strict=False, time_zone="UTC", time_unit="us") for fmt in TIME_FORMATS]
    return pl.coalesce(parsed)


def _parse_times(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Parse with the usual format first and try the others only when some
    times did not parse: three parses of ten million times cost seconds."""
    text = pl.col(column).str.strip_chars()
    first = frame.with_columns(text.str.to_datetime(TIME_FORMATS[0], strict=False, time_zone="UTC", time_unit="us"))
    if first[column].null_count() == frame[column].null_count():
        return first
    return frame.with_columns(_parse_time(column))


def normalise(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(good records in input order, rejects with record_id and reason code)."""
    frame = raw.select([pl.col(name).cast(pl.Utf8) for name in COLUMNS]).with_row_index("position")
    frame = _parse_times(frame, "started_at").with_columns(
        record_id=pl.col("record_id").str.strip_chars(),
        msisdn=_number("msisdn"),
        kind=pl.col("kind").str.strip_chars().str.to_lowercase(),
        quantity=pl.col("quantity").str.strip_chars().cast(pl.Int64, strict=False),
        peer=pl.when(pl.col("peer").str.strip_chars().str.len_chars() > 0).then(_number("peer")).otherwise(None))
    reason = (pl.when(pl.col("record_id").is_null() | (pl.col("record_id").str.len_chars() == 0)
                      | (pl.col("record_id").str.len_chars() > 64)).then(pl.lit("invalid_record_id"))
              .when(~pl.col("kind").is_in(USAGE_KINDS) | pl.col("kind").is_null()).then(pl.lit("invalid_kind"))
              .when(pl.col("started_at").is_null()).then(pl.lit("invalid_time"))
              .when(pl.col("quantity").is_null() | (pl.col("quantity") < 0)).then(pl.lit("invalid_quantity"))
              .when(pl.col("record_id").is_first_distinct().not_()).then(pl.lit("duplicate_in_input"))
              .otherwise(None))
    frame = frame.with_columns(reason=reason)
    rejects = frame.filter(pl.col("reason").is_not_null()).select("position", "record_id", "reason")
    good = frame.filter(pl.col("reason").is_null()).select(COLUMNS)
    return good, rejects


def from_rows(rows: list[dict]) -> pl.DataFrame:
    """The REST body (already shaped by its schema) as a raw frame."""
    data = {name: [None if row.get(name) is None else str(row[name]) for row in rows] for name in COLUMNS}
    return pl.DataFrame(data, schema=RAW_SCHEMA)


def read_file(path: Path) -> pl.DataFrame:
    """A CSV with the header record_id,msisdn,kind,started_at,quantity,peer, or
    Parquet with the same columns, read as text so that bad values are reported,
    not fatal."""
    if path.suffix.lower() == ".parquet":
        frame = pl.read_parquet(path)
        missing = [name for name in COLUMNS if name not in frame.columns]
        if missing:
            raise Invalid("invalid_usage_file", f"文件缺少列：{', '.join(missing)}。", f"missing columns {missing}")
        return frame.select([pl.col(name).cast(pl.Utf8) for name in COLUMNS])
    with path.open(encoding="utf-8-sig") as handle:
        header = handle.readline().strip().split(",")
    if tuple(column.strip() for column in header) != COLUMNS:
        raise Invalid("invalid_usage_file", "文件表头应为 record_id,msisdn,kind,started_at,quantity,peer。",
                      f"unexpected header {header}")
    return pl.read_csv(path, schema=RAW_SCHEMA, encoding="utf8-lossy")
