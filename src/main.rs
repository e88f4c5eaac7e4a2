//! The `hocvuso` command: parse arguments, run, print the error, exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use hocvuso::app::{App, Paths, Staffing};
use hocvuso::channel::console::{Console, ConsoleOptions};
use hocvuso::core::LearnerId;
use hocvuso::lesson::{LoadError, check_tree};
use hocvuso::store::backup;

const DEFAULT_AREAS: &str = "areas.toml";

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
    /// Check, back up and restore the store.
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Verify a stopped store: integrity facts, every record, the completion
    /// log, invites, and the counters against a recount (with --areas).
    /// Exits non-zero when it is damaged.
    Check {
        #[arg(long, default_value = "data", env = "HOCVUSO_DATA")]
        data: PathBuf,
        /// Where its backups are [default: <data>-backups].
        #[arg(long)]
        backups: Option<PathBuf>,
    },
    /// Write a backup of a stopped store (the running bot makes its own).
    Backup {
        #[arg(long, default_value = "data", env = "HOCVUSO_DATA")]
        data: PathBuf,
        /// The backup folder [default: <data>-backups].
        #[arg(long)]
        to: Option<PathBuf>,
    },
    /// Rebuild a store from a backup, the counters recounted from its learners.
    Restore {
        /// The backup: a `.snapshot` file.
        snapshot: PathBuf,
        /// The store to rebuild; it must be empty unless --force is given.
        #[arg(long, default_value = "data", env = "HOCVUSO_DATA")]
        data: PathBuf,
        /// Put a store already in --data aside (renamed, not deleted).
        #[arg(long)]
        force: bool,
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
    let staffing = cli.staffing()?;
    match cli.command {
        Command::Lessons {
            command: LessonsCommand::Check { dir },
        } => Ok(check_lessons(&dir.unwrap_or(cli.lessons))),
        Command::Store { command } => store_command(command, cli.areas.as_deref()),
        Command::Chat { user, data, lang } => {
            let paths = Paths {
                lessons: cli.lessons,
                locales: cli.locales,
                data,
                areas: cli.areas.unwrap_or_else(|| PathBuf::from(DEFAULT_AREAS)),
            };
            let backups = backup::default_dir(&paths.data);
            let app = App::start(&paths, &staffing).map_err(|e| explain_start(e, &backups))?;
            let stdin = std::io::stdin();
            // Beside the store and as private as it, never in a shared /tmp.
            let files = backup::sibling_dir(&paths.data, "files");
            let mut console = Console::new(&app.engine, &app.localizer, &user, std::io::stdout())?
                .with_media(&app.presenter, files);
            // For trying reminders and escalations by hand and in tests: the
            // console's clock runs this many seconds ahead.
            if let Some(offset) = std::env::var("HOCVUSO_CLOCK_OFFSET")
                .ok()
                .and_then(|v| v.parse::<i64>().ok())
            {
                console = console.with_clock(move || hocvuso::app::system_now() + offset);
            }
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
        } => serve(
            Paths {
                lessons: cli.lessons,
                locales: cli.locales,
                data: PathBuf::new(),
                areas: PathBuf::new(),
            },
            cli.areas,
            staffing,
            config,
            data,
            api_url,
            webhook,
            listen,
        ),
    }
}

/// `hocvuso serve`: Telegram, Zalo or both, whichever is configured. Flags
/// and environment win over the config file.
#[allow(clippy::too_many_arguments)]
fn serve(
    paths: Paths,
    areas: Option<PathBuf>,
    staffing: Staffing,
    config: Option<PathBuf>,
    data: Option<PathBuf>,
    api_url: Option<String>,
    webhook: Option<String>,
    listen: Option<std::net::SocketAddr>,
) -> anyhow::Result<ExitCode> {
    use hocvuso::channel::telegram::{ConfigFile, Mode, Settings, Telegram, Token};
    use hocvuso::channel::zalo::{self, Zalo};

    let file = match &config {
        Some(path) => ConfigFile::read(path)?,
        None => ConfigFile::default(),
    };
    let mut staffing = staffing;
    for admin in &file.admins {
        let id = LearnerId::new(admin.trim())
            .with_context(|| format!("admin id `{admin}` in the config file is not valid"))?;
        staffing.admins.push(id);
    }
    let paths = Paths {
        areas: areas
            .or(file.areas.clone())
            .unwrap_or_else(|| PathBuf::from(DEFAULT_AREAS)),
        ..paths
    };
    let tg = file.telegram;
    let token = std::env::var("TELEGRAM_BOT_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .or(tg.token);
    let telegram = match token {
        None => None,
        Some(token) => {
            let token = Token::new(token).context("the bot token is malformed")?;
            let mut settings = Settings::new(token.clone());
            if let Some(url) = api_url.or(tg.api_url) {
                settings.api_url = url;
            }
            if let Some(secs) = tg.poll_timeout_secs {
                settings.poll_timeout = std::time::Duration::from_secs(secs.clamp(1, 50));
            }
            tg.outbox.apply(&mut settings.outbox)?;
            let mode = match webhook.or(tg.webhook_url) {
                None => Mode::Polling,
                Some(url) => Mode::Webhook {
                    url,
                    listen: listen
                        .or(tg.listen)
                        .unwrap_or_else(|| ([127, 0, 0, 1], 8080).into()),
                    secret: tg.webhook_secret.unwrap_or_else(|| derived_secret(&token)),
                },
            };
            Some((settings, mode))
        }
    };
    let zalo_settings = zalo::Settings::resolve(&file.zalo, |var| std::env::var(var).ok())?;
    if telegram.is_none() && zalo_settings.is_none() {
        anyhow::bail!(
            "nothing to serve: configure Telegram (TELEGRAM_BOT_TOKEN, or `token` under [telegram]) \
             and/or Zalo (app_id, app_secret, oa_secret_key and the tokens under [zalo], \
             or the ZALO_* variables); see hocvuso.example.toml"
        );
    }
    let paths = Paths {
        data: data.or(file.data).unwrap_or_else(|| PathBuf::from("data")),
        ..paths
    };
    let backup_settings = backup::BackupSettings::resolve(
        &paths.data,
        file.backup_every.as_deref(),
        file.backup_dir.as_deref(),
        file.backup_keep,
    )?;
    let app = std::sync::Arc::new(
        App::start(&paths, &staffing).map_err(|e| explain_start(e, &backup_settings.dir))?,
    );
    let backups = backup::Backups::new(app.engine.store().clone(), backup_settings);
    app.engine.set_backups(backups.clone());
    let backup_thread = backups.spawn();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let served = runtime.block_on(async move {
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let stop = std::sync::Arc::new(stop);
        {
            let stop = stop.clone();
            tokio::spawn(async move {
                wait_for_signal().await;
                tracing::info!("stopping: finishing the updates in hand");
                let _ = stop.send(true);
            });
        }
        // Each channel stops the other when it fails, so both finish cleanly.
        let telegram = {
            let (app, shutdown, stop) = (app.clone(), shutdown.clone(), stop.clone());
            async move {
                let Some((settings, mode)) = telegram else {
                    return anyhow::Ok(());
                };
                let result = async {
                    let bot = Telegram::connect(app, settings).await?;
                    eprintln!(
                        "hocvuso is running on Telegram as @{} (Ctrl-C to stop)",
                        bot.username()
                    );
                    match mode {
                        Mode::Polling => bot.run_polling(shutdown).await?,
                        Mode::Webhook {
                            url,
                            listen,
                            secret,
                        } => bot.run_webhook(&url, listen, &secret, shutdown).await?,
                    }
                    anyhow::Ok(())
                }
                .await;
                if result.is_err() {
                    let _ = stop.send(true);
                }
                result.context("telegram")
            }
        };
        // Reminders and questions that move up run beside the channels.
        let timers = app
            .clone()
            .run_timers(shutdown.clone(), hocvuso::app::system_now);
        let zalo = async move {
            let Some(settings) = zalo_settings else {
                return anyhow::Ok(());
            };
            let result = async {
                let listen = settings.listen;
                let zalo = Zalo::new(app, settings)?;
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
                eprintln!(
                    "hocvuso is running on Zalo, webhook on {listen}{} (Ctrl-C to stop)",
                    zalo.settings().webhook_path
                );
                zalo.run(listener, shutdown).await?;
                anyhow::Ok(())
            }
            .await;
            if result.is_err() {
                let _ = stop.send(true);
            }
            result.context("zalo")
        };
        let (telegram, zalo, ()) = tokio::join!(telegram, zalo, timers);
        telegram.and(zalo)
    });
    backups.stop();
    let _ = backup_thread.join();
    served?;
    Ok(ExitCode::SUCCESS)
}

/// A webhook secret that stays the same across restarts without being
/// configured: a hash of the token (the token itself never leaves).
fn derived_secret(token: &hocvuso::channel::telegram::Token) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("hocvuso-webhook:{}", token.expose()).as_bytes());
    digest.iter().take(24).map(|b| format!("{b:02x}")).collect()
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Lesson problems are listed one per line, like a compiler's; a damaged
/// store is explained with the last good backup in `backups`.
fn explain_start(e: hocvuso::app::StartError, backups: &std::path::Path) -> anyhow::Error {
    use hocvuso::app::StartError;
    use hocvuso::store::StoreError;
    match &e {
        StartError::Lessons(LoadError::Invalid(problems)) => {
            for p in problems {
                eprintln!("{p}");
            }
        }
        StartError::Store(StoreError::Damaged { path, problems }) => {
            let last = backup::latest_good(backups);
            return anyhow::anyhow!(
                "{}",
                hocvuso::store::facts::refusal(path, problems, last.as_ref())
            );
        }
        _ => {}
    }
    anyhow::Error::new(e)
}

/// `hocvuso store …`: the work is in `store::integrity` and `store::backup`.
fn store_command(
    command: StoreCommand,
    areas: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let areas_path = areas.unwrap_or(std::path::Path::new(DEFAULT_AREAS));
    match command {
        StoreCommand::Check { data, backups } => {
            // The recount needs the area tree; without one, the rest still runs.
            let tree = match hocvuso::area::AreaTree::load(areas_path) {
                Ok(tree) => Some(tree),
                Err(e) if areas.is_some() => return Err(e.into()),
                Err(_) => None,
            };
            let report = hocvuso::store::integrity::check(&data, tree.as_ref());
            let backups = backups.unwrap_or_else(|| backup::default_dir(&data));
            print!("{}", report.render(backup::latest_good(&backups).as_ref()));
            Ok(if report.healthy() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        StoreCommand::Backup { data, to } => {
            let store = hocvuso::store::SledStore::open(&data)?;
            let settings = backup::BackupSettings {
                every: None,
                dir: to.unwrap_or_else(|| backup::default_dir(&data)),
                keep: usize::MAX,
            };
            let written = backup::Backups::new(std::sync::Arc::new(store), settings).make_now()?;
            println!(
                "backup written: {} ({} records, {} learners, {} bytes, {:.1?})",
                written.path.display(),
                written.summary.records,
                written.summary.learners(),
                written.bytes,
                written.took
            );
            Ok(ExitCode::SUCCESS)
        }
        StoreCommand::Restore {
            snapshot,
            data,
            force,
        } => {
            let tree = hocvuso::area::AreaTree::load(areas_path).with_context(|| {
                "a restore recounts the figures from the learners: it needs the area tree (--areas)"
            })?;
            let restored = backup::restore(&snapshot, &data, &tree, force)?;
            print!("{}", restored.render(&snapshot, &data));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check_lessons(dir: &std::path::Path) -> ExitCode {
    let checked = check_tree(dir);
    // Warnings never change the exit code: they point at quizzes that work
    // but could teach better.
    let warnings = &checked.warnings;
    for w in warnings {
        println!("warning: {w}");
    }
    let warned = match warnings.len() {
        0 => String::new(),
        n => format!(", {n} warning(s)"),
    };
    match checked.result {
        Ok(tree) => {
            let lessons = tree.lessons().count();
            println!(
                "{}: {} topics, {lessons} lessons, no problems{warned}",
                dir.display(),
                tree.topics().len()
            );
            ExitCode::SUCCESS
        }
        Err(LoadError::Invalid(problems)) => {
            for p in &problems {
                println!("{p}");
            }
            println!("{} problem(s) found{warned}", problems.len());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
