## The quarterly report against the movement's indicators (for officials)
report-title = 📋 Report for Q{$quarter} {$year}: {$area}
report-as-of = Figures as of {$date}. The report is due before {$deadline}.
report-line = {$number}. {$name}{ $declared ->
    [yes] {" (*)"}
   *[no] {""}
}
    This quarter: {$quarter} (last quarter {$last}, { $trend ->
        [up] up {$change}
        [down] down {$change}
       *[same] no change
    })
    To date: { $has-share ->
        [yes] {$to-date}/{$of} = {$share}
       *[no] {$to-date} (no population figure for a share)
    }{ $has-target ->
        [yes] , target {$year}: {$target}{ $gap-state ->
            [reached] , reached ✅
            [short] , {$gap} people to go
           *[unknown] {""}
        }
       *[no] {""}
    }
report-behind-title = 🔻 Areas furthest behind target ({$indicator}):
report-behind-line = • {$area}: {$share} / target {$target}, {$gap} people to go
report-behind-none = ✅ No area is below target ({$indicator}), or none has a population and target to compare.
report-self-declared = (*) People "confirmed on VNeID" are what learners answered in the bot; the bot cannot see VNeID. Please report it as self-declared.
report-file = 📎 Report table (Excel): {$file}
report-chart-title = Main indicator by area: {$area}
report-chart-subtitle = {$indicator}, to date; the vertical mark is the {$year} target
report-chart-caption = 📈 Achieved against target, by area: {$area}
usage-report = Usage: /report [quarter] [area id]. Examples: /report (this quarter, your area), /report q3, /report 3/2026 phuong-hoa-sen. Deadline reminders: /report remind on; off: /report remind off.
report-future = Q{$quarter} {$year} has not started, so it has no figures yet. Type /report for this quarter.
button-report-chart = 📈 Chart
button-report-last = ◀ Last quarter
button-report-remind-on = 🔔 Remind me before the deadline
button-report-remind-off = 🔕 Stop deadline reminders
report-remind-on = 🔔 Deadline reminders are on. Next reminder: {$date} at {$hour}:00, with the report filled in. Turn off with /report remind off.
report-remind-off = 🔕 Deadline reminders are off.
report-reminder = ⏰ The quarterly report is due in {$days} days (before {$deadline}). Here it is, filled in with the latest figures:

## The report spreadsheet (.xlsx)
xlsx-title = "BÌNH DÂN HỌC VỤ SỐ" MOVEMENT: RESULTS FOR Q{$quarter} {$year}
xlsx-unit = Unit: {$area}
xlsx-as-of = Figures as of {$date}. Due before {$deadline}.
xlsx-sheet-summary = Summary
xlsx-sheet-areas = By area
xlsx-sheet-lessons = By lesson
xlsx-col-number = No.
xlsx-col-indicator = Indicator
xlsx-col-target = Target {$year}
xlsx-col-target-short = Target
xlsx-col-achieved = Achieved (to date)
xlsx-col-share = Share
xlsx-col-gap = Still to reach (people)
xlsx-col-denominator = Population
xlsx-col-quarter = New this quarter
xlsx-col-last = Last quarter
xlsx-col-change = Change
xlsx-col-note = Notes
xlsx-note-declared = Self-declared by learners
xlsx-note-no-denominator = No population figure: count only
xlsx-note-no-target = No target for the year
xlsx-footnote-declared = (*) "Confirmed on VNeID" is what learners answered in the bot; the bot cannot see VNeID.
xlsx-footnote-counts = Figures from the "Bình dân học vụ số" learning bot: each person counts once, by the area and group they chose themselves.
xlsx-col-area-id = Area id
xlsx-col-area = Area
xlsx-total = Total: {$area}
xlsx-col-topic = Topic
xlsx-col-lesson = Lesson
xlsx-col-lesson-id = Lesson id
xlsx-col-done-quarter = Finished this quarter
xlsx-col-done-to-date = Finished to date
xlsx-topic-done = Whole topic finished (certificate)
xlsx-core-topic = {$topic} (core)
