"""The column types each backend spells differently, shared by the migration generators.
Placeholders: {ID} primary key, {REF} reference column, {TS} time, {BOOL}, {REAL}, {DATE},
{PATH} unit path (byte order on PostgreSQL), {INT64} a 64-bit count (byte lengths)."""
import pathlib

BACKENDS = {
    "sqlite": dict(ID="INTEGER PRIMARY KEY", REF="INTEGER", TS="TEXT", BOOL="INTEGER",
                   REAL="REAL", DATE="TEXT", PATH="TEXT", INT64="INTEGER"),
    "postgres": dict(ID="BIGSERIAL PRIMARY KEY", REF="BIGINT", TS="TIMESTAMPTZ", BOOL="BOOLEAN",
                     REAL="DOUBLE PRECISION", DATE="DATE", PATH='TEXT COLLATE "C"',
                     INT64="BIGINT"),
}

ROOT = pathlib.Path(__file__).resolve().parent.parent / "crates/store/migrations"


def write(name, template, tails=None):
    """`tails` maps a backend to text appended verbatim (triggers differ in syntax)."""
    for backend, types in BACKENDS.items():
        sql = template.format(backend="SQLite" if backend == "sqlite" else "PostgreSQL", **types)
        sql += (tails or {}).get(backend, "")
        (ROOT / backend / name).write_text(sql)
        print(f"wrote {backend}/{name}")
