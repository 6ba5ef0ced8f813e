//! AFL++ target: feeds each input to [`backline_fuzz::nakama_rpc::check`].

fn main() {
    afl::fuzz!(|data: &[u8]| backline_fuzz::nakama_rpc::check(data));
}
