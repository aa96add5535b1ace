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
maint-pin-wrong = Wrong PIN. Attempts left before lockout: { $arg }
maint-locked = Too many wrong PINs. Try again in { $arg } min.
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
maint-count-a4-pages = A4 pages printed: { $n }
maint-count-tickets = Tickets printed: { $n }
maint-count-cuts = Paper cuts: { $n }
maint-count-captures = Cards captured: { $n }
maint-count-roll = Tickets on this paper roll: { $n }

maint-test-ticket = Print a test ticket
maint-test-page = Print an A4 test page
maint-reset-roll = New paper roll loaded
maint-print = Print
maint-reset = Reset
maint-test = Test
maint-self-test-label = Test { $arg }

maint-outbox-unreadable = The outbox cannot be read
maint-outbox-depth = Events waiting: { $n }
maint-outbox-oldest = Oldest waiting for { $n } s
maint-outbox-nothing = Nothing waiting
maint-outbox-dead = Dead letters: { $n }
maint-dead-detail = Attempts: { $attempts } · { $error }
maint-requeue = Re-queue
maint-requeue-label = Re-queue { $arg }

maint-net-up = Connected
maint-net-down = Not connected
maint-net-none = No network interface
maint-api = Ministry API
maint-api-ok = Answered in { $arg } ms
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
maint-defaults-note = Applies after a restart
maint-switch = Switch
maint-switch-language-label = Switch the default language
maint-default-idle = Idle time: { $n } s
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
maint-saved = Saved; applies after a restart
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
