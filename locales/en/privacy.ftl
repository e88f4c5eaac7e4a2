## Learners' rights over their data (Decree 13/2023/ND-CP)

privacy-title = 🔒 What the bot remembers about you
privacy-short = So that you can carry on next time, the bot remembers: your name, the lessons you did and your scores, your answers, where you live (if you choose it), and the questions you ask a volunteer. The bot never asks for your phone number or ID number. To know more, tap "Read more".
button-privacy-more = 📖 Read more
privacy-kept = The bot keeps these to remember where you are in the lessons, to give you certificates, and so that a volunteer can help you when you ask.
privacy-who = A volunteer sees only your name, where you live and your question, when you ask for help. Ward and commune officials see only totals, such as how many people finished a lesson, never anyone's name.
privacy-rights = You may see and delete your data:
    • Type /mydata to see everything the bot remembers about you.
    • Type /leavementor to stop having a volunteer follow you.
    • Type /forget to delete your data.
    • Type /privacy to read this notice again.
privacy-law = Vietnam has Decree 13/2023/ND-CP on personal data protection. It gives everyone the right to know how their data is used, and to ask for it to be deleted. For more, you can ask a volunteer or the officials of your ward or commune.
button-mydata = 📋 See my data

mydata-title = 📋 What the bot remembers about you
mydata-name = Name: { $named ->
    [yes] {$name}
   *[no] (the bot was not told your name)
}
mydata-language = Language: {$language}
mydata-mentor = Your volunteer: { $named ->
    [yes] {$name}
   *[no] (yes, name unknown)
}
mydata-mentor-none = Your volunteer: none
mydata-progress = Lessons:
mydata-progress-none = Lessons: you have not opened any yet.
mydata-lesson-done = • "{$lesson}": finished on {$date}, {$score}/{$total} right
mydata-lesson-open = • "{$lesson}": in progress, last on {$date}
mydata-certificates-none = Certificates: none yet
mydata-certificate = Certificate { $basic ->
    [yes] of basic digital skills
   *[no] "{$topic}"
}: code {$code}, given on {$date}
mydata-answers = Answers in the reviews: {$count} answers, {$right} right.
mydata-question = Your question to a volunteer{ $named ->
    [yes] {" "}(answered by {$name})
   *[no] {""}
}:
mydata-question-none = Questions to a volunteer: none waiting.
mydata-reminders-on = Reminders: on. Type /stop to turn them off.
mydata-reminders-off = Reminders: off. Type /start to turn them on again.
mydata-file = The full list, with every answer, is in the attached file.
mydata-rights = To delete your data, tap "Delete my data" below.
button-leave-mentor = 👋 Stop having my volunteer
button-forget = 🗑 Delete my data

leave-mentor-done = Done. This volunteer will no longer hear about your lessons. When you need a person, you can still tap "Ask a volunteer" on the main menu.
leave-mentor-none = You do not have a volunteer following you.

forget-title = 🗑 Delete your data
forget-what = The bot will delete: your name, where you live, your lessons and scores, your answers, your questions to volunteers, and the link to your volunteer.
forget-kept = The bot keeps only totals without a name, such as "one more person finished this lesson", so the officials' counts stay right. Your certificates will be withdrawn: anyone checking the code will see it was withdrawn.
forget-sure = This cannot be undone. Are you sure you want to delete it all?
button-forget-yes = 🗑 Yes, delete it all
button-forget-no = No, keep it
forget-done = The bot has deleted your data. Thank you for learning with us. If you want to learn again one day, just type /start.
forget-staff = You have a volunteer or official role, so the bot cannot delete your data yet. Please ask the administrator to remove the role first, then type /forget again.
help-withdrawn = A question sent to you was just withdrawn by the person who asked it. There is nothing more to do. Thank you.
verify-revoked = ⚠️ Code {$code} was withdrawn on {$date}: the holder asked for their data to be deleted. This certificate is no longer valid.
