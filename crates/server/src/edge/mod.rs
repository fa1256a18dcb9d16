//! The request edge shared by the JSON API and the pages: extractors for bodies, query strings
//! and paths whose rejections are our field errors, the body limits, paging and search bounds.
//! Neither `api/` nor `ui/` owns these, so pages need not import the JSON handlers.

mod body;
mod list;
mod path;
mod query;
mod rider_session;

pub use body::{
    body_limit, partner_body, small_body, JsonBody, MultipartBody, RouteBodyLimit,
    PARTNER_WRITE_BODY_BYTES, SIGN_IN_BODY_BYTES,
};
pub use list::{
    Direction, ListParams, ListQuery, SortSpec, Window, DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_ROWS,
};
pub use path::{record_id, Path, RecordId};
pub use query::{paging, search_text, Query, SEARCH_MAX_CHARS};
pub use rider_session::{rider_cookie, rider_cookie_cleared, RiderToken, RIDER_COOKIE};
