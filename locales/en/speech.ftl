## Spoken guidance (issue 11): what audio mode says, beyond the screen texts in main.ftl.
speech-audio-on = Audio guidance is on.
speech-audio-off = Audio guidance is off.
speech-choices = Choices:
speech-keys-hint = Use the up and down keys to move between choices, Enter to choose, Help to hear this again, plus and minus for volume, star and hash for speed, Cancel to stop.
speech-keyboard-hint = A keyboard follows the choices. Move to a letter with the arrow keys and press Enter to type it.
speech-role-button = button
speech-role-field = field
speech-role-key = key
speech-role-toggle = switch
speech-field-empty = empty
speech-code-length = { PLURAL($count) ->
    [one] one digit typed
   *[other] { $count } digits typed
}
speech-deleted = deleted
speech-wait = Please wait.
speech-preview-ready = Page one of your paper is on the screen. Choose Print to print it.
speech-volume = Volume { $level }
speech-rate = Speed { $level }
speech-key-period = full stop
speech-key-comma = comma
speech-key-question = question mark
speech-key-hyphen = hyphen
speech-key-apostrophe = apostrophe
speech-key-at = at sign
speech-key-arabic-comma = Arabic comma
speech-key-arabic-question = Arabic question mark
speech-focus-lost = The choices changed. Use the arrow keys to choose again.
