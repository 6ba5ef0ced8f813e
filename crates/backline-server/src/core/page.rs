//! Pages of a list: every list of the admin API (and the console) is read in pages of at most
//! [`MAX_PAGE`] items, newest or lowest key first as the list states, continued with the
//! opaque `next_cursor` of the page before.
//!
//! The cursor is the sort key of the last item handed out, so a page never repeats or skips an
//! item when others are added meanwhile (keyset pagination, not offsets).

use super::{CoreError, CoreResult};
use backline_domain::Timestamp;
use serde::Serialize;

use backline_store::{Seek, TimeKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::future::Future;

/// The most items one page holds.
pub const MAX_PAGE: i64 = 500;
/// Items in a page when the caller does not say.
pub const DEFAULT_PAGE: i64 = 100;

/// What the caller asked for: how many, and where the previous page ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    pub cursor: Option<String>,
}

impl PageRequest {
    /// A request from the query's `limit` (default [`DEFAULT_PAGE`]) and `cursor`; a limit
    /// outside 1 to [`MAX_PAGE`] is refused.
    pub fn new(limit: Option<i64>, cursor: Option<String>) -> CoreResult<Self> {
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(CoreError::invalid(
                "limit",
                format!("must be 1 to {MAX_PAGE}"),
            ));
        }
        Ok(Self {
            limit,
            cursor: cursor.filter(|c| !c.is_empty()),
        })
    }

    /// The cursor read as an integer key (ids, sequence numbers); a cursor that is not one was
    /// not handed out by Backline and is refused.
    pub fn integer_cursor(&self) -> CoreResult<Option<i64>> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.parse::<i64>()
                    .map_err(|_| CoreError::invalid("cursor", "not a cursor Backline handed out"))
            })
            .transpose()
    }

    /// The cursor read as a time and an id (lists ordered by a time, ties broken by id; see
    /// [`time_key`]); a cursor that is not one was not handed out by Backline and is refused.
    pub fn time_cursor(&self) -> CoreResult<Option<(Timestamp, String)>> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.split_once(':')
                    .and_then(|(millis, id)| {
                        let millis = millis.parse::<i64>().ok()?;
                        (!id.is_empty()).then(|| (Timestamp::from_millis(millis), id.to_owned()))
                    })
                    .ok_or_else(|| CoreError::invalid("cursor", "not a cursor Backline handed out"))
            })
            .transpose()
    }

    /// The page of `items` the store answered for this request (asked with `limit + 1` rows
    /// so a following page is known to exist); `key` gives an item's cursor.
    pub fn page<T>(&self, mut items: Vec<T>, key: impl Fn(&T) -> String) -> Page<T> {
        let more = items.len() as i64 > self.limit;
        items.truncate(self.limit as usize);
        let next_cursor = if more { items.last().map(key) } else { None };
        Page { items, next_cursor }
    }

    /// How many rows to ask the store for: one more than the page, to know whether another
    /// page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// The store's window for a list ordered by a time, then an id (cursors made by
    /// [`time_key`]), one row longer than the page.
    pub fn time_seek(&self) -> CoreResult<Seek<TimeKey>> {
        Ok(Seek {
            after: self.time_cursor()?.map(|(at, id)| TimeKey { at, id }),
            limit: self.fetch(),
        })
    }

    /// The cursor read as the parts of a sort key made by [`key_cursor`] (`parts` of them);
    /// anything else was not handed out by Backline and is refused.
    pub fn key_cursor(&self, parts: usize) -> CoreResult<Option<Vec<String>>> {
        let refused = || CoreError::invalid("cursor", "not a cursor Backline handed out");
        self.cursor
            .as_deref()
            .map(|c| {
                let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| refused())?;
                let key: Vec<String> = serde_json::from_slice(&bytes).map_err(|_| refused())?;
                if key.len() == parts {
                    Ok(key)
                } else {
                    Err(refused())
                }
            })
            .transpose()
    }
}

/// The cursor of an item in a list ordered by a time, ties broken by id:
/// `"<unix millis>:<id>"`, read back by [`PageRequest::time_cursor`].
pub fn time_key(at: Timestamp, id: &str) -> String {
    format!("{}:{id}", at.millis())
}

/// One page of a list and the cursor of the next (`null` on the last page).
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// The opaque cursor of a sort key of several parts, any of which may hold any character
/// (URL-safe base64 of a JSON array, so nothing needs escaping in a query string).
pub fn key_cursor(parts: &[&str]) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(parts).expect("strings serialise"))
}

/// The items of a paged list, read page after page, up to `cap` of them (all with `None`):
/// for the CLI, which prints whole lists.
pub async fn collect<T, F, Fut>(cap: Option<i64>, mut read: F) -> CoreResult<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = CoreResult<Page<T>>>,
{
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let wanted = cap.map_or(MAX_PAGE, |cap| (cap - all.len() as i64).min(MAX_PAGE));
        if wanted < 1 {
            return Ok(all);
        }
        let page = read(PageRequest::new(Some(wanted), cursor)?).await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_seek_starts_after_the_cursor_s_key() {
        let at = Timestamp::from_millis(1_700_000_000_123);
        let request = PageRequest::new(Some(5), Some(time_key(at, "id:odd"))).unwrap();
        let seek = request.time_seek().unwrap();
        assert_eq!(seek.limit, 6);
        let key = seek.after.unwrap();
        assert_eq!((key.at, key.id.as_str()), (at, "id:odd"));
    }

    #[test]
    fn a_key_cursor_reads_back_its_parts_and_refuses_others() {
        let cursor = key_cursor(&["1", "a:b/c?d", ""]);
        let request = PageRequest::new(None, Some(cursor)).unwrap();
        assert_eq!(
            request.key_cursor(3).unwrap(),
            Some(vec!["1".to_owned(), "a:b/c?d".to_owned(), String::new()])
        );
        assert!(request.key_cursor(2).is_err());
        let garbage = PageRequest::new(None, Some("%%%".into())).unwrap();
        assert!(garbage.key_cursor(1).is_err());
    }

    #[test]
    fn limits_outside_the_range_are_refused() {
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(MAX_PAGE + 1), None).is_err());
        assert_eq!(PageRequest::new(None, None).unwrap().limit, DEFAULT_PAGE);
    }

    #[test]
    fn a_page_names_the_next_cursor_only_when_more_follow() {
        let request = PageRequest::new(Some(2), None).unwrap();
        let page = request.page(vec![1, 2, 3], |n| n.to_string());
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor.as_deref(), Some("2"));
        let last = request.page(vec![4, 5], |n| n.to_string());
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn a_foreign_cursor_is_refused() {
        let request = PageRequest::new(None, Some("abc".into())).unwrap();
        assert!(request.integer_cursor().is_err());
        let request = PageRequest::new(None, Some("42".into())).unwrap();
        assert_eq!(request.integer_cursor().unwrap(), Some(42));
    }

    #[test]
    fn time_cursors_read_back_their_key() {
        let key = time_key(Timestamp::from_millis(1_700_000_000_123), "a:b.node");
        let request = PageRequest::new(None, Some(key)).unwrap();
        assert_eq!(
            request.time_cursor().unwrap(),
            Some((Timestamp::from_millis(1_700_000_000_123), "a:b.node".into()))
        );
        for foreign in ["abc", "12", "x:id", "12:"] {
            let request = PageRequest::new(None, Some(foreign.into())).unwrap();
            assert!(request.time_cursor().is_err(), "{foreign}");
        }
    }
}
