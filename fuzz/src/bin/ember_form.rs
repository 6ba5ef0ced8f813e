//! AFL++ target: feeds each input to [`backline_fuzz::ember_form::check`].

fn main() {
    afl::fuzz!(|data: &[u8]| backline_fuzz::ember_form::check(data));
}
