fn main() -> std::process::ExitCode {
    lamina::main()
}
