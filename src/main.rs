//! The `kinora` command line: parses arguments, then calls the library.

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "kinora",
    version,
    about = "A federated video platform in one executable"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Inspect, remux and transcode media files.
    #[command(subcommand)]
    Media(kinora::media::cli::MediaCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Media(cmd) => kinora::media::cli::run(cmd),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
