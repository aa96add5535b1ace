## Technician maintenance menu (issue 12).

maint-entry-label = Technician access
maint-title = Technician menu
maint-subtitle = Kiosk maintenance
maint-subtitle-badge = Technician badge { $arg }
maint-badge-prompt = Hold your technician badge to the reader
maint-demo-badge = Present the demo badge
maint-pin-prompt = Enter your PIN
maint-checking = Checking the PIN…
maint-pin-label = PIN
maint-pin-submit = Log in
maint-clear = Clear
maint-delete = Delete
maint-back = Back
maint-close = Close
maint-logout = Log out
maint-language-switch = العربية
maint-language-switch-label = Arabic menu
maint-pin-wrong = { PLURAL($n) ->
    [one] Wrong PIN. 1 attempt left before lockout.
   *[other] Wrong PIN. { $n } attempts left before lockout.
}
maint-locked = { PLURAL($n) ->
    [one] Too many wrong PINs. Try again in 1 minute.
   *[other] Too many wrong PINs. Try again in { $n } minutes.
}
maint-working = Working…

maint-page-home = Technician menu
maint-page-devices = Device status
maint-page-printers = Test prints and paper
maint-page-readers = Reader self test
maint-page-outbox = Outbox
maint-page-network = Network and API
maint-page-speech = Speech test
maint-page-defaults = Defaults
maint-page-logs = Recent log lines
maint-restart = Restart the application

maint-device-thermal = Ticket printer
maint-device-a4 = A4 printer
maint-device-card-reader = ID card reader
maint-device-scanner = QR scanner
maint-device-badge-reader = Badge reader
maint-state = State: { $arg }
maint-last-error = Last error:
maint-not-configured = Not configured
maint-counters = Counters
maint-count-a4-pages = { PLURAL($n) ->
    [one] 1 A4 page printed
   *[other] { $n } A4 pages printed
}
maint-count-tickets = { PLURAL($n) ->
    [one] 1 ticket printed
   *[other] { $n } tickets printed
}
maint-count-cuts = { PLURAL($n) ->
    [one] 1 paper cut
   *[other] { $n } paper cuts
}
maint-count-captures = { PLURAL($n) ->
    [one] 1 card captured
   *[other] { $n } cards captured
}
maint-count-roll = { PLURAL($n) ->
    [one] 1 ticket on this paper roll
   *[other] { $n } tickets on this paper roll
}

maint-test-ticket = Print a test ticket
maint-test-page = Print an A4 test page
maint-reset-roll = New paper roll loaded
maint-print = Print
maint-reset = Reset
maint-test = Test
maint-self-test-label = Test { $arg }

maint-outbox-unreadable = The outbox cannot be read
maint-outbox-depth = { PLURAL($n) ->
    [one] 1 event waiting
   *[other] { $n } events waiting
}
maint-outbox-oldest = { PLURAL($n) ->
    [one] Oldest waiting for 1 second
   *[other] Oldest waiting for { $n } seconds
}
maint-outbox-nothing = Nothing waiting
maint-outbox-dead = { PLURAL($n) ->
    [one] 1 dead letter
   *[other] { $n } dead letters
}
maint-dead-detail = { PLURAL($attempts) ->
    [one] 1 attempt
   *[other] { $attempts } attempts
} · { $error }
maint-requeue = Re-queue
maint-requeue-label = Re-queue { $arg }
maint-requeue-all = Re-queue all dead letters

maint-net-up = Connected
maint-net-down = Not connected
maint-net-none = No network interface
maint-api = Ministry API
maint-api-ok = Answered in { $n } ms
maint-api-down = Not reachable: { $arg }
maint-ping = Measure
maint-ping-label = Measure API latency

maint-speech-ar = Speak the Arabic test sentence
maint-speech-en = Speak the English test sentence
maint-speech-unavailable = Speech: not available
maint-speech-ok = Test sentence spoken
maint-speech-sentence = This is the kiosk's speech test.

maint-default-language = Attract screen language: { $arg }
maint-lang-ar = Arabic
maint-lang-en = English
maint-defaults-note = Applies from the next resident's session
maint-switch = Switch
maint-switch-language-label = Switch the default language
maint-default-idle = { PLURAL($n) ->
    [one] Idle time: 1 second
   *[other] Idle time: { $n } seconds
}
maint-idle-less = Shorter idle time
maint-idle-more = Longer idle time
maint-default-volume = Speech volume: { $n }%
maint-volume-less = Lower volume
maint-volume-more = Higher volume

maint-logs-empty = No log lines yet

maint-test-ticket-ok = Test ticket printed
maint-test-page-ok = A4 test page printed
maint-failed = Failed: { $arg }
maint-selftest-ok = Self test passed: { $arg }
maint-selftest-fail = Self test failed: { $arg }
maint-roll-reset = Paper roll counter reset
maint-requeued = Dead letter { $arg } re-queued
maint-requeued-all = { $arg } dead letters re-queued
maint-saved = Saved; applies from the next resident's session
maint-restart-confirm = Press "Restart the application" again to restart
maint-done = Done

maint-test-ticket-title = Manassa test ticket
maint-test-page-title = Manassa printer test page

## XFS4IoT device states, as shown to technicians
maint-xfs-online = online
maint-xfs-offline = offline
maint-xfs-powerOff = powered off
maint-xfs-noDevice = no device
maint-xfs-hardwareError = hardware error
maint-xfs-userError = user error (e.g. paper out, cover open)
maint-xfs-deviceBusy = busy
# No state reported by the driver yet (not an XFS4IoT state).
maint-xfs-unknown = not reported yet
