//! The console channel: a chat in the terminal. Buttons are numbered and
//! pressed by typing their number; anything else is sent as text. Works the
//! same with piped stdin, so scripts and tests can drive it.

use std::io::{self, BufRead, Write};
use std::path::PathBuf;

use crate::core::{Action, Attachment, Callback, Input, Lang, LearnerId, Message, Place, Target};
use crate::engine::{Engine, Event};
use crate::i18n::Localizer;
use crate::present::{Media, Presenter};
use crate::store::StoreError;

use super::plain::render_text;

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("terminal i/o failed: {0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("`{0}` cannot be used as a user name")]
    BadUser(String),
    #[error("there is no language `{wanted}`; available: {available}")]
    UnknownLanguage { wanted: String, available: String },
}

pub struct ConsoleOptions {
    pub user: String,
    /// Picks this language at start instead of asking.
    pub lang: Option<String>,
}

const QUIT_WORDS: [&str; 5] = ["q", "quit", "/quit", "exit", "thoát"];

pub struct Console<'a, W: Write> {
    engine: &'a Engine,
    localizer: &'a Localizer,
    learner: LearnerId,
    user: String,
    out: W,
    /// What each button of the last reply sends, in the order they were numbered.
    buttons: Vec<Input>,
    clock: Box<dyn Fn() -> i64 + 'a>,
    /// Where certificates, charts and exports are saved, if anywhere.
    media: Option<(&'a Presenter, PathBuf)>,
}

impl<'a, W: Write> Console<'a, W> {
    pub fn new(
        engine: &'a Engine,
        localizer: &'a Localizer,
        user: &str,
        out: W,
    ) -> Result<Self, ConsoleError> {
        let learner = LearnerId::new(format!("console:{user}"))
            .ok_or_else(|| ConsoleError::BadUser(user.to_string()))?;
        Ok(Console {
            engine,
            localizer,
            learner,
            user: user.to_string(),
            out,
            buttons: Vec::new(),
            clock: Box::new(crate::channel::kit::unix_now),
            media: None,
        })
    }

    /// Saves pictures and documents into `dir` and prints their paths (a
    /// terminal cannot show them).
    pub fn with_media(mut self, presenter: &'a Presenter, dir: PathBuf) -> Self {
        self.media = Some((presenter, dir));
        self
    }

    /// Replaces the wall clock (for tests that need fixed dates).
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + 'a) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Greets the learner, then reads lines until end of input or a quit word.
    pub fn run(
        &mut self,
        options: &ConsoleOptions,
        input: impl BufRead,
    ) -> Result<(), ConsoleError> {
        writeln!(
            self.out,
            "hocvuso — {} (gõ số để bấm nút, \"q\" để thoát · type a number to press a button, \"q\" to quit)",
            self.user
        )?;
        match &options.lang {
            Some(lang) => {
                let languages = self.localizer.languages();
                if !languages.iter().any(|(l, _)| l.as_str() == lang) {
                    let available = languages
                        .iter()
                        .map(|(l, _)| l.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(ConsoleError::UnknownLanguage {
                        wanted: lang.clone(),
                        available,
                    });
                }
                self.send(Input::Button(
                    Callback::SetLang(Lang::new(lang.clone())).encode(),
                ))?
            }
            None => self.send(Input::Text("/start".to_string()))?,
        }
        for line in input.lines() {
            let line = line?;
            let line = line.trim();
            if QUIT_WORDS.contains(&line.to_lowercase().as_str()) {
                break;
            }
            let input = match line.parse::<usize>() {
                Ok(n) if (1..=self.buttons.len()).contains(&n) => self.buttons[n - 1].clone(),
                _ => Input::Text(line.to_string()),
            };
            self.send(input)?;
        }
        self.engine.store().flush()?;
        writeln!(self.out, "\nTạm biệt! Hẹn gặp lại. · Goodbye!")?;
        Ok(())
    }

    fn send(&mut self, input: Input) -> Result<(), ConsoleError> {
        let event = Event {
            learner: self.learner.clone(),
            channel: "console",
            display_name: self.user.clone(),
            place: Place::Private,
            input,
            now: (self.clock)(),
        };
        let handled = self.engine.handle(&event)?;
        self.buttons.clear();
        for action in &handled.actions {
            match action {
                Action::Send(message) => self.print(&handled.lang, message)?,
            }
        }
        write!(self.out, "> ")?;
        self.out.flush()?;
        Ok(())
    }

    fn print(&mut self, lang: &Lang, message: &Message) -> io::Result<()> {
        writeln!(self.out, "\n{}", render_text(self.localizer, lang, message))?;
        match &message.attachment {
            Some(Attachment::Picture(picture)) => {
                writeln!(self.out, "🖼  {}", picture.display())?;
            }
            Some(other) => self.save(lang, other)?,
            None => {}
        }
        for row in &message.keyboard {
            let labels: Vec<String> = row
                .iter()
                .map(|button| {
                    self.buttons.push(match &button.target {
                        Target::Callback(callback) => Input::Button(callback.encode()),
                        // The terminal is already a private chat.
                        Target::OpenPrivate(payload) => Input::Text(format!("/start {payload}")),
                    });
                    format!(
                        "[{}] {}",
                        self.buttons.len(),
                        self.localizer.phrase(lang, &button.label)
                    )
                })
                .collect();
            writeln!(self.out, "  {}", labels.join("   "))?;
        }
        Ok(())
    }
}

impl<W: Write> Console<'_, W> {
    fn save(&mut self, lang: &Lang, attachment: &Attachment) -> io::Result<()> {
        let Some((presenter, dir)) = &self.media else {
            return writeln!(self.out, "📎 (not saved: no folder for files)");
        };
        let (name, bytes, icon) = match presenter.media(lang, attachment) {
            Ok(Media::Photo { name, png }) => (name, png, "🖼"),
            Ok(Media::Document { name, bytes }) => (name, bytes, "📎"),
            Ok(Media::File(path)) => return writeln!(self.out, "🖼  {}", path.display()),
            Err(e) => {
                tracing::error!(error = %e, "cannot draw a picture");
                return writeln!(self.out, "📎 (the picture could not be drawn)");
            }
        };
        std::fs::create_dir_all(dir)?;
        // Names come from the core (codes, area ids): keep them to one path part.
        let safe: String = name
            .chars()
            .map(|c| if c == '/' || c == '\\' { '_' } else { c })
            .collect();
        let path = dir.join(safe);
        std::fs::write(&path, bytes)?;
        writeln!(self.out, "{icon}  {}", path.display())
    }
}
