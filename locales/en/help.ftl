# Asking a person: typed questions, volunteers, reminders.

search-found = One of these lessons may help. Tap the one you want:
search-none = I could not find a lesson that answers your question. Would you like to send it to a volunteer of the community tech team? A real person will answer you.
button-help-send-question = 🙋 Send my question to a volunteer
button-ask-person = 🙋 Ask a volunteer
button-stuck = 🙋 I am stuck here

help-ask-prompt = Please write your question in the message box and send it. You can also send a screenshot or a voice message. I will pass it to a volunteer.
help-sent = ✅ I have passed your question to a volunteer.
help-sent-today = Someone usually answers within a few hours. The answer will arrive right here.
help-sent-tomorrow = It is late now. Someone will answer you tomorrow morning. The answer will arrive right here.
help-sent-nobody = There is no volunteer using the bot in your area yet. Your question is kept. You can also ask the community tech team of your residential group in person.
help-already-open = You already have a question waiting for an answer. Just write more and I will add it to that question:
help-too-many = You have sent many questions today. The volunteers are looking at the earlier ones. Please send more tomorrow.
help-added = I have added your words to your question.
help-answer-from = 💬 Volunteer {$name} answers you:
help-answer-hint = To ask more, just keep writing here. If it is clear now, tap "It is clear, thank you".
button-help-solved = ✅ It is clear, thank you
button-help-close = ✖ Close the question
help-rate = Did the answer help you?
button-help-helped = 👍 Yes
button-help-not-helped = 👎 Not yet
help-rated-yes = Thank you! I am glad it helped.
help-rated-no = Thank you for telling me. You can ask again at any time, or ask the community tech team for help in person.
help-closed-by-volunteer = The volunteer has closed your question.
help-taken-learner = Volunteer {$name} has taken your question and will answer soon.

media-photo = I received your photo. Sorry, I cannot look at photos. Would you like to send it to a volunteer to look at?
media-voice = I received your voice message. Sorry, I cannot listen to it. Would you like to send it to a volunteer to listen to?
media-other = I received your file, but I cannot open it. Would you like to send it to a volunteer to look at?
button-help-send-media = 🙋 Send it to a volunteer

# The volunteer's side
help-relay-title = 🙋 Someone needs help
help-relay-escalated = 🙋 A question nobody took yet needs help
help-relay-who = From: {$name}, area: {$area}
help-relay-where = Learning "{$lesson}", step {$step}
help-has-photo = (A photo is attached.)
help-has-voice = (A voice message is attached.)
help-has-file = (A file is attached.)
button-help-take = ✋ I'll answer
button-help-pass = ↪ Pass
button-help-reply = ✍ Reply
help-you-took = You have taken this question:
help-type-answer = Type your answer now; the bot passes it on to the learner with your name.
help-relayed = Your answer was passed on. The learner may write more; the bot will tell you.
help-taken-by = {$name} has already taken this question.
help-closed-already = This question is closed.
help-pass-late = This question was taken or closed already.
help-passed = Passed. The question waits for someone else.
help-not-yours = The question you were answering was closed or taken by someone else.
help-follow-up = 💬 {$name} writes more:
help-closed-by-learner = {$name} closed the question. Thank you for helping!
help-closed-thanks = The question is closed. Thank you for helping!
help-open-title = ⏳ Questions waiting: {$count}
help-open-line = • {$name} ({$date}): {$question}

# Reminders
reminder-first = { $named ->
    [yes] Hello {$name}! The lesson "{$lesson}" is waiting for you. Carry on when you have a moment: just a few short steps.
   *[no] Hello! The lesson "{$lesson}" is waiting for you. Carry on when you have a moment: just a few short steps.
}
reminder-second = { $named ->
    [yes] Hello {$name}, we have not seen you for a while. "{$lesson}" is kept exactly where you stopped. If you are stuck, tap "Ask a volunteer".
   *[no] Hello, we have not seen you for a while. "{$lesson}" is kept exactly where you stopped. If you are stuck, tap "Ask a volunteer".
}
reminder-next-topic = You finished a topic, well done! Would you like to go on with "{$topic}"?
reminder-from-mentor = {$name} reminds you: carry on with "{$lesson}". Tap the button below.
button-reminders-off = 🔕 Stop reminders
button-open-topic = 📚 Open the topic
reminders-off = I will not remind you any more. To have reminders again, type /start.
button-nudge = 🔔 Remind {$name}
nudge-sent = {$name} has been reminded.
nudge-nothing = This person has no unfinished lesson.
nudge-off = This person turned reminders off.
nudge-night = It is late now. Please remind them in the daytime (8:00–20:00).
nudge-enough = This person was reminded twice for this lesson. You could call or visit them.

# Admins
unanswered-title = Questions with no lesson (last {$days} days)
unanswered-line = {$count} times: {$question}
unanswered-none = No question has gone without a lesson yet.

# Figures for officials
stats-support = 🙋 Asking volunteers: {$asked} questions, {$answered} answered, {$helped} found it helpful{ $known ->
    [yes] ; half were answered within {$median} minutes
   *[no] {""}
}. 🔔 Reminders: {$reminded} sent, {$back} learners came back within 2 days.
