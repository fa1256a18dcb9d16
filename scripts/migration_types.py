"""The column types each backend spells differently, shared by the migration generators.
Placeholders: {ID} primary key, {REF} reference column, {TS} time, {BOOL}, {REAL}, {DATE},
{PATH} unit path (byte order on PostgreSQL)."""
import pathlib

BACKENDS = {
    "sqlite": dict(ID="INTEGER PRIMARY KEY", REF="INTEGER", TS="TEXT", BOOL="INTEGER",
                   REAL="REAL", DATE="TEXT", PATH="TEXT"),
    "postgres": dict(ID="BIGSERIAL PRIMARY KEY", REF="BIGINT", TS="TIMESTAMPTZ", BOOL="BOOLEAN",
                     REAL="DOUBLE PRECISION", DATE="DATE", PATH='TEXT COLLATE "C"'),
}

ROOT = pathlib.Path(__file__).resolve().parent.parent / "crates/store/migrations"


def write(name, template):
    for backend, types in BACKENDS.items():
        sql = template.format(backend="SQLite" if backend == "sqlite" else "PostgreSQL", **types)
        (ROOT / backend / name).write_text(sql)
        print(f"wrote {backend}/{name}")
