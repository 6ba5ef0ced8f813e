//! The traits whose reads are not cached and whose writes touch no cached table: each is
//! implemented once, for every [`Forwarding`] store, by handing the call to the inner store.
//!
//! Those implementations are not written here: each such trait is declared with
//! `forwarded_store_trait!` (in `traits/`), which generates the forwarding of every method
//! from the declaration, so no method can be forgotten. This file says what "forwarding
//! store" means.
//!
//! Coherence allows these blanket impls beside `SqlStore`'s own: `Forwarding` is local and
//! `SqlStore` does not implement it. A write added later to one of these traits that does
//! touch a cached table is still seen within the bound (the triggers bump the counters);
//! to make it visible at once on this node, declare its trait as a plain trait and implement
//! it in the area's own file.

use super::CachedStore;
use crate::traits::Store;

/// A store that hands the calls of the forwarded traits to another store.
pub(crate) trait Forwarding: Send + Sync {
    /// The store that answers.
    type Inner: Store;
    /// That store.
    fn inner(&self) -> &Self::Inner;
}

impl<S: Store> Forwarding for CachedStore<S> {
    type Inner = S;
    #[inline]
    fn inner(&self) -> &S {
        &self.inner
    }
}
