//! The `hocvuso` command: parse arguments, run, print the error, exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use hocvuso::app::{App, Paths};
use hocvuso::channel::console::{Console, ConsoleOptions};
use hocvuso::lesson::{LoadError, load_tree};

#[derive(Parser)]
#[command(
    name = "hocvuso",
    version,
    about = "Digital skills for everyone: a chat bot for \"Bình dân học vụ số\""
)]
struct Cli {
    /// The lesson tree.
    #[arg(
        long,
        global = true,
        default_value = "lessons",
        env = "HOCVUSO_LESSONS"
    )]
    lessons: PathBuf,
    /// The interface texts, one folder per language.
    #[arg(
        long,
        global = true,
        default_value = "locales",
        env = "HOCVUSO_LOCALES"
    )]
    locales: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Chat with the bot in this terminal (no token needed).
    Chat {
        /// Who is learning: each name is a separate learner.
        #[arg(long, default_value = "learner")]
        user: String,
        /// Where the store lives.
        #[arg(long, default_value = "data", env = "HOCVUSO_DATA")]
        data: PathBuf,
        /// Start in this language instead of asking (vi, en…).
        #[arg(long)]
        lang: Option<String>,
    },
    /// Work with the lesson tree.
    Lessons {
        #[command(subcommand)]
        command: LessonsCommand,
    },
}

#[derive(Subcommand)]
enum LessonsCommand {
    /// Check a lesson tree and list every problem with its file and line.
    Check {
        /// The tree to check (default: --lessons).
        dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Lessons {
            command: LessonsCommand::Check { dir },
        } => Ok(check_lessons(&dir.unwrap_or(cli.lessons))),
        Command::Chat { user, data, lang } => {
            let paths = Paths {
                lessons: cli.lessons,
                locales: cli.locales,
                data,
            };
            let app = App::start(&paths).map_err(explain_start)?;
            let stdin = std::io::stdin();
            let mut console = Console::new(&app.engine, &app.localizer, &user, std::io::stdout())?;
            console
                .run(&ConsoleOptions { user, lang }, stdin.lock())
                .context("the console chat stopped")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Lesson problems are listed one per line, like a compiler's.
fn explain_start(e: hocvuso::app::StartError) -> anyhow::Error {
    if let hocvuso::app::StartError::Lessons(LoadError::Invalid(problems)) = &e {
        for p in problems {
            eprintln!("{p}");
        }
    }
    anyhow::Error::new(e)
}

fn check_lessons(dir: &std::path::Path) -> ExitCode {
    match load_tree(dir) {
        Ok(tree) => {
            let lessons = tree.lessons().count();
            println!(
                "{}: {} topics, {lessons} lessons, no problems",
                dir.display(),
                tree.topics().len()
            );
            ExitCode::SUCCESS
        }
        Err(LoadError::Invalid(problems)) => {
            for p in &problems {
                println!("{p}");
            }
            println!("{} problem(s) found", problems.len());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
