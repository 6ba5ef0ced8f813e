//! The query of a paged list: `limit` (1 to 500, default 100) and `cursor` (the previous
//! page's `next_cursor`). Lists answer `{"items": [...], "next_cursor": "…" | null}`.

use super::AdminError;
use crate::core::page::PageRequest;
use serde::Deserialize;

/// `?limit=&cursor=` of a list with no filters; any other parameter is refused.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`: `<unix millis>:<id>`.
    #[param(pattern = r"^([+-]?[0-9]{1,18}:[\s\S]+)?$")]
    cursor: Option<String>,
}

impl PageQuery {
    /// The page asked for; a limit out of range is a 422.
    pub fn request(self) -> Result<PageRequest, AdminError> {
        page_request(self.limit, self.cursor)
    }
}

/// The page asked for by a list's own query (one with filters beside `limit` and `cursor`).
pub fn page_request(limit: Option<i64>, cursor: Option<String>) -> Result<PageRequest, AdminError> {
    Ok(PageRequest::new(limit, cursor)?)
}
