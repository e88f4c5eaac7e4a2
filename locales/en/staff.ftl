## Where a learner lives (chosen with buttons)
area-ask = Where do you live? Choose your area so your local community tech team knows another person is learning. If you'd rather not, tap "Skip".
area-choose = Choose the area where you live:
area-current = Your area now: {$area}. You can choose again:
area-set = Your area is saved: {$area}.
area-skipped = That's fine. Whenever you like, type /area to choose your area.
button-area = 📍 My area
button-area-here = ✓ Choose "{$area}"
button-skip = Skip
area-unknown = There is no area with the id "{$area}". Check the id in the area list.
area-outside = The area "{$area}" is outside your scope, so you cannot see or change it.

## Roles
not-allowed = Sorry, this is only for { $role ->
    [volunteer] community tech team volunteers
    [official] officials
   *[admin] administrators
}. If you need it, please contact your local administrator.
try-later = The bot is busy saving data: please try again in a few minutes. Nothing has been lost.
whoami-id = Your id: {$id}
whoami-role = Role: { $role ->
    [volunteer] volunteer
    [official] official
    [admin] administrator
   *[learner] learner
}
whoami-area = Scope: {$area}
whoami-home = Home area: {$area}
usage-grant = Usage: /grant <user id> <volunteer|official> <area id>. Example: /grant tg:123456 volunteer phuong-hoa-sen. People see their own id with /whoami.
usage-revoke = Usage: /revoke <user id>. Example: /revoke tg:123456
granted = { $role ->
    [volunteer] Volunteer
   *[official] Official
} role granted to {$id}, scope: {$area}.
granted-not-seen = Note: this person has not talked to the bot yet. The role applies when they start.
revoked = The { $role ->
    [volunteer] volunteer
    [official] official
   *[admin] admin
} role of {$id} is revoked.
revoke-none = {$id} has no role to revoke.

## Volunteer invites
invite-made = A volunteer invite for {$area} is ready. It works once and expires on {$date}. Forward this message (with its button) to the person you invite, or send them: {$code}
button-invite-link = 🤝 Accept the invite
invite-welcome = Welcome, you are now { $role ->
    [volunteer] a volunteer
   *[official] an official
} for {$area}!
volunteer-help = Volunteer commands: /push (post a lesson to a group chat, typed in the group), /mentorlink (the link for the people you mentor), /mentees (see their progress), /verify CODE (check a certificate).
invite-unknown = This invite is not valid. Check the link, or ask for a new one.
invite-used = This invite has already been used. Each invite works once: ask for a new one.
invite-expired = This invite has expired. Ask for a new one.
invite-already = You already have this role (or a higher one): no invite needed.

## Mentors (digital ambassadors)
mentor-link = This is the link for the people you mentor. When they tap it, you can follow their progress with /mentees. Forward this message to them, or send: {$code}
button-mentor-link = 📚 Learn with a volunteer
mentor-joined = You are now linked with volunteer {$name}. Your mentor will see how far you are, to help when you need it.
mentor-joined-anon = You are now linked with a volunteer mentor. Your mentor will see how far you are, to help when you need it.
mentor-inactive = This volunteer no longer helps through the bot, so this link does not work now. You can still learn on your own, and tap "Ask a volunteer" in the menu when you need a person.
mentor-unknown = This link is not valid. Please ask your volunteer to send it again.
mentor-self = This is your own link: send it to the people you mentor.
mentees-title = 👥 People you mentor: {$count}
mentees-none = Nobody yet. Send your /mentorlink to the people you help.
mentee-line = • {$name}: {$done}/{$total} lessons done, {$certificates} certificates. Last active: {$date}. Now on: {$current}
mentees-more = … and {$count} more.
group-line = 💬 Group { $named ->
    [yes] "{$group}"
   *[no] {$group}
}: {$started} started learning, {$lessons} lessons completed.
mentee-finished-topic = 🎉 {$name} has just completed the topic "{$topic}".

## Posting lessons to groups
push-in-group-only = /push starts in a group chat: add the bot to the group, type /push there, then choose the lesson here, in your private chat.
push-choose-topic = Choose a topic to post to the group { $named ->
    [yes] "{$group}"
   *[no] {$group}
}:
push-choose-lesson = Group { $named ->
    [yes] "{$group}"
   *[no] {$group}
} — choose a lesson in "{$topic}":
push-choose-time = When should "{$lesson}" be posted to the group { $named ->
    [yes] "{$group}"
   *[no] {$group}
}?
push-slot = { $slot ->
    [0] 📤 Now
    [1] ⏰ In 1 hour
    [2] 🌅 Tomorrow 8 am
   *[3] 🌙 Tomorrow 7 pm
}
push-queued = "{$lesson}" is queued for the group { $named ->
    [yes] "{$group}"
   *[no] {$group}
} now.
push-scheduled = "{$lesson}" will be posted to the group { $named ->
    [yes] "{$group}"
   *[no] {$group}
} at {$time}.
card-hint = Tap the button below to learn it privately with the bot, step by step.
button-open-lesson = 📖 Learn this lesson

## Certificates
certificate-code = Verification code: {$code}
certificate-caption = 🎓 Certificate of completion: "{$topic}".
basic-title = 🏆 Certificate of basic digital skills
basic-text = { $named ->
    [yes] Congratulations, {$name}!
   *[no] Congratulations!
} You have completed all four core topics: VNeID, online public services, cashless payment and staying safe online.
basic-topic = Basic digital skills
button-overview = 🎓 Summary and certificates
button-basic-certificate = 🏆 Basic digital skills certificate
overview-title = 🎓 Your learning summary
overview-done = ✅ {$topic}: completed on {$date}, code {$code}
overview-started = ▶ {$topic}: in progress, {$done}/{$total} lessons done
overview-new = ○ {$topic}: not started
overview-basic = 🏆 Basic digital skills: achieved on {$date}, code {$code}
usage-verify = Usage: /verify CODE. Example: /verify K7QM-2XPD-9ARC
verify-unknown = No certificate has the code "{$code}". It may be mistyped, or not issued by this bot.
verify-found = ✅ Code {$code} is a genuine certificate: {$name}, { $basic ->
    [yes] basic digital skills (all four core topics)
   *[no] topic "{$topic}" ({$lessons} lessons)
}, issued on {$date}.

## Figures for officials
period = { $period ->
    [q] Q{$quarter} {$year}
    [lq] Last quarter (Q{$quarter} {$year})
    [y] Year {$year}
   *[all] All time
}
stats-title = 📊 Figures: {$area}
stats-totals = Learners who started: {$started}
    Lessons completed: {$lessons}
    Topics completed (certificates): {$topics}
stats-target = Basic digital skills (to date): {$basic}/{$adults} adults = {$share}, target {$target}.
stats-by-area = By area (to date, against target)
stats-area-line = • {$area}: {$started} started, {$lessons} lessons in period; basic {$basic} = {$share} (target {$target})
stats-by-topic = By topic (in period)
stats-topic-line = • {$topic}: {$done} completed, {$lessons} lesson completions
stats-lessons-title = 📚 By lesson: {$area}
stats-lesson-line = • {$lesson}: {$done}
button-period = { $current ->
    [yes] {"● "}
   *[no] {""}
}{ $period ->
    [q] This quarter
    [lq] Last quarter
    [y] This year
   *[all] All time
}
button-stats-lessons = 📚 By lesson
button-stats-chart = 📈 Chart
button-stats-export = 📥 CSV export
button-drill = 🔎 {$area}
button-up = ⬆ {$area}
chart-title = Basic digital skills: {$area}
chart-subtitle = Share of adults with basic digital skills, to date; the vertical mark is the target
chart-caption = 📈 Chart by area: {$area}
export-ready = 📥 Figures for {$area}: {$rows} rows (area × topic). Open with Excel; Vietnamese shows correctly.

## Words on certificates and charts
certificate-movement = The "Bình dân học vụ số" movement (digital literacy for all)
certificate-heading = CERTIFICATE OF COMPLETION
certificate-heading-basic = CERTIFICATE OF BASIC DIGITAL SKILLS
certificate-awarded-to = Awarded to
certificate-issued = Issued on {$date}
certificate-code-label = Verification code
certificate-verify-hint = Officials and volunteers can check it with /verify and this code
chart-target = Target
chart-empty = No area to show yet
official-help = Official commands: /stats (figures by area, topic and period, with a chart), /export (a CSV file for the quarterly report), /report (the quarterly report against the targets, with an Excel file and deadline reminders), /invite (a volunteer invite).
admin-help = Admin commands: /grant <id> <volunteer|official> <area>, /revoke <id>. People see their own id with /whoami.
push-check-private = I have sent the list of lessons to your private chat with the bot. If you don't see it, open your private chat with the bot and type /push.

## A group's area
group-area-is = This group counts for the area: {$area}.
button-group-area = 📍 Change the group's area
group-area-choose = Choose the area of the group { $named ->
    [yes] "{$group}"
   *[no] {$group}
}:
group-area-set = From now on the group { $named ->
    [yes] "{$group}"
   *[no] {$group}
} counts for the area: {$area}.
group-area-refused = Only the first person who posted to this group, or an official of its area, can change the group's area, and only within their own area.
