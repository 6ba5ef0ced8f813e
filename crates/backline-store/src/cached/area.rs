//! One cached area: its bounded maps behind one lock, and the generation that keeps a read
//! which started before an invalidation from putting its stale row back afterwards.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;

/// A map that forgets everything when it would grow past its capacity: a client sending
/// random keys (each a cached "not found") costs at most `capacity` entries, and a full
/// clear is as correct as any eviction (the next reads go to the database).
#[derive(Debug)]
pub(crate) struct BoundedMap<K, V> {
    entries: HashMap<K, V>,
    capacity: usize,
}

impl<K: Hash + Eq, V: Clone> BoundedMap<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            capacity,
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<V> {
        self.entries.get(key).cloned()
    }

    pub(crate) fn put(&mut self, key: K, value: V) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            self.entries.clear();
        }
        self.entries.insert(key, value);
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The maps of one area, cleared together.
pub(crate) trait Maps: Send + Sync + 'static {
    fn clear(&mut self);
}

/// An area's maps and its generation, under one lock.
#[derive(Debug)]
struct State<M> {
    /// Increases with every invalidation; a read remembers it before asking the database and
    /// may store its answer only if it is unchanged.
    generation: u64,
    maps: M,
}

/// A cached area (see [`super::Areas`]).
#[derive(Debug)]
pub(crate) struct Area<M> {
    state: RwLock<State<M>>,
}

impl<M: Maps> Area<M> {
    pub(crate) fn new(maps: M) -> Self {
        Self {
            state: RwLock::new(State {
                generation: 0,
                maps,
            }),
        }
    }

    /// Reads from the maps.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&M) -> T) -> T {
        f(&self.state.read().unwrap_or_else(|e| e.into_inner()).maps)
    }

    /// The generation to hand to [`Area::store_if`] after reading the database.
    pub(crate) fn generation(&self) -> u64 {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .generation
    }

    /// Stores a row read from the database, unless the area was invalidated since the read
    /// began (`generation` taken before it): then the row may predate the change.
    pub(crate) fn store_if(&self, generation: u64, f: impl FnOnce(&mut M)) -> bool {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.generation != generation {
            return false;
        }
        f(&mut state.maps);
        true
    }

    /// Forgets every row and refuses rows of reads that began before now.
    pub(crate) fn invalidate(&self) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.generation += 1;
        state.maps.clear();
    }
}
