# Texts only the Zalo channel uses.

zalo-more-choices = More choices:
zalo-write-to-continue = To carry on, tap the button below or send the bot any message.
zalo-document-unavailable = The bot could not send the file "{$name}" on Zalo. Please ask a helper to fetch it for you.
zalo-group-link = 👉 Learn with the bot in private: {$link}
zalo-group-start = Or send the OA this line to open this very lesson: {$command}
