//! Page requests and pages: the keyset-paging shape every list shares.

use super::{CoreError, CoreResult};

/// Items a page holds when the caller does not say.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Most items one page may hold.
pub const MAX_PAGE_SIZE: u64 = 100;

/// A checked request for one page: `size` items after `after` and/or before `before`, taken
/// from the start of that range or, when `from_end`, from its end.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest<C> {
    /// How many items to return.
    pub size: u64,
    /// Exclusive lower bound in the list's order.
    pub after: Option<C>,
    /// Exclusive upper bound in the list's order.
    pub before: Option<C>,
    /// Take the last `size` items of the range rather than the first (Relay's `last`).
    pub from_end: bool,
}

impl<C> PageRequest<C> {
    /// Builds a request from Relay's `first`/`last`, enforcing the default and the maximum.
    pub fn new(
        first: Option<i32>,
        last: Option<i32>,
        after: Option<C>,
        before: Option<C>,
    ) -> CoreResult<Self> {
        let (size, from_end) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(CoreError::BadInput("give first or last, not both".into()));
            }
            (Some(n), None) => (n, false),
            (None, Some(n)) => (n, true),
            (None, None) => (DEFAULT_PAGE_SIZE as i32, false),
        };
        if size < 0 {
            return Err(CoreError::BadInput(
                "first and last cannot be negative".into(),
            ));
        }
        let size = size as u64;
        if size > MAX_PAGE_SIZE {
            return Err(CoreError::LimitExceeded(format!(
                "a page holds at most {MAX_PAGE_SIZE} items; ask for fewer and follow the cursors"
            )));
        }
        Ok(Self {
            size,
            after,
            before,
            from_end,
        })
    }
}

/// One page of items with their cursors, in the list's order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items, each with its encoded cursor.
    pub items: Vec<(String, T)>,
    /// Whether items follow the last one in the list's order.
    pub has_next: bool,
    /// Whether items precede the first one in the list's order.
    pub has_previous: bool,
}

impl<T> Page<T> {
    /// Assembles a page from rows fetched one past the page size, in fetch order.
    ///
    /// Rows for a `from_end` request were fetched in reverse, so they are turned back here.
    /// The bound the caller gave on the side paging came from says whether more lie that way.
    pub fn assemble<C>(
        mut rows: Vec<T>,
        request: &PageRequest<C>,
        cursor: impl Fn(&T) -> String,
    ) -> Self {
        let more = rows.len() as u64 > request.size;
        rows.truncate(request.size as usize);
        if request.from_end {
            rows.reverse();
        }
        let (has_next, has_previous) = if request.from_end {
            (request.before.is_some(), more)
        } else {
            (more, request.after.is_some())
        };
        Self {
            items: rows.into_iter().map(|r| (cursor(&r), r)).collect(),
            has_next,
            has_previous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_defaults_and_limits() {
        let r = PageRequest::<()>::new(None, None, None, None).expect("default");
        assert_eq!((r.size, r.from_end), (DEFAULT_PAGE_SIZE, false));
        assert!(matches!(
            PageRequest::<()>::new(Some(101), None, None, None),
            Err(CoreError::LimitExceeded(_))
        ));
        assert!(PageRequest::<()>::new(Some(100), None, None, None).is_ok());
        assert!(matches!(
            PageRequest::<()>::new(Some(1), Some(1), None, None),
            Err(CoreError::BadInput(_))
        ));
        assert!(matches!(
            PageRequest::<()>::new(None, Some(-1), None, None),
            Err(CoreError::BadInput(_))
        ));
    }

    #[test]
    fn backward_pages_come_back_in_list_order() {
        let r = PageRequest::new(None, Some(2), None, Some(9)).expect("request");
        let page = Page::assemble(vec![8, 7, 6], &r, |n| n.to_string());
        let items: Vec<_> = page.items.iter().map(|(_, n)| *n).collect();
        assert_eq!(items, vec![7, 8]);
        assert!(page.has_previous && page.has_next);
    }
}
