# hocvuso's interface in English.
# One "key = text" per line. Keep {$name}-style placeholders: the bot fills them in.

language-name = English

## First contact
greeting = Xin chào! Đây là trợ lý "Bình dân học vụ số". Hello! This is the digital skills assistant.
choose-language = Bác hãy bấm chọn ngôn ngữ. / Please choose your language.
intro = Welcome! Each lesson has only a few short steps. When you have read one, tap "Next ▶". At the end there are a few small questions to review. You can stop at any time: next time the bot remembers where you were.
welcome-back = { $named ->
    [yes] Welcome back, {$name}!
   *[no] Welcome back!
}
language-changed = Switched to English.

## Main menu
menu-title = 📚 Topics
menu-hint = Tap a topic to start learning.
button-continue = ▶ Continue: {$title}
button-continue-short = ▶ Continue
button-progress = 📊 My results
button-help = ❓ How to use
button-menu = ☰ Main menu
button-language = 🌐 Change language

## Topics and lessons
topic-choose-lesson = Choose a lesson (✓ finished, ▶ in progress):
step-title = {$lesson} · Step {$number}/{$total}
button-back = ◀ Back
button-next = Next ▶
button-quiz = ✏️ Take the review quiz

## Review quiz
quiz-title = {$lesson} · Question {$number}/{$total}
quiz-right = ✅ That's right!
quiz-wrong = ❌ Not quite. Read the explanation, then try again.
button-retry = 🔁 Answer again
button-reread = 📖 Read the lesson again
button-next-question = Next question ▶

## Completion
lesson-done = 🎉 You have finished "{$lesson}"!
lesson-score = Answered right the first time: {$score}/{$total}.
button-next-lesson = ▶ Next: {$lesson}
button-summary = 🏅 See the topic results
summary-title = 🏅 Topic completed: {$topic}
summary-intro = { $named ->
    [yes] Congratulations, {$name}!
   *[no] Congratulations!
} Here are your results:
summary-line = ✓ {$lesson} — {$date} — {$score}/{$total} right
summary-total = In all: {$score}/{$total} answered right the first time.

## Results and help
progress-title = 📊 Your learning results
progress-topic = {$topic}: {$done}/{$total} lessons done
help-title = ❓ How to use
help-text = Just tap the buttons under the messages; there is no need to type. You can stop at any time: next time, tap "Continue" to return to the same place. If you like, you can also type these commands: /menu (main menu), /progress (results), /lang (change language), /help (this help).

## When something does not fit
free-text-hint = To ask something, just type your question, for example "how do I install VNeID". Or tap the buttons below:
unknown-command = The bot does not know the command "/{$command}".
button-old = This button is old. Here is the main menu so you can carry on:
lesson-missing = This lesson is no longer available. Please choose another one from the main menu.

## In a group chat
group-private-only = Lessons and quizzes are personal, so the bot teaches only in a private chat. Tap the button below to open it.
button-open-private = 💬 Learn in a private chat

## Telegram command menu (short descriptions)
command-start = Start or continue
command-menu = Main menu
command-progress = My results
command-lang = Change language
command-help = How to use
command-summary = Summary and certificates
command-push = Post a lesson to this group (volunteers)
group-choose-topic = Choose a topic:
