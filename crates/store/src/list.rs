//! A page of a list: which rows (LIMIT/OFFSET, bounded) and in which direction, shared by the
//! list queries. The sort column itself is an enum per list, so no column name ever comes
//! from a request.

/// The most rows one page may hold.
pub const MAX_PER_PAGE: i64 = 200;
/// The most rows an export holds, and how far a count goes before it says "more than".
pub const MAX_ROWS: i64 = 10_000;

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub fn sql(self) -> &'static str {
        match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "asc" => Some(Direction::Asc),
            "desc" => Some(Direction::Desc),
            _ => None,
        }
    }

    pub fn flip(self) -> Self {
        match self {
            Direction::Asc => Direction::Desc,
            Direction::Desc => Direction::Asc,
        }
    }
}

/// Which rows of a list: at most `limit` starting at `offset`, both bounded here whatever
/// the caller asked ([`MAX_ROWS`] rows from at most [`MAX_ROWS`] in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

impl Window {
    pub fn new(limit: i64, offset: i64) -> Self {
        Self {
            limit: limit.clamp(1, MAX_ROWS),
            offset: offset.clamp(0, MAX_ROWS),
        }
    }

    /// The first `MAX_ROWS` rows, for an export.
    pub fn export() -> Self {
        Self::new(MAX_ROWS, 0)
    }
}
