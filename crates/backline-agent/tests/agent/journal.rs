//! The journal's state machine on a real SQLite file in a temporary state directory:
//! started before sending, done with the result, acknowledged once Backline took the
//! finish; an execution interrupted by a restart never fresh again; one agent per directory.

use backline_agent::journal::{
    Begin, ExecutionId, Journal, Outcome, PendingFinish, OUTCOME_UNKNOWN,
};
use backline_agent::AgentError;

#[test]
fn an_execution_goes_started_done_acknowledged_and_is_never_fresh_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::open(dir.path()).unwrap();
    let id = ExecutionId(41);
    assert_eq!(journal.begin(id).unwrap(), Begin::Fresh);
    assert_eq!(journal.begin(id).unwrap(), Begin::InProgress);
    assert!(journal.pending_finishes().unwrap().is_empty());

    journal
        .finish(id, &Outcome::Failed("Unknown command".into()))
        .unwrap();
    assert_eq!(
        journal.begin(id).unwrap(),
        Begin::AlreadyDone(Outcome::Failed("Unknown command".into()))
    );
    assert_eq!(
        journal.pending_finishes().unwrap(),
        [PendingFinish {
            execution: id,
            outcome: Outcome::Failed("Unknown command".into())
        }]
    );
    // A second finish does not change the first outcome.
    journal.finish(id, &Outcome::Succeeded).unwrap();
    assert_eq!(
        journal.pending_finishes().unwrap()[0].outcome,
        Outcome::Failed("Unknown command".into())
    );

    journal.acknowledge(id).unwrap();
    assert!(journal.pending_finishes().unwrap().is_empty());
    assert_eq!(
        journal.begin(id).unwrap(),
        Begin::AlreadyDone(Outcome::Failed("Unknown command".into()))
    );
}

#[test]
fn an_execution_started_before_a_restart_is_reported_unknown_and_never_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut journal = Journal::open(dir.path()).unwrap();
        assert_eq!(journal.begin(ExecutionId(1)).unwrap(), Begin::Fresh);
        journal.finish(ExecutionId(1), &Outcome::Succeeded).unwrap();
        assert_eq!(journal.begin(ExecutionId(2)).unwrap(), Begin::Fresh);
        // The agent stops here, with execution 2 sent and not done.
    }
    let mut journal = Journal::open(dir.path()).unwrap();
    assert_eq!(journal.interrupted(), [ExecutionId(2)]);
    assert_eq!(
        journal.pending_finishes().unwrap(),
        [
            PendingFinish {
                execution: ExecutionId(1),
                outcome: Outcome::Succeeded
            },
            PendingFinish {
                execution: ExecutionId(2),
                outcome: Outcome::Failed(OUTCOME_UNKNOWN.into())
            },
        ]
    );
    assert_eq!(
        journal.begin(ExecutionId(2)).unwrap(),
        Begin::AlreadyDone(Outcome::Failed(
            "outcome unknown: agent restarted while executing".into()
        ))
    );
    journal.acknowledge(ExecutionId(2)).unwrap();
    drop(journal);
    let journal = Journal::open(dir.path()).unwrap();
    assert!(journal.interrupted().is_empty(), "reported once");
    assert_eq!(journal.pending_finishes().unwrap().len(), 1);
}

#[test]
fn a_second_agent_on_the_same_state_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = Journal::open(dir.path()).unwrap();
    match Journal::open(dir.path()) {
        Err(AgentError::StateDirectoryLocked(path)) => assert_eq!(path, dir.path()),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("two journals on one state directory"),
    }
    let message = AgentError::StateDirectoryLocked(dir.path().to_owned()).to_string();
    assert!(message.contains("another backline-agent"), "{message}");
    drop(first);
    Journal::open(dir.path()).unwrap();
}

#[test]
fn acknowledged_rows_are_pruned_and_unacknowledged_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::open(dir.path()).unwrap();
    for id in 1..=3 {
        assert_eq!(journal.begin(ExecutionId(id)).unwrap(), Begin::Fresh);
        journal
            .finish(ExecutionId(id), &Outcome::Succeeded)
            .unwrap();
    }
    journal.acknowledge(ExecutionId(1)).unwrap();
    journal.acknowledge(ExecutionId(2)).unwrap();
    assert_eq!(journal.begin(ExecutionId(4)).unwrap(), Begin::Fresh);
    // Nothing is old enough for the default retention.
    assert_eq!(
        journal
            .prune(backline_agent::journal::DEFAULT_RETENTION)
            .unwrap(),
        0
    );
    assert_eq!(journal.prune_acknowledged_before(i64::MAX).unwrap(), 2);
    let pending: Vec<_> = journal
        .pending_finishes()
        .unwrap()
        .into_iter()
        .map(|p| p.execution)
        .collect();
    assert_eq!(pending, [ExecutionId(3)]);
    assert_eq!(journal.begin(ExecutionId(4)).unwrap(), Begin::InProgress);
}

#[test]
fn finishing_an_execution_never_begun_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::open(dir.path()).unwrap();
    assert!(matches!(
        journal.finish(ExecutionId(9), &Outcome::Succeeded),
        Err(AgentError::Journal(_))
    ));
}
