//! AFL++ target: feeds each input to [`backline_fuzz::spectra_match::check`].

fn main() {
    afl::fuzz!(|data: &[u8]| backline_fuzz::spectra_match::check(data));
}
