//! AFL++ target: feeds each input to [`backline_fuzz::evr_symbol::check`].

fn main() {
    afl::fuzz!(|data: &[u8]| backline_fuzz::evr_symbol::check(data));
}
