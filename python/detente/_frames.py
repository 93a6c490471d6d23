"""Data frames in, data frames out.

In: a pandas or polars DataFrame, a pyarrow Table or RecordBatch, or
anything that offers the Arrow C stream (``__arrow_c_stream__``) becomes
an Arrow table, which pyarrow writes as CSV; the engine reads that text
exactly as it reads a CSV file, by the same rules and with the same
messages. Times are written in ISO 8601 (``Z`` when the column has a
timezone, which converts them to UTC; without one they are wall-clock
times in the policy's timezone), dates as dates. A column of a type no
CSV cell can hold (a list, a struct, binary, a duration) is refused with
D007, naming the column.

Out: the engine's rows (``classify -o csv``) become an Arrow table with
typed columns (times as UTC timestamps, scores as floats, criteria as
booleans with null for unknown), then the kind of frame asked for.
"""

from __future__ import annotations

import os
from typing import Any, List, Tuple, Union

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ._errors import DataError

#: What the native module takes for one input: a path, or (name, CSV).
Native = Union[str, Tuple[str, bytes]]


def kind_of(frame: Any) -> str:
    """``"pandas"``, ``"polars"``, ``"arrow"`` or ``"path"``."""
    if isinstance(frame, (str, os.PathLike)):
        return "path"
    module = type(frame).__module__.split(".")[0]
    if module in ("pandas", "polars"):
        return module
    return "arrow"


def to_arrow(frame: Any, name: str) -> pa.Table:
    """Any supported frame as an Arrow table."""
    kind = kind_of(frame)
    try:
        if kind == "pandas":
            # A named index (ids set as the index) stays a column.
            return pa.Table.from_pandas(frame, preserve_index=None)
        if kind == "polars":
            return frame.to_arrow()
        if isinstance(frame, pa.Table):
            return frame
        if isinstance(frame, pa.RecordBatch):
            return pa.Table.from_batches([frame])
        if isinstance(frame, pa.RecordBatchReader):
            return frame.read_all()
        if hasattr(frame, "__arrow_c_stream__"):
            return pa.table(frame)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
        raise DataError(
            f"the {name} cannot be read as a table: {e}. Give each column one type "
            "(text, numbers, true/false, dates or times).",
            "D007",
        ) from e
    raise DataError(
        f"the {name} is a {type(frame).__name__}; give a pandas or polars DataFrame, "
        "a pyarrow Table, or the path of a CSV or JSON Lines file",
        "D007",
    )


def _cell_column(column: pa.ChunkedArray, field: pa.Field, name: str) -> pa.ChunkedArray:
    """The column as values a CSV cell holds, or D007."""
    t = field.type
    if pa.types.is_dictionary(t):
        return _cell_column(column.cast(t.value_type), pa.field(field.name, t.value_type), name)
    if pa.types.is_timestamp(t):
        return _times(column, t)
    if (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_boolean(t)
        or pa.types.is_decimal(t)
        or pa.types.is_date(t)
        or pa.types.is_null(t)
    ):
        return column
    if hasattr(pa.types, "is_string_view") and pa.types.is_string_view(t):
        return column.cast(pa.string())
    raise DataError(
        f"column `{field.name}` of the {name} holds {t} values, which no policy field "
        "reads; convert it to text, numbers, true/false, dates or times, or drop it",
        "D007",
    )


def _times(column: pa.ChunkedArray, t: pa.TimestampType) -> pa.ChunkedArray:
    """Timestamps as ISO 8601 text: in UTC with `Z` when the column has a
    timezone, as written (the policy's wall clock) when it has none; to
    the millisecond the engine keeps, whole seconds when that is all."""
    tz = "UTC" if t.tz is not None else None
    ms = column.cast(pa.timestamp("ms", tz), safe=False)
    try:
        column = ms.cast(pa.timestamp("s", tz))
    except pa.ArrowInvalid:
        column = ms
    text = pc.strftime(column, format="%Y-%m-%dT%H:%M:%S")
    return pc.binary_join_element_wise(text, "Z" if tz else "", "") if tz else text


def _is_parquet(path: str) -> bool:
    if path.lower().endswith(".parquet"):
        return True
    if os.path.isdir(path):
        for _, _, files in os.walk(path):
            if any(f.lower().endswith(".parquet") for f in files):
                return True
    return False


def _read_parquet(path: str) -> pa.Table:
    """A Parquet file, or a folder of them with Hive-style partitions
    (``type=form_submit/``) as columns, read by pyarrow."""
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path, partitioning="hive")
    except (OSError, pa.ArrowInvalid) as e:
        raise DataError(f"cannot read `{path}`: not a Parquet file Détente can read: {e}", "D002") from e


def to_native(frame: Any, what: str) -> Native:
    """One input for the native module: a CSV or JSON Lines path as it
    is (the engine reads it), a Parquet file or folder read by pyarrow,
    a frame as CSV."""
    if frame is None:
        raise TypeError("no frame")
    if isinstance(frame, (str, os.PathLike)):
        path = os.fspath(frame)
        if not _is_parquet(path):
            return path
        table = _read_parquet(path)
        return (path, _csv(table, f"{what} file `{path}`"))
    name = f"{what} data frame"
    return (name, _csv(to_arrow(frame, name), name))


def _csv(table: pa.Table, name: str) -> bytes:
    """A table as the CSV text the engine reads."""
    columns = [
        _cell_column(table.column(i), table.schema.field(i), name)
        for i in range(table.num_columns)
    ]
    table = pa.table(columns, names=table.column_names)
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=True))
    return bytes(sink.getvalue().to_pybytes())


def inputs(value: Any, what: str) -> List[Native]:
    """A kind's inputs: none, one frame or path, or a list of them."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [to_native(v, what) for v in value]
    return [to_native(value, what)]


def journeys_table(csv: str, kinds: List[Tuple[str, str]]) -> pa.Table:
    """The engine's rows as a typed Arrow table. ``kinds``: each column's
    name and kind (``id``, ``stage``, ``time``, ``number``, ``verdict``)."""
    names = [n for n, _ in kinds]
    read = pacsv.read_csv(
        pa.py_buffer(csv.encode("utf-8")),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )
    columns = []
    for i, (_, kind) in enumerate(kinds):
        c = read.column(i)
        if kind == "time":
            c = pc.strptime(c, format="%Y-%m-%dT%H:%M:%SZ", unit="ms").cast(
                pa.timestamp("ms", "UTC")
            )
        elif kind == "number":
            c = c.cast(pa.float64())
        elif kind == "verdict":
            c = pc.if_else(pc.equal(c, "unknown"), pa.scalar(None, pa.bool_()), pc.equal(c, "true"))
        columns.append(c)
    return pa.table(columns, names=names)


def as_frame(table: pa.Table, output: str) -> Any:
    """``table`` as the frame kind asked for."""
    if output == "arrow":
        return table
    if output == "polars":
        import polars as pl

        return pl.from_arrow(table)
    if output == "pandas":
        import pandas as pd

        mapping = {pa.bool_(): pd.BooleanDtype()}
        return table.to_pandas(types_mapper=mapping.get)
    raise ValueError(f'output `{output}` should be "pandas", "polars" or "arrow"')
