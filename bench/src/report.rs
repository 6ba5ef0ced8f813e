//! The report: Markdown tables, every Backline figure beside the ceiling from the same run
//! and the target from `shared/docs/ARCHITECTURE.md` ("Performance targets").

use crate::load::{LoadResult, Tally};
use crate::machine::CpuShare;
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
    let _ = writeln!(out, "# Backline bench, Spectra surface\n");
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
    if let Some(c) = &section.validate_key {
        let share = c.backline.rate() / c.ceiling.rate().max(1e-9);
        let _ = writeln!(
            out,
            "| `validateAccessKey`, closed loop, {} connections | {} req/s | {} req/s | {} | ≥ 50 % of the ceiling | {} |",
            s.connections,
            thousands(c.backline.rate()),
            thousands(c.ceiling.rate()),
            percent(c.backline.rate(), c.ceiling.rate()),
            verdict_for(share >= 0.5 && c.backline.tally.errors == 0, &[&c.backline, &c.ceiling])
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
        let service = if r.offered_rate.is_some() {
            format!(" (service p99 {})", ms(r.service_ms(0.99)))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| {name} | {server} | {offered} | {} | {} | {} | {}{service} | {} | {} | {} |",
            thousands(r.rate()),
            ms(r.ms(0.5)),
            ms(r.ms(0.9)),
            ms(r.ms(0.99)),
            ms(r.max_ms()),
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
            "During the scenarios {:.1} % of the CPU time was stolen by the hypervisor and {:.1} % used by processes outside the bench, Backline, the ceiling and PostgreSQL; more than a few percent of either moves the figures.",
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
