//! The Telegram adapter, for real, against the fake Bot API on loopback.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hocvuso::app::App;
use hocvuso::channel::telegram::{RetryPolicy, Secret, Settings, Telegram, blocked_key};
use hocvuso::core::LearnerId;
use hocvuso::lesson::load_tree;
use hocvuso::store::{MemoryStore, SledStore, Store};
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::fake_bot_api::{
    BOT_USERNAME, FakeBotApi, Request, button_update, group_button_update, group_update,
    text_update,
};
use crate::support::{localizer, repo};

pub const LAN: i64 = 5001;

pub fn settings(fake: &FakeBotApi) -> Settings {
    let mut s = Settings::new(Secret::for_url("123:TEST-TOKEN").unwrap());
    s.api_url = fake.url.clone();
    s.poll_timeout = Duration::from_secs(1);
    s.request_timeout = Duration::from_secs(2);
    s.retry = RetryPolicy {
        attempts: 4,
        base: Duration::from_millis(10),
        max: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(5),
        uncertain_retries: 1,
    };
    s.outbox.poll_interval = Duration::from_millis(50);
    s.outbox.backoff = Duration::from_millis(50);
    s.listener.header_timeout = Duration::from_secs(1);
    s.listener.body_timeout = Duration::from_secs(1);
    s.listener.shutdown_grace = Duration::from_millis(500);
    s
}

/// How the running bot gets its updates.
pub enum Feed {
    Polling,
    /// Posted to `url` with the secret token header.
    Webhook {
        url: String,
        secret: String,
    },
}

pub struct Running {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    pub next_id: i64,
    pub feed: Feed,
}

pub async fn start(fake: &FakeBotApi, store: Arc<dyn Store>) -> Running {
    start_with(fake, store, settings(fake)).await
}

pub async fn start_with(fake: &FakeBotApi, store: Arc<dyn Store>, settings: Settings) -> Running {
    start_app(fake, app(store, &repo("tests/fixtures/good")), settings).await
}

/// The bot polling `fake` for `app`.
pub async fn start_app(fake: &FakeBotApi, app: Arc<App>, settings: Settings) -> Running {
    let bot = Telegram::connect(app, settings).await.unwrap();
    let (stop, shutdown) = watch::channel(false);
    let task = tokio::spawn(async move { bot.run_polling(shutdown).await.unwrap() });
    // The bot is polling once it has removed any webhook.
    fake.wait_for("deleteWebhook", |r| {
        r.iter().any(|r| r.method == "deletewebhook")
    })
    .await;
    Running {
        stop,
        task,
        next_id: 100,
        feed: Feed::Polling,
    }
}

/// The app on the lesson tree in `lessons`, with `VOLUNTEER` as an admin.
pub fn app(store: Arc<dyn Store>, lessons: &std::path::Path) -> Arc<App> {
    let tree = load_tree(lessons).unwrap();
    let localizer = localizer();
    let core = hocvuso::core::Core::new(Arc::new(tree), localizer.languages())
        .with_admins(vec![LearnerId::new(format!("tg:{VOLUNTEER}")).unwrap()]);
    Arc::new(App::with_core(core, localizer, store))
}

async fn connect(store: Arc<dyn Store>, settings: Settings) -> Arc<Telegram> {
    let app = app(store, &repo("tests/fixtures/good"));
    Telegram::connect(app, settings).await.unwrap()
}

/// The bot in webhook mode on a free loopback port, checking `secret`.
pub async fn start_webhook(fake: &FakeBotApi, store: Arc<dyn Store>, secret: &str) -> Running {
    let registered = fake.calls("setWebhook").len();
    let bot = connect(store, settings(fake)).await;
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{listen}/tg/hook");
    let (stop, shutdown) = watch::channel(false);
    let task = {
        let (url, secret) = (url.clone(), Secret::new(secret).unwrap());
        tokio::spawn(async move {
            bot.run_webhook(&url, listen, &secret, shutdown)
                .await
                .unwrap()
        })
    };
    // The listener is bound before the webhook is registered.
    fake.wait_for("setWebhook", |r| {
        r.iter().filter(|r| r.method == "setwebhook").count() > registered
    })
    .await;
    Running {
        stop,
        task,
        next_id: 100,
        feed: Feed::Webhook {
            url,
            secret: secret.to_string(),
        },
    }
}

/// Posts an update to a webhook as Telegram does; the HTTP status back.
pub async fn post_update(url: &str, secret: Option<&str>, update: &serde_json::Value) -> u16 {
    let mut request = reqwest::Client::new().post(url).json(update);
    if let Some(secret) = secret {
        request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
    }
    request.send().await.unwrap().status().as_u16()
}

impl Running {
    /// Hands an update to the bot the way its feed gets them.
    async fn deliver(&self, fake: &FakeBotApi, update: serde_json::Value) {
        match &self.feed {
            Feed::Polling => fake.push_update(update),
            Feed::Webhook { url, secret } => {
                assert_eq!(post_update(url, Some(secret), &update).await, 200);
            }
        }
    }

    pub async fn stop(self) {
        self.stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("the adapter stops promptly")
            .unwrap();
    }
}

pub fn sends(requests: &[Request]) -> usize {
    requests
        .iter()
        .filter(|r| matches!(r.method.as_str(), "sendmessage" | "sendphoto"))
        .count()
}

/// Sends `update` and waits until the bot's answers to it are in (the last
/// answer to a press or message is always a message with buttons).
pub async fn exchange(fake: &FakeBotApi, bot: &Running, update: serde_json::Value) -> Vec<Request> {
    let before = fake.requests().len();
    bot.deliver(fake, update).await;
    fake.wait_for("an answer with buttons", |r| {
        r[before..]
            .iter()
            .rfind(|r| !r.failed && matches!(r.method.as_str(), "sendmessage" | "sendphoto"))
            .is_some_and(|l| !l.buttons().is_empty())
    })
    .await;
    // Let any later message of the same answer arrive.
    tokio::time::sleep(Duration::from_millis(30)).await;
    fake.requests()[before..].to_vec()
}

/// Presses a button the bot offered in its last answer.
pub async fn press(
    fake: &FakeBotApi,
    bot: &mut Running,
    offered: &[Request],
    data: &str,
) -> Vec<Request> {
    let all: Vec<String> = offered.iter().flat_map(Request::buttons).collect();
    assert!(
        all.iter().any(|b| b == data),
        "{data} not offered in {all:?}"
    );
    bot.next_id += 1;
    exchange(fake, bot, button_update(bot.next_id, LAN, 777, data)).await
}

pub async fn say(fake: &FakeBotApi, bot: &mut Running, text: &str) -> Vec<Request> {
    bot.next_id += 1;
    exchange(fake, bot, text_update(bot.next_id, LAN, text)).await
}

pub fn texts(answer: &[Request]) -> String {
    answer
        .iter()
        .map(Request::text)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_finishes_a_lesson_and_its_quiz() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let mut bot = start(&fake, store.clone()).await;

    // Commands registered at start: default + one per language, for
    // private chats and again for groups (where volunteers /push).
    let commands = fake.calls("setMyCommands");
    let codes: Vec<_> = commands
        .iter()
        .map(|r| {
            (
                r.fields["language_code"].clone(),
                r.fields["scope"]["type"].clone(),
            )
        })
        .collect();
    let group = json!("all_group_chats");
    assert_eq!(
        codes,
        [
            (json!(null), json!(null)),
            (json!("vi"), json!(null)),
            (json!("en"), json!(null)),
            (json!(null), group.clone()),
            (json!("vi"), group.clone()),
            (json!("en"), group),
        ]
    );
    assert_eq!(commands[4].fields["commands"][0]["command"], "push");
    assert_eq!(commands[0].fields["commands"][1]["command"], "menu");
    assert_eq!(
        commands[2].fields["commands"][1]["description"],
        "Main menu"
    );
    assert_eq!(
        commands[1].fields["commands"][1]["description"],
        "Danh mục chính"
    );

    let a = say(&fake, &mut bot, "/start").await;
    assert!(texts(&a).contains("Bác hãy bấm chọn ngôn ngữ"));
    let a = press(&fake, &mut bot, &a, "1:lang:vi").await;
    let topic = a
        .iter()
        .flat_map(Request::buttons)
        .find(|b| b.starts_with("1:t:"))
        .unwrap();
    let a = press(&fake, &mut bot, &a, &topic).await;
    let a = press(&fake, &mut bot, &a, "1:l:basics-phone").await;
    let text = texts(&a);
    assert!(
        text.contains("<b>Mở khóa màn hình · Bước 1/2</b>"),
        "{text}"
    );
    assert!(
        text.contains("💡 <i>Nút nguồn thường ở cạnh phải.</i>"),
        "{text}"
    );
    assert!(
        a.iter()
            .filter(|r| r.method == "sendmessage")
            .all(|r| r.fields["parse_mode"] == "HTML")
    );
    // Every press is answered, and the pressed keyboard is removed.
    assert_eq!(fake.calls("answerCallbackQuery").len(), 3);
    assert!(
        fake.calls("editMessageReplyMarkup")
            .iter()
            .all(|r| r.fields["message_id"] == 777)
    );

    // Step 2 has a picture: uploaded once, as a photo with the text as caption.
    let a = press(&fake, &mut bot, &a, "1:s:basics-phone:1").await;
    let photo = a.iter().find(|r| r.method == "sendphoto").expect("a photo");
    assert!(
        photo.fields["photo"]
            .as_str()
            .unwrap()
            .starts_with("<file swipe.png")
    );
    assert!(photo.text().contains("Bước 2/2"));
    assert!(photo.buttons().contains(&"1:q:basics-phone:0".to_string()));

    let a = press(&fake, &mut bot, &a, "1:q:basics-phone:0").await;
    let a = press(&fake, &mut bot, &a, "1:a:basics-phone:0:1").await;
    assert!(texts(&a).contains("✅ Đúng rồi!"));
    let a = press(&fake, &mut bot, &a, "1:q:basics-phone:1").await;
    let a = press(&fake, &mut bot, &a, "1:a:basics-phone:1:0").await;
    let text = texts(&a);
    assert!(text.contains("Bác đã học xong bài"), "{text}");
    assert!(text.contains("2/2"), "{text}");

    // The same picture again: sent by its cached file id, not uploaded.
    let a = press(
        &fake,
        &mut bot,
        std::slice::from_ref(photo),
        "1:s:basics-phone:0",
    )
    .await;
    let a = press(&fake, &mut bot, &a, "1:s:basics-phone:1").await;
    let again = a.iter().find(|r| r.method == "sendphoto").unwrap();
    let file_id = again.fields["photo"].as_str().unwrap();
    assert!(
        file_id.starts_with("photo-") && !file_id.ends_with("-small"),
        "{file_id}"
    );
    assert_eq!(fake.calls("sendPhoto").len(), 2);
    assert_eq!(
        fake.calls("answerCallbackQuery").len(),
        fake.calls("editMessageReplyMarkup").len()
    );
    bot.stop().await;

    let learner = store
        .load(&LearnerId::new(format!("tg:{LAN}")).unwrap())
        .unwrap()
        .unwrap();
    assert!(learner.is_completed("basics-phone"));
    assert_eq!(store.completion_log().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_button_data_gets_the_old_button_answer_and_the_menu() {
    let fake = FakeBotApi::start().await;
    let mut bot = start(&fake, Arc::new(MemoryStore::new())).await;
    let a = say(&fake, &mut bot, "/start").await;
    press(&fake, &mut bot, &a, "1:lang:en").await;
    for (i, forged) in ["1:s:../../etc:1", "9:m", &"x".repeat(300), ""]
        .into_iter()
        .enumerate()
    {
        let a = exchange(&fake, &bot, button_update(500 + i as i64, LAN, 1, forged)).await;
        let text = texts(&a);
        assert!(text.contains("This button is old"), "{forged}: {text}");
        assert!(
            a.iter()
                .flat_map(Request::buttons)
                .any(|b| b.starts_with("1:t:"))
        );
    }
    assert_eq!(fake.calls("answerCallbackQuery").len(), 5);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_control_is_waited_out_then_the_message_goes() {
    let fake = FakeBotApi::start().await;
    let mut bot = start(&fake, Arc::new(MemoryStore::new())).await;
    fake.fail_next(
        "sendMessage",
        429,
        json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1",
               "parameters": {"retry_after": 1}}),
    );
    fake.fail_next(
        "sendMessage",
        502,
        json!({"ok": false, "error_code": 502, "description": "Bad Gateway"}),
    );
    let started = Instant::now();
    let a = say(&fake, &mut bot, "/start").await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retry_after was not honoured"
    );
    let tries: Vec<_> = a.iter().filter(|r| r.method == "sendmessage").collect();
    assert_eq!(tries.len(), 3, "429, then 502, then success");
    let gap = tries[1].at - tries[0].at;
    assert!(gap >= Duration::from_millis(990), "{gap:?}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_who_blocked_the_bot_is_marked_and_not_retried() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let bot = start(&fake, store.clone()).await;
    fake.block_chat(LAN);
    fake.push_update(text_update(1, LAN, "/start"));
    fake.wait_for("the blocked send", |r| {
        r.iter().any(|r| r.method == "sendmessage")
    })
    .await;
    // Another learner still gets through, so the blocked one was finished with.
    fake.push_update(text_update(2, 6002, "/start"));
    fake.wait_for("the other learner", |r| {
        r.iter().any(|r| r.chat_id() == Some(6002))
    })
    .await;
    bot.stop().await;
    let to_lan = fake
        .requests()
        .iter()
        .filter(|r| r.chat_id() == Some(LAN))
        .count();
    assert_eq!(to_lan, 1, "a 403 is never retried");
    assert_eq!(
        store.channel_get(&blocked_key(LAN)).unwrap().as_deref(),
        Some("1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_update_twice_is_handled_once() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let bot = start(&fake, store.clone()).await;
    let update = text_update(41, LAN, "/start");
    fake.push_updates([update.clone(), update.clone()]);
    fake.wait_for("the answer", |r| sends(r) >= 1).await;
    fake.push_update(update.clone());
    fake.push_update(text_update(42, 6002, "/start"));
    fake.wait_for("the second learner", |r| {
        r.iter().any(|r| r.chat_id() == Some(6002))
    })
    .await;
    bot.stop().await;
    assert_eq!(fake.sent_to(LAN), 1);
    // Persisted, so a restart skips it as well.
    let bot = start(&fake, store.clone()).await;
    fake.push_update(update);
    fake.push_update(text_update(43, 6003, "/start"));
    fake.wait_for("the third learner", |r| {
        r.iter().any(|r| r.chat_id() == Some(6003))
    })
    .await;
    bot.stop().await;
    assert_eq!(fake.sent_to(LAN), 1);
    let offsets: Vec<_> = fake
        .calls("getUpdates")
        .iter()
        .map(|r| r.fields["offset"].clone())
        .collect();
    assert!(offsets.contains(&json!(43)), "{offsets:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_in_the_middle_of_a_lesson_resumes_it() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeBotApi::start().await;
    {
        let store = Arc::new(SledStore::open(dir.path()).unwrap());
        let mut bot = start(&fake, store).await;
        let a = say(&fake, &mut bot, "/start l_basics-phone").await;
        let a = if texts(&a).contains("ngôn ngữ") {
            press(&fake, &mut bot, &a, "1:lang:vi").await
        } else {
            a
        };
        assert!(texts(&a).contains("Bước 1/2"), "{}", texts(&a));
        press(&fake, &mut bot, &a, "1:s:basics-phone:1").await;
        bot.stop().await;
    }
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let mut bot = start(&fake, store).await;
    bot.next_id = 1000;
    let a = say(&fake, &mut bot, "/start").await;
    assert!(texts(&a).contains("quay lại"), "{}", texts(&a));
    let resume = a
        .iter()
        .flat_map(Request::buttons)
        .find(|b| b == "1:c")
        .expect("a resume button");
    let a = press(&fake, &mut bot, &a, &resume).await;
    assert!(texts(&a).contains("Bước 2/2"), "{}", texts(&a));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_message_gets_the_open_private_chat_button() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let bot = start(&fake, store.clone()).await;
    let group = -100_777;
    fake.push_update(group_update(
        7,
        LAN,
        group,
        "/start@hocvuso_test_bot l_basics-phone",
    ));
    fake.wait_for("the group answer", |r| sends(r) >= 1).await;
    bot.stop().await;
    let answer = fake.calls("sendMessage").pop().unwrap();
    assert_eq!(answer.chat_id(), Some(group));
    assert_eq!(
        answer.buttons(),
        [format!("https://t.me/{BOT_USERNAME}?start=l_basics-phone")]
    );
    assert!(
        store
            .load(&LearnerId::new(format!("tg:{LAN}")).unwrap())
            .unwrap()
            .is_none()
    );
}

/// Someone allowed to push lesson cards (an admin from the configuration).
pub const VOLUNTEER: i64 = 4242;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_pushes_a_lesson_card_to_a_group_and_a_member_cannot() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let bot = start(&fake, store.clone()).await;
    let group = -100_778;
    let to_group = |r: &[Request]| {
        r.iter()
            .filter(|r| r.method == "sendmessage" && r.chat_id() == Some(group))
            .count()
    };
    let to_volunteer = |r: &[Request]| {
        r.iter()
            .filter(|r| r.method == "sendmessage" && r.chat_id() == Some(VOLUNTEER))
            .count()
    };
    fake.push_update(group_update(1, VOLUNTEER, group, "/push@hocvuso_test_bot"));
    fake.wait_for("the note in the group", |r| to_group(r) >= 1)
        .await;
    // The picker comes privately, through the outbox.
    fake.wait_for("the private picker", |r| to_volunteer(r) >= 1)
        .await;
    let picker = fake.calls("sendMessage").pop().unwrap();
    assert_eq!(picker.chat_id(), Some(VOLUNTEER));
    assert!(
        picker.buttons().contains(&"1:pt:basics".to_string()),
        "{:?}",
        picker.buttons()
    );
    for (n, data) in ["1:pt:basics", "1:pl:basics-phone", "1:ps:basics-phone:0"]
        .into_iter()
        .enumerate()
    {
        let before = to_volunteer(&fake.requests());
        fake.push_update(button_update(2 + n as i64, VOLUNTEER, 50 + n as i64, data));
        fake.wait_for("the next screen", |r| to_volunteer(r) > before)
            .await;
    }
    // The outbox sender posts the card with a deep link that counts the group.
    fake.wait_for("the lesson card", |r| {
        r.iter().any(|r| {
            r.chat_id() == Some(group)
                && r.buttons()
                    .iter()
                    .any(|b| b.contains("?start=g_") && b.ends_with("_basics-phone"))
        })
    })
    .await;

    // A member pressing the same button is refused; no second card.
    let before = to_group(&fake.requests());
    fake.push_update(group_button_update(9, LAN, group, "1:ps:basics-phone:0"));
    fake.wait_for("the refusal", |r| to_group(r) > before).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    bot.stop().await;
    let cards = fake
        .requests()
        .iter()
        .filter(|r| r.buttons().iter().any(|b| b.contains("?start=g_")))
        .count();
    assert_eq!(cards, 1);
    assert!(
        store
            .outbox_due("telegram", i64::MAX, 10)
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_batch_in_hand_and_persists_it() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let bot = start(&fake, store.clone()).await;
    fake.push_updates((0..20).map(|i| text_update(200 + i, 7000 + i, "/start")));
    fake.wait_for("the batch to be taken", |r| {
        r.iter().any(|r| r.method == "sendmessage")
    })
    .await;
    bot.stop().await;
    assert_eq!(sends(&fake.requests()), 20);
    assert_eq!(
        store
            .channel_get(hocvuso::channel::telegram::LAST_UPDATE_KEY)
            .unwrap()
            .as_deref(),
        Some("219")
    );
}

/// Walks `LAN` through the fixture lesson from a deep link to its end.
pub async fn finish_the_lesson(fake: &FakeBotApi, bot: &mut Running) {
    let a = say(fake, bot, "/start l_basics-phone").await;
    let a = press(fake, bot, &a, "1:lang:vi").await;
    assert!(texts(&a).contains("Bước 1/2"), "{}", texts(&a));
    let a = press(fake, bot, &a, "1:s:basics-phone:1").await;
    let a = press(fake, bot, &a, "1:q:basics-phone:0").await;
    let a = press(fake, bot, &a, "1:a:basics-phone:0:1").await;
    let a = press(fake, bot, &a, "1:q:basics-phone:1").await;
    let a = press(fake, bot, &a, "1:a:basics-phone:1:0").await;
    assert!(texts(&a).contains("Bác đã học xong bài"), "{}", texts(&a));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_checks_the_secret_and_carries_a_whole_lesson() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let mut bot = start_webhook(&fake, store.clone(), "s3cret-token_1").await;
    let set = fake.calls("setWebhook").pop().unwrap();
    let Feed::Webhook { url, .. } = &bot.feed else {
        unreachable!()
    };
    assert_eq!(set.fields["url"], url.as_str());
    assert_eq!(set.fields["secret_token"], "s3cret-token_1");
    assert!(
        fake.calls("getUpdates").is_empty(),
        "no polling beside a webhook"
    );

    // A forged request (no secret, a wrong one) is refused and not handled.
    let update = text_update(1, LAN, "/start");
    assert_eq!(post_update(url, None, &update).await, 401);
    assert_eq!(post_update(url, Some("guess"), &update).await, 401);
    let learner = LearnerId::new(format!("tg:{LAN}")).unwrap();
    assert!(store.load(&learner).unwrap().is_none());
    assert_eq!(sends(&fake.requests()), 0);

    finish_the_lesson(&fake, &mut bot).await;
    bot.stop().await;
    assert!(
        store
            .load(&learner)
            .unwrap()
            .unwrap()
            .is_completed("basics-phone")
    );
    assert_eq!(store.completion_log().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_learners_reaching_a_new_picture_together_upload_it_once() {
    let fake = FakeBotApi::start().await;
    let bot = start(&fake, Arc::new(MemoryStore::new())).await;
    let learners = [LAN, 6002];
    for (i, user) in learners.into_iter().enumerate() {
        let id = 10 * i as i64;
        fake.push_update(text_update(id + 1, user, "/start"));
        fake.push_update(button_update(id + 2, user, 1, "1:lang:vi"));
    }
    fake.wait_for("both menus", |r| {
        learners
            .iter()
            .all(|u| r.iter().filter(|r| r.chat_id() == Some(*u)).count() >= 2)
    })
    .await;
    // A slow first upload, so the second learner surely arrives during it.
    fake.delay_next("sendPhoto", Duration::from_millis(300));
    fake.push_updates(
        learners
            .iter()
            .enumerate()
            .map(|(i, user)| button_update(100 + i as i64, *user, 2, "1:s:basics-phone:1")),
    );
    fake.wait_for("both pictures", |r| {
        r.iter()
            .filter(|r| r.method == "sendphoto" && !r.failed)
            .count()
            >= 2
    })
    .await;
    bot.stop().await;
    let photos = fake.calls("sendPhoto");
    let uploads = photos
        .iter()
        .filter(|r| r.fields["photo"].as_str().unwrap().starts_with("<file"))
        .count();
    assert_eq!(uploads, 1, "one upload, then its file id");
    let mut chats: Vec<_> = photos.iter().filter_map(Request::chat_id).collect();
    chats.sort();
    assert_eq!(chats, [LAN, 6002]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_timed_out_is_sent_once_more_and_no_more() {
    let fake = FakeBotApi::start().await;
    let mut settings = settings(&fake);
    settings.request_timeout = Duration::from_millis(300);
    let mut bot = start_with(&fake, Arc::new(MemoryStore::new()), settings).await;
    // Telegram got the message but its answer was lost: sent once more, so
    // the learner is not left without the buttons.
    fake.delay_next("sendMessage", Duration::from_millis(900));
    bot.next_id += 1;
    fake.push_update(text_update(bot.next_id, LAN, "/start"));
    fake.wait_for("the repeat", |r| sends(r) >= 2).await;
    let tries = fake.calls("sendMessage");
    assert_eq!(tries.len(), 2, "the timed-out send and one repeat");
    assert_eq!(tries[0].fields, tries[1].fields);
    // Both attempts time out: given up after the one repeat, not a third copy.
    fake.delay_next("sendMessage", Duration::from_millis(900));
    fake.delay_next("sendMessage", Duration::from_millis(900));
    bot.next_id += 1;
    fake.push_update(text_update(bot.next_id, 6002, "/start"));
    fake.wait_for("two tries", |r| {
        r.iter().filter(|r| r.chat_id() == Some(6002)).count() >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    bot.stop().await;
    assert_eq!(fake.sent_to(6002), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_official_gets_the_chart_as_a_photo_and_the_export_as_a_csv_file() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let bot = start(&fake, store.clone()).await;
    let private = |method: &'static str| {
        move |r: &[Request]| {
            r.iter()
                .any(|r| r.method == method && r.chat_id() == Some(VOLUNTEER))
        }
    };
    fake.push_update(text_update(1, VOLUNTEER, "/start"));
    fake.push_update(button_update(2, VOLUNTEER, 60, "1:lang:vi"));
    fake.push_update(button_update(3, VOLUNTEER, 61, "1:st:all:q:c"));
    fake.wait_for("the chart", private("sendphoto")).await;
    let chart = fake.calls("sendPhoto").pop().unwrap();
    let file = chart.fields["photo"].as_str().unwrap();
    assert!(file.starts_with("<file bieu-do.png "), "{file}");
    assert!(
        chart.fields["caption"]
            .as_str()
            .unwrap()
            .contains("Biểu đồ")
    );

    fake.push_update(text_update(4, VOLUNTEER, "/export"));
    fake.wait_for("the export", private("senddocument")).await;
    bot.stop().await;
    let export = fake.calls("sendDocument").pop().unwrap();
    let file = export.fields["document"].as_str().unwrap();
    assert!(
        file.starts_with("<file hocvuso-all-q-") && file.contains(".csv"),
        "{file}"
    );
}
