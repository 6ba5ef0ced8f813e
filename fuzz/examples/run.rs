//! Runs inputs through a target's check without AFL, to see why one fails:
//! `cargo run -p backline-fuzz --example run -- TARGET FILE...`.

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().expect("usage: run TARGET FILE...");
    let check = backline_fuzz::check_of(&target).expect("a known target");
    for file in args {
        let data = std::fs::read(&file).expect("a readable file");
        println!("{file}: {} bytes", data.len());
        check(&data);
        println!("{file}: ok");
    }
}
