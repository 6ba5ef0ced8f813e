//! Idempotency keys: one claim wins, answers are kept, unanswered keys are freed when
//! released or abandoned, expired keys are forgotten.

use backline_domain::Timestamp;
use backline_store::*;

backline_store::stories!(crate::with_store =>
    of_many_claims_of_one_key_at_once_exactly_one_wins,
    a_claimed_key_keeps_its_answer_until_it_expires,
    an_unanswered_key_is_freed_when_released_or_abandoned,
);

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_millis(seconds * 1000)
}

async fn claim(store: &SqlStore, id: &str, fingerprint: &str, now: i64) -> IdempotencyClaim {
    store
        .claim_idempotency_key(id, fingerprint, at(now), at(now - 600), at(now + 86_400))
        .await
        .unwrap()
}

async fn of_many_claims_of_one_key_at_once_exactly_one_wins(store: SqlStore) {
    let claims = futures::future::join_all((0..8).map(|_| {
        let store = store.clone();
        async move { claim(&store, "race", "fp", 1_000).await }
    }))
    .await;
    let won = claims
        .iter()
        .filter(|c| **c == IdempotencyClaim::Claimed)
        .count();
    assert_eq!(won, 1, "{claims:?}");
    for c in claims.iter().filter(|c| **c != IdempotencyClaim::Claimed) {
        assert_eq!(
            *c,
            IdempotencyClaim::Taken {
                fingerprint: "fp".into(),
                answer: None
            }
        );
    }
}

async fn a_claimed_key_keeps_its_answer_until_it_expires(store: SqlStore) {
    assert_eq!(
        claim(&store, "k", "fp-1", 1_000).await,
        IdempotencyClaim::Claimed
    );
    let answer = StoredAnswer {
        status: 201,
        content_type: "application/json".into(),
        sealed_body: "c2VhbGVk".into(),
    };
    store.answer_idempotency_key("k", &answer).await.unwrap();
    // Answered keys are never released, and never taken for abandoned.
    store.release_idempotency_key("k").await.unwrap();
    let later = claim(&store, "k", "fp-2", 1_000 + 3_600).await;
    assert_eq!(
        later,
        IdempotencyClaim::Taken {
            fingerprint: "fp-1".into(),
            answer: Some(answer)
        }
    );
    assert_eq!(
        store
            .delete_expired_idempotency_keys(at(1_000 + 86_399))
            .await
            .unwrap(),
        0
    );
    // A day after its first use the key is another request's.
    assert_eq!(
        claim(&store, "k", "fp-2", 1_000 + 86_400).await,
        IdempotencyClaim::Claimed
    );
    assert_eq!(
        claim(&store, "other", "fp", 1_000).await,
        IdempotencyClaim::Claimed
    );
    assert_eq!(
        store
            .delete_expired_idempotency_keys(at(1_000 + 86_400))
            .await
            .unwrap(),
        1,
        "`other` expired; `k` was claimed anew"
    );
}

async fn an_unanswered_key_is_freed_when_released_or_abandoned(store: SqlStore) {
    assert_eq!(
        claim(&store, "k", "fp", 1_000).await,
        IdempotencyClaim::Claimed
    );
    store.release_idempotency_key("k").await.unwrap();
    assert_eq!(
        claim(&store, "k", "fp", 1_001).await,
        IdempotencyClaim::Claimed
    );
    // Still running ten minutes on: taken; a moment later, abandoned and claimed anew.
    assert!(matches!(
        claim(&store, "k", "fp", 1_001 + 600).await,
        IdempotencyClaim::Taken { answer: None, .. }
    ));
    assert_eq!(
        claim(&store, "k", "fp", 1_001 + 601).await,
        IdempotencyClaim::Claimed
    );
}
