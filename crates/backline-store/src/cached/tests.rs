//! The generation race: a read that began before an invalidation must not store its row.

use super::*;
use crate::testing::TestDatabase;
use crate::{Backend, StoreError};
use backline_domain::ids::{AccessKeyId, OrgId};

fn row(revoked: Option<i64>) -> Option<(AccessKey, Organisation)> {
    let org = Organisation {
        id: OrgId::from_string("org"),
        name: "Org".into(),
        supporter: false,
        supporter_until: None,
        created_at: backline_domain::Timestamp::from_millis(1),
    };
    let key = AccessKey {
        id: AccessKeyId::from_string("key"),
        org_id: org.id.clone(),
        prefix: "abcd".into(),
        created_at: backline_domain::Timestamp::from_millis(1),
        expires_at: None,
        revoked_at: revoked.map(backline_domain::Timestamp::from_millis),
    };
    Some((key, org))
}

/// A read of `hash` through the cache whose database answer is whatever `answer` sends.
async fn read_answering(
    cached: &CachedStore<SqlStore>,
    hash: &SecretHash,
    answer: tokio::sync::oneshot::Receiver<Option<(AccessKey, Organisation)>>,
) -> StoreResult<Option<(AccessKey, Organisation)>> {
    cached
        .cached(
            |s| &s.spectra_keys,
            |m| m.by_hash.get(hash),
            async {
                answer
                    .await
                    .map_err(|_| StoreError::Corrupt("no answer".into()))
            },
            |m, v| m.by_hash.put(hash.clone(), v),
        )
        .await
}

use crate::sql::SqlStore;

#[tokio::test]
async fn a_read_that_began_before_an_invalidation_does_not_store_its_row() {
    let db = TestDatabase::create(Backend::Sqlite).await.expect("sqlite");
    let store = db.store().await;
    let cached = CachedStore::start(store.clone(), CacheOptions::default())
        .await
        .unwrap();
    let hash = SecretHash::of("k");

    // The read asks the database (and waits for its answer)…
    let (tx, rx) = tokio::sync::oneshot::channel();
    let read = read_answering(&cached, &hash, rx);
    tokio::pin!(read);
    assert!(futures::poll!(&mut read).is_pending());
    // …a revocation commits and clears the area meanwhile…
    cached.invalidate(CacheArea::SpectraKeys);
    // …then the read's answer, from before the revocation, arrives: its caller gets it (the
    // read began before the revocation), the cache does not keep it.
    tx.send(row(None)).unwrap();
    assert_eq!(read.await.unwrap(), row(None));
    assert_eq!(cached.cached_entries(CacheArea::SpectraKeys), 0);

    // A read that began after the invalidation is kept and served.
    let (tx, rx) = tokio::sync::oneshot::channel();
    tx.send(row(Some(5))).unwrap();
    assert_eq!(
        read_answering(&cached, &hash, rx).await.unwrap(),
        row(Some(5))
    );
    assert_eq!(cached.cached_entries(CacheArea::SpectraKeys), 1);
    let (_tx, unused) = tokio::sync::oneshot::channel();
    assert_eq!(
        read_answering(&cached, &hash, unused).await.unwrap(),
        row(Some(5)),
        "served from memory"
    );
    cached.stop();
    store.close().await;
    db.drop_database().await;
}

#[test]
fn a_bounded_map_empties_itself_instead_of_growing_past_its_capacity() {
    let mut map = BoundedMap::new(3);
    for i in 0..3 {
        map.put(i, i);
    }
    map.put(1, 10);
    assert_eq!(
        (map.len(), map.get(&1)),
        (3, Some(10)),
        "a known key replaces"
    );
    map.put(3, 3);
    assert_eq!((map.len(), map.get(&0), map.get(&3)), (1, None, Some(3)));
    let mut none = BoundedMap::new(0);
    none.put(1, 1);
    assert_eq!(none.len(), 0);
}
