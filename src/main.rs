//! The `hocvuso` command: parse arguments, run, print the error, exit code.
//! What `serve` runs with is resolved by `hocvuso::config`, and run by
//! `hocvuso::serve`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use hocvuso::app::{App, Paths, Staffing};
use hocvuso::channel::console::{Console, ConsoleOptions};
use hocvuso::config::{DEFAULT_AREAS, Flags, Raw};
use hocvuso::core::LearnerId;
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
    /// The area tree: province → commune/ward → residential group [default: areas.toml].
    #[arg(long, global = true, env = "HOCVUSO_AREAS")]
    areas: Option<PathBuf>,
    /// Admins by channel user id, comma-separated (`tg:123,console:admin`).
    #[arg(
        long = "admins",
        global = true,
        env = "HOCVUSO_ADMINS",
        value_delimiter = ','
    )]
    admins: Vec<String>,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    fn staffing(&self) -> anyhow::Result<Staffing> {
        let admins = self
            .admins
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
            .map(|a| LearnerId::new(a).with_context(|| format!("admin id `{a}` is not valid")))
            .collect::<anyhow::Result<_>>()?;
        Ok(Staffing { admins })
    }
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
    /// Run the bot on Telegram, Zalo or both (whichever the config file or environment sets up).
    Serve {
        /// A TOML config file (see hocvuso.example.toml).
        #[arg(long, env = "HOCVUSO_CONFIG")]
        config: Option<PathBuf>,
        /// Where the store lives [default: data].
        #[arg(long, env = "HOCVUSO_DATA")]
        data: Option<PathBuf>,
        /// The Bot API server [default: https://api.telegram.org].
        #[arg(long, env = "TELEGRAM_API_URL")]
        api_url: Option<String>,
        /// Receive updates on this public HTTPS address instead of polling.
        #[arg(long)]
        webhook: Option<String>,
        /// Where the webhook listener binds [default: 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
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
    // Checked here for the chat; `serve` checks admins with the rest.
    let staffing = cli.staffing();
    match cli.command {
        Command::Lessons {
            command: LessonsCommand::Check { dir },
        } => Ok(check_lessons(&dir.unwrap_or(cli.lessons))),
        Command::Chat { user, data, lang } => {
            let staffing = staffing?;
            let paths = Paths {
                lessons: cli.lessons,
                locales: cli.locales,
                data,
                areas: cli.areas.unwrap_or_else(|| PathBuf::from(DEFAULT_AREAS)),
            };
            let app = App::start(&paths, &staffing).map_err(explain_start)?;
            let stdin = std::io::stdin();
            let files = std::env::temp_dir().join("hocvuso");
            let mut console = Console::new(&app.engine, &app.localizer, &user, std::io::stdout())?
                .with_media(&app.presenter, files);
            console
                .run(&ConsoleOptions { user, lang }, stdin.lock())
                .context("the console chat stopped")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            config,
            data,
            api_url,
            webhook,
            listen,
        } => {
            let flags = Flags {
                config,
                lessons: cli.lessons,
                locales: cli.locales,
                data,
                areas: cli.areas,
                admins: cli.admins,
                api_url,
                webhook,
                listen,
            };
            let serve = Raw::gather(flags, |var| std::env::var(var).ok())?.resolve()?;
            hocvuso::serve::run(serve).map_err(|e| match e {
                hocvuso::serve::ServeError::Start(e) => explain_start(e),
                e => anyhow::Error::new(e),
            })?;
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
