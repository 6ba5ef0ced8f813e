//! How much of the machine a loop really had: the CPU time the hypervisor stole, and the CPU
//! time used by processes other than the bench, Backline, the ceiling and PostgreSQL (a
//! build or a test suite running beside the bench). On a 2-core machine either one moves
//! the figures far more than anything Backline does, so each loop reports both.

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
    let mut pids = WATCHED.lock().expect("watch list lock").clone();
    pids.push(std::process::id());
    pids.extend(postgres_pids());
    let ours = pids
        .into_iter()
        .filter_map(|pid| Some((pid, process_ticks(pid)?)))
        .collect();
    Some(Snapshot {
        all: f.iter().sum(),
        steal: f[7],
        busy: f[0] + f[1] + f[2],
        ours,
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

/// utime + stime of a process (all its threads), from `/proc/PID/stat`.
fn process_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_process_ticks(&stat)
}

fn parse_process_ticks(stat: &str) -> Option<u64> {
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field 3 (state) is fields[0]; utime is field 14, stime field 15.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn postgres_pids() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_ticks_are_read_after_the_command_name() {
        let stat = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0 1000";
        assert_eq!(parse_process_ticks(stat), Some(325));
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
