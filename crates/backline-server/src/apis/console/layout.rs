//! The console's page shell: the top bar with the areas, who is signed in and sign-out; and
//! small pieces every list uses (times, badges, the next-page link).

use super::html::{document, HtmlPage};
use super::session::Console;
use backline_domain::Timestamp;
use maud::{html, Markup};

/// The console's areas, in the order of the top bar: (path, label).
const AREAS: &[(&str, &str)] = &[
    ("/console", "Dashboard"),
    ("/console/orgs", "Organisations"),
    ("/console/matches", "Matches"),
    ("/console/servers", "Servers"),
    ("/console/executions", "Executions"),
    ("/console/bans", "Bans"),
    ("/console/roles", "Roles"),
    ("/console/users", "Users"),
    ("/console/broadcasters", "Broadcasters"),
    ("/console/lobbies", "EVR lobbies"),
    ("/console/audit", "Audit log"),
];

/// A console page: the top bar (with `active` marked), a title and `body`.
pub fn page(console: &Console, active: &str, title: &str, body: Markup) -> HtmlPage {
    let shell = html! {
        header.top {
            a.brand href="/console" { "Backline" }
            nav {
                @for (href, label) in AREAS {
                    a href=(href) class=[(*href == active).then_some("active")] { (label) }
                }
            }
            div.who {
                span { (console.operator.name) " · " (console.operator.role.as_str()) }
                form method="post" action="/console/sign-out" {
                    (console.csrf_field())
                    button type="submit" { "Sign out" }
                }
            }
        }
        main {
            h1 { (title) }
            (body)
        }
    };
    HtmlPage::ok(document(title, shell))
}

/// A time as operators read it (UTC, to the second); `—` for none.
pub fn when(at: Option<Timestamp>) -> String {
    at.map_or_else(
        || "—".to_owned(),
        |t| {
            let text = t.to_rfc3339();
            let trimmed = text
                .split('.')
                .next()
                .unwrap_or(&text)
                .trim_end_matches('Z');
            format!("{} UTC", trimmed.replace('T', " "))
        },
    )
}

/// A coloured label (its class is the text itself).
pub fn badge(text: &str) -> Markup {
    html! { span class={ "badge " (text) } { (text) } }
}

/// The link to the next page of a list (`cursor` added to `base`'s query), and back to the
/// first.
pub fn pager(base: &str, next_cursor: Option<&str>, on_later_page: bool) -> Markup {
    let join = if base.contains('?') { '&' } else { '?' };
    html! {
        div.pager {
            @if on_later_page { a href=(base) { "First page" } }
            @if let Some(cursor) = next_cursor {
                a href={ (base) (join) "cursor=" (percent_encoding::utf8_percent_encode(cursor, percent_encoding::NON_ALPHANUMERIC)) } { "Next page →" }
            }
        }
    }
}

/// An empty list's row.
pub fn empty_row(columns: usize, text: &str) -> Markup {
    html! { tr { td colspan=(columns) .muted { (text) } } }
}
