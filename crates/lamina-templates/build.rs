// Templates are embedded with `include_dir!`, which cargo cannot see into: rebuild when any changes.
fn main() {
    println!("cargo::rerun-if-changed=templates");
}
