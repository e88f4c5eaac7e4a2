## The learner's profile: age band and group, only to count learners
profile-ask-intro = Thank you! May the bot ask two more short questions, so officials know whom the movement reaches? Tap "Skip" if you would rather not answer.
profile-ask-again = Choose your age again:
profile-ask-age = How old are you?
profile-age = { $age ->
    [under-60] Under 60
   *[elderly] 60 or over
}
profile-ask-group = Which group are you in?
profile-group = { $group ->
    [resident] 🏠 Resident (retired people too)
    [public-servant] 🏛️ Public servant
    [student] 🎒 Pupil or student
    [worker] 🏭 Worker of an enterprise or cooperative
   *[trader] 🛒 Small trader
}
button-profile-clear = I'd rather not say
profile-skipped = No problem. Whenever you like, type /profile to answer.
profile-thanks = Thank you! To change it, type /profile.
profile-title = 👤 About you
profile-summary = Age: { $age ->
    [under-60] under 60
    [elderly] 60 or over
   *[other] not chosen
}
    Group: { $group ->
        [resident] resident
        [public-servant] public servant
        [student] pupil or student
        [worker] worker of an enterprise or cooperative
        [trader] small trader
       *[other] not chosen
    }
    Area: { $has-area ->
        [yes] {$area}
       *[no] not chosen
    }
    Name on certificates: { $named ->
        [yes] {$name}
       *[no] not chosen (change it with /name)
    }
profile-vneid = Your results in VNeID: { $answer ->
    [yes] you said they show
    [not-yet] you said not yet
    [dont-know] you were not sure
   *[other] not answered
}
profile-why = This is only used to count learners by age, group and area. Nobody sees your name in those figures.
button-profile = 👤 About me
button-profile-age = Change age
button-profile-group = Change group
button-profile-vneid = Answer the VNeID question again

## The VNeID question (after the learning platform topic)
vneid-ask = You have finished the topic about the "Bình dân học vụ số" platform. Please open the VNeID app and look: do your learning results show there?
vneid-ask-why = The bot cannot see VNeID, so it asks you in order to count. Just answer with what you see.
vneid-answer = { $answer ->
    [yes] ✅ Yes, they show
    [not-yet] ⏳ Not yet
   *[dont-know] 🤔 I don't know
}
vneid-thanks = { $answer ->
    [yes] Wonderful, thank you!
    [not-yet] Thank you. Results can take a few days to show; when you see them, type /profile to tell the bot.
   *[dont-know] No problem. A volunteer can help you look; then type /profile to tell the bot.
}

## The name printed on certificates
name-ask = 🎉 Your certificate is ready! Which name should be printed on it?
name-ask-again = Which name should be printed on your future certificates?
name-type-or-tap = Tap the button below to use this name, or type your full name and send it.
name-type = Type your full name and send it, for example: Nguyen Thi Lan
button-name-display = ✓ Use: {$name}
name-invalid = A name needs 2 to 60 letters, only letters and spaces (no digits or symbols). Please type it again.
name-set = The name "{$name}" is on your certificate.
name-set-future = Done. Future certificates will carry the name "{$name}". Certificates you already have keep their name.
