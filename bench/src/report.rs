//! The report: Markdown tables, every Backline figure beside the ceiling from the same run
//! and the target from `shared/docs/ARCHITECTURE.md` ("Performance targets").

use crate::ember::{EmberPoll, PLAYERS_PER_POLL};
use crate::load::{LoadResult, Tally};
use crate::machine::CpuShare;
use crate::nakama::{CustomAuth, Pair};
use crate::scenarios::{Comparison, Flow, FlowRun, Settings, FLOW_CALLS};
use std::fmt::Write;
use std::time::Duration;

/// Everything measured against one database.
pub struct Section {
    pub database: &'static str,
    /// Start-up to the first `/healthz` answer, one per start.
    pub startups: Vec<Duration>,
    pub idle_rss_kib: u64,
    /// VmHWM at the end of the run: the highest resident memory of the process.
    pub peak_rss_kib: u64,
    /// Highest sampled resident memory during each scenario.
    pub scenario_peaks: Vec<(&'static str, u64)>,
    pub validate_key: Option<Comparison>,
    pub match_update: Option<Comparison>,
    pub match_flow: Option<Flow>,
    pub nakama_http_key: Option<Pair>,
    pub nakama_session: Option<Pair>,
    pub nakama_custom_auth: Option<CustomAuth>,
    pub ember_poll: Option<EmberPoll>,
    /// `unknown-route`: the middleware stack alone.
    pub unknown_route: Option<Pair>,
    /// Lines Backline wrote at `warn` or above.
    pub log_lines: u64,
    /// CPU time stolen, or used by other processes, during the scenarios.
    pub cpu: Option<CpuShare>,
}

/// What the run was.
pub struct RunInfo {
    pub started_unix: u64,
    pub cores: usize,
    pub settings: Settings,
    pub body_path: String,
    pub body_bytes: usize,
    pub backline_path: String,
}

/// Group digits: 12345.6 → "12,346".
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0} ms")
    } else if value >= 10.0 {
        format!("{value:.1} ms")
    } else {
        format!("{value:.2} ms")
    }
}

/// A latency quantile of a loop, or "none answered" when no answer fell in its window.
fn quantile_ms(r: &LoadResult, quantile: f64) -> String {
    if r.tally.ok == 0 {
        "none answered".to_owned()
    } else if quantile >= 1.0 {
        ms(r.max_ms())
    } else {
        ms(r.ms(quantile))
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn percent(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.0} %", 100.0 * part / whole)
    } else {
        "–".into()
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**missed**"
    }
}

/// Share of the CPU time (stolen plus used by other processes) above which a loop's figure
/// is marked as disturbed.
const DISTURBED_PERCENT: f64 = 5.0;

/// The verdict, marked when one of the loops behind the figure did not have the machine to
/// itself.
fn verdict_for(met: bool, loops: &[&LoadResult]) -> String {
    let worst = loops
        .iter()
        .filter_map(|r| r.cpu)
        .map(|c| c.steal + c.others)
        .fold(0.0, f64::max);
    if worst > DISTURBED_PERCENT {
        format!(
            "{} (disturbed: {worst:.0} % of the CPU stolen or used by others)",
            verdict(met)
        )
    } else {
        verdict(met).to_owned()
    }
}

fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn tally_ms(tally: &Tally, quantile: f64) -> f64 {
    tally.latency.value_at_quantile(quantile) as f64 / 1000.0
}

/// The whole report.
pub fn render(info: &RunInfo, sections: &[Section]) -> String {
    let s = &info.settings;
    let mut out = String::new();
    let _ = writeln!(out, "# Backline bench\n");
    let _ = writeln!(
        out,
        "- run started at unix time {}, {} cores, load generator and servers on the same machine",
        info.started_unix, info.cores
    );
    let _ = writeln!(out, "- Backline: `{}`", info.backline_path);
    let _ = writeln!(
        out,
        "- match body: `{}`, {} bytes sent per update",
        info.body_path,
        thousands(info.body_bytes as f64)
    );
    let _ = writeln!(
        out,
        "- closed loops: {} connections, {} s warm-up, {} s measured; open loops: {} connections, {} s warm-up, {} s measured",
        s.connections,
        s.warmup.as_secs_f64(),
        s.duration.as_secs_f64(),
        s.open_connections,
        s.warmup.as_secs_f64(),
        s.open_duration.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "- match flow: {} observers at once, {} rounds each",
        s.observers, s.rounds
    );
    let _ = writeln!(
        out,
        "- Nakama: custom authentication over {} accounts; ember-poll: {} servers, {} connected players per poll, queue of other servers' executions at 1 % then 100 % of {}, open loop at {} polls/s",
        thousands(s.custom_accounts as f64),
        thousands(s.ember_servers as f64),
        PLAYERS_PER_POLL,
        thousands(s.ember_queue as f64),
        thousands(s.poll_rate)
    );
    for section in sections {
        render_section(&mut out, info, section);
    }
    out
}

fn render_section(out: &mut String, info: &RunInfo, section: &Section) {
    let s = &info.settings;
    let postgres = section.database == "PostgreSQL";
    let _ = writeln!(out, "\n## {}\n", section.database);
    let _ = writeln!(
        out,
        "| figure | Backline | ceiling, same run | Backline / ceiling | target | |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    // Issue 9's targets: a read at half the ceiling on SQLite, at 35 % on PostgreSQL.
    let read_floor = if postgres { 0.35 } else { 0.5 };
    if let Some(c) = &section.validate_key {
        let share = c.backline.rate() / c.ceiling.rate().max(1e-9);
        let _ = writeln!(
            out,
            "| `validateAccessKey`, closed loop, {} connections | {} req/s | {} req/s | {} | ≥ {:.0} % of the ceiling | {} |",
            s.connections,
            thousands(c.backline.rate()),
            thousands(c.ceiling.rate()),
            percent(c.backline.rate(), c.ceiling.rate()),
            read_floor * 100.0,
            verdict_for(share >= read_floor && c.backline.tally.errors == 0, &[&c.backline, &c.ceiling])
        );
        let rate = c.backline_open.offered_rate.unwrap_or_default();
        let p99 = c.backline_open.ms(0.99);
        let _ = writeln!(
            out,
            "| `validateAccessKey`, open loop at half that ({} req/s): p99 | {} | {} | | p99 < 5 ms | {} |",
            thousands(rate),
            ms(p99),
            ms(c.ceiling_open.ms(0.99)),
            verdict_for(p99 < 5.0 && c.backline_open.tally.errors == 0, &[&c.backline_open, &c.ceiling_open])
        );
    }
    if let Some(c) = &section.match_update {
        let floor = if postgres { 3000.0 } else { 5000.0 };
        let _ = writeln!(
            out,
            "| match update ({:.1} KB body), closed loop, {} connections | {} /s | {} /s | {} | ≥ {} /s | {} |",
            info.body_bytes as f64 / 1000.0,
            s.connections,
            thousands(c.backline.rate()),
            thousands(c.ceiling.rate()),
            percent(c.backline.rate(), c.ceiling.rate()),
            thousands(floor),
            verdict_for(c.backline.rate() >= floor && c.backline.tally.errors == 0, &[&c.backline, &c.ceiling])
        );
        let rate = c.backline_open.offered_rate.unwrap_or_default();
        let p99 = c.backline_open.ms(0.99);
        let _ = writeln!(
            out,
            "| match update, open loop at {} /s: p99 | {} | {} | | p99 < 20 ms at 500/s | {} |",
            thousands(rate),
            ms(p99),
            ms(c.ceiling_open.ms(0.99)),
            verdict_for(
                p99 < 20.0 && c.backline_open.tally.errors == 0,
                &[&c.backline_open, &c.ceiling_open]
            )
        );
    }
    if let Some(f) = &section.match_flow {
        let _ = writeln!(
            out,
            "| match flow, {} observers × {} rounds: updates/s | {} /s | {} /s | {} | (none) | {} errors |",
            s.observers,
            s.rounds,
            thousands(f.backline.updates_per_second()),
            thousands(f.ceiling.updates_per_second()),
            percent(f.backline.updates_per_second(), f.ceiling.updates_per_second()),
            f.backline.errors()
        );
        let _ = writeln!(
            out,
            "| match flow: update p99 / total run time | {} / {:.2} s | {} / {:.2} s | | (none) | |",
            ms(tally_ms(f.backline.updates(), 0.99)),
            f.backline.total.as_secs_f64(),
            ms(tally_ms(f.ceiling.updates(), 0.99)),
            f.ceiling.total.as_secs_f64()
        );
    }
    nakama_rows(out, s, section, read_floor);
    if let Some(e) = &section.ember_poll {
        ember_rows(out, s, e);
    }
    if let Some(p) = &section.unknown_route {
        let what = format!(
            "unknown route (`GET {}`, 404)",
            crate::scenarios::UNKNOWN_ROUTE
        );
        pair_row(out, s, &what, p, 0.75);
    }
    let _ = writeln!(
        out,
        "| resident memory, idle after start | {} | | | < 50 MB | {} |",
        mib(section.idle_rss_kib),
        verdict(section.idle_rss_kib * 1024 < 50_000_000)
    );
    let _ = writeln!(
        out,
        "| resident memory, peak (VmHWM) | {} | | | < 250 MB | {} |",
        mib(section.peak_rss_kib),
        verdict(section.peak_rss_kib * 1024 < 250_000_000)
    );
    let startup = median(&section.startups);
    let _ = writeln!(
        out,
        "| start-up to first `/healthz` answer, existing database (median of {}) | {:.0} ms | | | < 200 ms | {} |",
        section.startups.len(),
        startup.as_secs_f64() * 1000.0,
        verdict(startup < Duration::from_millis(200))
    );

    let _ = writeln!(out, "\n### {} details\n", section.database);
    let _ = writeln!(
        out,
        "| run | server | offered | answered/s | p50 | p90 | p99 | max | errors | CPU stolen / other processes |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|");
    let mut errors = Vec::new();
    let mut row = |name: &str, server: &str, r: &LoadResult| {
        let offered = r
            .offered_rate
            .map_or("closed".to_owned(), |x| format!("{} /s", thousands(x)));
        let service = if r.offered_rate.is_some() && r.tally.ok > 0 {
            format!(" (service p99 {})", ms(r.service_ms(0.99)))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| {name} | {server} | {offered} | {} | {} | {} | {}{service} | {} | {} | {} |",
            thousands(r.rate()),
            quantile_ms(r, 0.5),
            quantile_ms(r, 0.9),
            quantile_ms(r, 0.99),
            quantile_ms(r, 1.0),
            if r.not_sent > 0 {
                format!("{} ({} not sent)", r.tally.errors, r.not_sent)
            } else {
                r.tally.errors.to_string()
            },
            cpu_cell(r.cpu)
        );
        for e in &r.tally.first_errors {
            errors.push(format!("{name}, {server}: {e}"));
        }
    };
    for (name, comparison) in [
        ("validate-key", &section.validate_key),
        ("match-update", &section.match_update),
    ] {
        if let Some(c) = comparison {
            row(name, "Backline", &c.backline);
            row(name, "ceiling", &c.ceiling);
            row(name, "Backline", &c.backline_open);
            row(name, "ceiling", &c.ceiling_open);
        }
    }
    for (name, pair) in [
        ("nakama-http-key-rpc", section.nakama_http_key.as_ref()),
        ("nakama-session-rpc", section.nakama_session.as_ref()),
        (
            "nakama-custom-auth",
            section.nakama_custom_auth.as_ref().map(|c| &c.pair),
        ),
        ("unknown-route", section.unknown_route.as_ref()),
    ] {
        if let Some(p) = pair {
            row(name, "Backline", &p.backline);
            row(name, "ceiling", &p.ceiling);
        }
    }
    if let Some(e) = &section.ember_poll {
        for run in &e.runs {
            let name = format!("ember-poll, queue {}", thousands(run.queue as f64));
            row(&name, "Backline", &run.closed);
            row(&name, "Backline", &run.open);
        }
        row("ember-poll", "ceiling", &e.ceiling);
        row("ember-poll", "ceiling", &e.ceiling_open);
    }
    if let Some(c) = &section.nakama_custom_auth {
        let _ = writeln!(
            out,
            "\nCustom authentication: {} accounts created with `create=true` in {:.1} s before the loops; Backline's answer is {} bytes.",
            thousands(c.accounts as f64),
            c.created_in.as_secs_f64(),
            thousands(c.answer_bytes as f64)
        );
    }
    if let Some(e) = &section.ember_poll {
        let _ = writeln!(
            out,
            "\nember-poll: {} polled servers and {} others inserted in {:.1} s; queue set-up {}; poll body {} bytes.",
            thousands(e.servers as f64),
            thousands(e.offline_servers as f64),
            e.seeded_in.as_secs_f64(),
            e.runs
                .iter()
                .map(|r| format!("{} in {:.1} s", thousands(r.queue as f64), r.queued_in.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", "),
            thousands(e.body_bytes as f64)
        );
    }
    if let Some(f) = &section.match_flow {
        let _ = writeln!(
            out,
            "\nMatch flow, per call (latency from send; closed loop per observer):\n"
        );
        let _ = writeln!(
            out,
            "| call | Backline answered | p50 | p99 | max | errors | ceiling p99 |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|");
        flow_rows(out, &f.backline, &f.ceiling);
        for e in f.backline.first_errors() {
            errors.push(format!("match-flow, Backline: {e}"));
        }
        for e in f.ceiling.first_errors() {
            errors.push(format!("match-flow, ceiling: {e}"));
        }
    }
    if !section.scenario_peaks.is_empty() {
        let peaks: Vec<String> = section
            .scenario_peaks
            .iter()
            .map(|(name, kib)| format!("{name} {}", mib(*kib)))
            .collect();
        let _ = writeln!(
            out,
            "\nPeak resident memory sampled every 50 ms: {}.",
            peaks.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "Backline wrote {} log lines at `warn` or above.",
        section.log_lines
    );
    if let Some(cpu) = section.cpu {
        let _ = writeln!(
            out,
            "During the scenarios {:.1} % of the CPU time was stolen by the hypervisor and {:.1} % used by processes outside the bench, Backline, the ceiling, PostgreSQL and kernel threads; more than a few percent of either moves the figures.",
            cpu.steal, cpu.others
        );
    }
    if !errors.is_empty() {
        let _ = writeln!(out, "\nFirst errors:\n");
        for e in errors.iter().take(10) {
            let _ = writeln!(out, "- `{}`", e.replace('`', "'"));
        }
    }
}

fn nakama_rows(out: &mut String, s: &Settings, section: &Section, read_floor: f64) {
    let rows = [
        (
            "`account/lookup` RPC with the http key",
            section.nakama_http_key.as_ref(),
            read_floor,
        ),
        (
            "`account/lookup` RPC with a session token",
            section.nakama_session.as_ref(),
            read_floor,
        ),
    ];
    for (what, pair, floor) in rows {
        if let Some(p) = pair {
            pair_row(out, s, what, p, floor);
        }
    }
    if let Some(c) = &section.nakama_custom_auth {
        let what = format!(
            "custom authentication, existing accounts (`create=false`, {} in turn)",
            thousands(c.accounts as f64)
        );
        pair_row(out, s, &what, &c.pair, 0.30);
    }
}

fn pair_row(out: &mut String, s: &Settings, what: &str, p: &Pair, floor: f64) {
    let _ = writeln!(
        out,
        "| {what}, closed loop, {} connections | {} req/s | {} req/s | {} | ≥ {:.0} % of the ceiling | {} |",
        s.connections,
        thousands(p.backline.rate()),
        thousands(p.ceiling.rate()),
        percent(p.backline.rate(), p.ceiling.rate()),
        floor * 100.0,
        verdict_for(
            p.share() >= floor && p.backline.tally.errors == 0,
            &[&p.backline, &p.ceiling]
        )
    );
}

/// Whether poll latency stayed flat from the first run to the last: open-loop p50 at most
/// 25 % (+ 0.2 ms) higher and closed-loop throughput at most 25 % lower.
pub fn flat(small: &crate::ember::EmberRun, large: &crate::ember::EmberRun) -> bool {
    large.open.tally.ok > 0
        && large.open.ms(0.5) <= small.open.ms(0.5) * 1.25 + 0.2
        && large.closed.rate() >= small.closed.rate() * 0.75
}

fn ember_rows(out: &mut String, s: &Settings, e: &EmberPoll) {
    for run in &e.runs {
        let errors = run.closed.tally.errors;
        let _ = writeln!(
            out,
            "| game poll ({} players), closed loop, {} connections, queue {} | {} polls/s | {} polls/s | {} | ≥ 5,000 polls/s | {} |",
            PLAYERS_PER_POLL,
            s.connections,
            thousands(run.queue as f64),
            thousands(run.closed.rate()),
            thousands(e.ceiling.rate()),
            percent(run.closed.rate(), e.ceiling.rate()),
            verdict_for(
                run.closed.rate() >= 5000.0 && errors == 0,
                &[&run.closed, &e.ceiling]
            )
        );
    }
    for run in &e.runs {
        let rate = run.open.offered_rate.unwrap_or_default();
        let p99 = run.open.ms(0.99);
        let _ = writeln!(
            out,
            "| game poll p99, open loop at {} /s, queue {} | {} | {} | | p99 < 10 ms at 1,000/s | {} |",
            thousands(rate),
            thousands(run.queue as f64),
            quantile_ms(&run.open, 0.99),
            quantile_ms(&e.ceiling_open, 0.99),
            verdict_for(
                p99 < 10.0 && run.open.tally.ok > 0 && run.open.tally.errors == 0,
                &[&run.open, &e.ceiling_open]
            )
        );
    }
    if let (Some(small), Some(large)) = (e.runs.first(), e.runs.last()) {
        if e.runs.len() > 1 {
            let _ = writeln!(
                out,
                "| game poll as the queue grows {:.0}×: open-loop p50 / p99, closed-loop rate | {} → {} / {} → {}, {} → {} polls/s | | | flat | {} |",
                large.queue as f64 / small.queue.max(1) as f64,
                quantile_ms(&small.open, 0.5),
                quantile_ms(&large.open, 0.5),
                quantile_ms(&small.open, 0.99),
                quantile_ms(&large.open, 0.99),
                thousands(small.closed.rate()),
                thousands(large.closed.rate()),
                verdict_for(
                    flat(small, large),
                    &[&small.open, &large.open, &small.closed, &large.closed]
                )
            );
        }
    }
}

fn cpu_cell(cpu: Option<CpuShare>) -> String {
    cpu.map_or("–".to_owned(), |c| {
        format!("{:.1} % / {:.1} %", c.steal, c.others)
    })
}

fn flow_rows(out: &mut String, backline: &FlowRun, ceiling: &FlowRun) {
    for (i, name) in FLOW_CALLS.iter().enumerate() {
        let b = &backline.calls[i];
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} |",
            b.ok,
            ms(tally_ms(b, 0.5)),
            ms(tally_ms(b, 0.99)),
            ms(b.latency.max() as f64 / 1000.0),
            b.errors,
            ms(tally_ms(&ceiling.calls[i], 0.99))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1234.0), "1,234");
        assert_eq!(thousands(1234567.8), "1,234,568");
    }

    #[test]
    fn median_takes_the_middle() {
        let d = |ms| Duration::from_millis(ms);
        assert_eq!(median(&[d(30), d(10), d(20)]), d(20));
        assert_eq!(median(&[]), Duration::ZERO);
    }
}
