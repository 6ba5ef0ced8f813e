//! How much of the machine a loop really had: the CPU time the hypervisor stole, and the CPU
//! time used by processes other than the bench, Backline, the ceiling, PostgreSQL and the
//! kernel's threads (a build or a test suite running beside the bench). On a 2-core machine
//! either one moves the figures far more than anything Backline does, so each loop reports
//! both.

use std::collections::HashMap;
use std::sync::Mutex;

/// Processes of the measured system besides this one (Backline, the ceiling).
static WATCHED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Counts `pid`'s CPU time as part of the measured system.
pub fn watch(pid: u32) {
    WATCHED.lock().expect("watch list lock").push(pid);
}

/// Machine-wide CPU counters and the measured system's own, at one instant (clock ticks).
pub struct Snapshot {
    all: u64,
    steal: u64,
    /// user + nice + system: what processes ran (interrupt time is left out, as it is not
    /// charged to any process).
    busy: u64,
    ours: HashMap<u32, u64>,
}

/// Shares of all CPU time between two snapshots, in percent.
#[derive(Clone, Copy, Debug)]
pub struct CpuShare {
    pub steal: f64,
    pub others: f64,
}

pub fn snapshot() -> Option<Snapshot> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let f: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|x| x.parse().ok())
        .collect();
    if f.len() != 8 {
        return None;
    }
    let mut watched = WATCHED.lock().expect("watch list lock").clone();
    watched.push(std::process::id());
    let ours = measured_processes(&watched);
    Some(Snapshot {
        all: f.iter().sum(),
        steal: f[7],
        busy: f[0] + f[1] + f[2],
        ours,
    })
}

/// CPU ticks of the processes that belong to the measured system: `watched`, PostgreSQL's
/// processes, and kernel threads (the page cache writing the databases back, network
/// soft interrupts), which work for whoever wrote or sent.
fn measured_processes(watched: &[u32]) -> HashMap<u32, u64> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return HashMap::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let process = parse_stat(&stat)?;
            let measured = watched.contains(&pid)
                || process.comm == "postgres"
                || pid == KTHREADD
                || process.ppid == KTHREADD;
            measured.then_some((pid, process.ticks))
        })
        .collect()
}

/// The kernel's thread launcher: every kernel thread is its child.
const KTHREADD: u32 = 2;

struct ProcessStat<'a> {
    comm: &'a str,
    ppid: u32,
    /// utime + stime, all threads.
    ticks: u64,
}

/// Reads `/proc/PID/stat`.
fn parse_stat(stat: &str) -> Option<ProcessStat<'_>> {
    // The command name may hold spaces and parentheses: it ends at the last ')'.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    Some(ProcessStat {
        comm: &stat[open + 1..close],
        ppid: fields.get(1)?.parse().ok()?,
        ticks: fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?,
    })
}

pub fn share(before: &Option<Snapshot>, after: &Option<Snapshot>) -> Option<CpuShare> {
    let (before, after) = (before.as_ref()?, after.as_ref()?);
    let all = after.all.checked_sub(before.all).filter(|&t| t > 0)? as f64;
    let ours: u64 = after
        .ours
        .iter()
        // A process that appeared during the loop (a PostgreSQL backend the pool opened
        // under load) spent all its time in it.
        .map(|(pid, ticks)| ticks.saturating_sub(before.ours.get(pid).copied().unwrap_or(0)))
        .sum();
    let others = after.busy.saturating_sub(before.busy).saturating_sub(ours);
    Some(CpuShare {
        steal: 100.0 * after.steal.saturating_sub(before.steal) as f64 / all,
        others: 100.0 * others as f64 / all,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_stat_fields_are_read_after_the_command_name() {
        let stat = "42 (a (b) c) S 7 42 42 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0 1000";
        let parsed = parse_stat(stat).unwrap();
        assert_eq!(parsed.comm, "a (b) c");
        assert_eq!(parsed.ppid, 7);
        assert_eq!(parsed.ticks, 325);
    }

    #[test]
    fn shares_are_percent_of_all_cpu_time() {
        let snap = |all, steal, busy, ours: &[(u32, u64)]| Snapshot {
            all,
            steal,
            busy,
            ours: ours.iter().copied().collect(),
        };
        let before = Some(snap(1000, 10, 500, &[(1, 100), (2, 50)]));
        // 200 ticks pass: 20 stolen, 120 busy of which 80 are ours (20 of them by pid 3,
        // which started during the loop).
        let after = Some(snap(1200, 30, 620, &[(1, 150), (2, 60), (3, 20)]));
        let measured = share(&before, &after).unwrap();
        assert_eq!(measured.steal, 10.0);
        assert_eq!(measured.others, 20.0);
        assert!(share(&before, &before).is_none());
        assert!(share(&None, &after).is_none());
    }

    #[test]
    fn this_process_is_seen() {
        if std::path::Path::new("/proc/stat").exists() {
            let snap = snapshot().unwrap();
            assert!(snap.ours.contains_key(&std::process::id()));
        }
    }
}
