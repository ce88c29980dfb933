//! The `kinora` command line: parses arguments, then calls the library.

fn main() -> std::process::ExitCode {
    kinora::cli::main()
}
