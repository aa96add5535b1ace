# Manassa — English. Every id here exists in ../ar/main.ftl with the same placeables.

app-title = Ministry of Municipality
app-subtitle = Self-service kiosk
demo-badge = DEMO
language-switch = العربية
language-switch-label = Switch to Arabic

## Attract
attract-title = Official papers, printed here
attract-body = Print your building permit, completion certificate or salary statement as a verifiable original.
attract-start = Touch to start

## Identify
identify-title = Identify yourself
identify-body = Insert your ID card in the reader, or type your QID.
identify-qid-label = QID (11 digits)
identify-continue = Continue
identify-reading-card = Reading your card…
keypad-clear = Clear
keypad-delete = Delete
back = Back
cancel = Cancel

## One-time code
code-title = Enter the code
code-body = We sent a 6-digit code to { $phone }.
code-label = One-time code
code-verify = Verify
code-attempts-left = { PLURAL($count) ->
    [one] Wrong code. One attempt left.
   *[other] Wrong code. { $count } attempts left.
}

## Documents
documents-title = Your papers
documents-empty = You have no papers to print.
documents-print = Print
doc-kind-building_permit = Building permit
doc-kind-completion_certificate = Building completion certificate
doc-kind-salary_statement = Salary statement
documents-issued = Issued { $date }

## Printing
printing-title = Printing
printing-body = Please wait while your paper is printed.

## Done
done-title = Your paper is ready
done-body = Take your paper from the printer and your ticket below.
done-take-card = Take your card.
done-reference = Reference { $reference }
done-printed = Printed: { $kind } { $number }
done-finish = Finish

## Errors
error-title = Something went wrong
error-invalid-qid = This QID is not valid. Check the 11 digits.
error-resident-not-found = No resident is registered with this QID.
error-account-locked = This account is locked. Please contact the ministry.
error-too-many-attempts = Too many wrong codes. Please start again.
error-code-expired = The code has expired. Please start again.
error-too-many-codes = { PLURAL($count) ->
    [one] Too many codes were sent for this ID. Please try again in 1 minute.
   *[other] Too many codes were sent for this ID. Please try again in { $count } minutes.
}
error-network = The ministry cannot be reached right now. Please try again later.
error-printer = The printer has a problem. Nothing was printed.
error-card = Your card could not be read. Please take it and try again.
error-generic = Please try again.
error-ok = OK

## Demo panel (no SMS exists in the demo)
demo-sms = Demo SMS: code { $code }
demo-insert-card = Demo: insert ID card

## Paper: building permit (A4)
paper-ministry = State of Qatar — Ministry of Municipality
paper-permit-title = Building Permit
paper-permit-no = Permit number
paper-owner = Owner
paper-owner-qid = Owner QID
paper-plot = Plot number
paper-zone = Zone
paper-municipality = Municipality
paper-use = Building use
paper-floors = Floors
paper-area = Built area (m²)
paper-consultant = Consultant
paper-contractor = Contractor
paper-issued = Issue date
paper-expires = Expiry date
paper-footer = Printed at a self-service kiosk. Verify this paper at any kiosk with its seal.

## Ticket (thermal)
ticket-title = Ministry of Municipality
ticket-printed = Paper printed
ticket-thanks = Thank you

## Inactivity
idle-warning = { PLURAL($seconds) ->
    [one] Are you still there? The session ends in one second.
   *[other] Are you still there? The session ends in { $seconds } seconds.
}
idle-more-time = I need more time

## Numbers and dates
amount-qar = { $amount } QAR
date-gregorian = { $day } { $month } { $year }
date-hijri = { $day } { $month } { $year } AH
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
hijri-month-1 = Muharram
hijri-month-2 = Safar
hijri-month-3 = Rabi al-Awwal
hijri-month-4 = Rabi al-Thani
hijri-month-5 = Jumada al-Ula
hijri-month-6 = Jumada al-Akhira
hijri-month-7 = Rajab
hijri-month-8 = Shaban
hijri-month-9 = Ramadan
hijri-month-10 = Shawwal
hijri-month-11 = Dhu al-Qada
hijri-month-12 = Dhu al-Hijja

## Papers: shared
paper-issued-at = Issued at { $place } on { $gregorian } ({ $hijri })
paper-issue-place = Doha
paper-page = Page { $page } of { $pages }
paper-seal-caption = Scan this seal with a phone camera or at any ministry kiosk to check that this paper is an original and see what it states.
paper-document-no = Document number

## Paper: building permit (notes)
paper-permit-note = This permit is valid until its expiry date for the building described above only.

## Paper: completion certificate
paper-completion-title = Building Completion Certificate
paper-certificate-no = Certificate number
paper-completed = Completion date
paper-inspected = Final inspection date
paper-inspector = Inspector reference
paper-completion-note = The building described above was completed according to its permit.

## Paper: salary statement
paper-salary-title = Salary Statement
paper-statement-no = Statement number
paper-employee = Employee
paper-employee-no = Employee number
paper-employer = Employer
paper-period = Period
paper-basic-salary = Basic salary
paper-allowances = Allowances
paper-deductions = Deductions
paper-net = Net salary
paper-amount = Amount
paper-salary-note = Amounts in Qatari riyals.

## Seal check before printing
error-seal = This paper could not be verified, so it was not printed. Please contact the ministry.

## Paper: shared labels
paper-qid = QID

## Services
services-title = What would you like to do?
service-print = Print an official paper
service-print-body = Building permit, completion certificate or salary statement. You need your ID card or QID.
service-verify = Verify a printed paper
service-verify-body = Check that a paper with a ministry seal is an original. No identification needed.

## Preview
preview-title = Check your paper
preview-preparing = Preparing your paper…
preview-print = Print this paper

## Verify a paper
verify-title = Verify a paper
verify-body = Hold the paper's QR seal under the scanner.
verify-checking = Checking the seal…
verdict-genuine = Genuine paper
verdict-genuine-unchecked = Genuine seal. Not checked for revocation: the ministry cannot be reached
verdict-not-confirmed = Genuine seal. The ministry could not confirm that it is still valid
verdict-revoked = This paper has been revoked
verdict-altered = This seal is not valid: the paper may have been altered
verdict-unverifiable = This paper cannot be checked now
verdict-not-a-seal = This is not a ministry seal
verdict-compare = Compare these sealed details with the paper in your hand. If any of them differ, the paper has been altered.
verdict-revoked-advice = The ministry has withdrawn this paper. Ask the issuing office for a current one.
verdict-altered-advice = Do not rely on this paper. The ministry did not seal what it shows.
verdict-unverifiable-advice = The seal uses a key this kiosk does not have yet and the ministry cannot be reached. Try again later; this does not mean the paper is false.
verdict-not-a-seal-advice = Scan the square code printed at the bottom of a ministry paper.
fact-kind = Paper
fact-number = Number
fact-issued-on = Issued
fact-holder-name-ar = Name (Arabic)
fact-holder-name-en = Name
fact-qid-last4 = QID
fact-permit-no = Building permit
fact-plot-no = Plot
fact-zone = Zone
fact-municipality-ar = Municipality (Arabic)
fact-municipality-en = Municipality
fact-use-ar = Use (Arabic)
fact-use-en = Use
fact-floors = Floors
fact-built-area-m2 = Built area
fact-area-value = { $area } m²
fact-expires-on = Valid until
fact-completed-on = Completed
fact-inspected-on = Inspected
fact-employer-ar = Employer (Arabic)
fact-employer-en = Employer
fact-period = Pay period
fact-basic-salary = Basic salary
fact-allowances-total = Allowances
fact-deductions = Deductions
fact-net = Net pay
fact-currency = Currency

## A4 printer states (issue 8): before printing nothing is sent; mid-job the job is cancelled
error-a4-paper-out = The A4 printer is out of paper, so nothing was printed.
error-a4-jammed = Paper is stuck in the A4 printer, so nothing was printed.
error-a4-door-open = A door of the A4 printer is open, so nothing was printed.
error-a4-toner-out = The A4 printer is out of toner, so nothing was printed.
error-a4-unavailable = The A4 printer is not available right now, so nothing was printed.
error-a4-interrupted-paper-out = The A4 printer ran out of paper while printing your paper. It was cancelled and is not counted as printed.
error-a4-interrupted-jammed = Paper got stuck in the A4 printer while printing your paper. It was cancelled and is not counted as printed.
error-a4-interrupted-door-open = A door of the A4 printer was opened while printing your paper. It was cancelled and is not counted as printed.
error-a4-interrupted = The A4 printer stopped while printing your paper. It was cancelled and is not counted as printed.
error-a4-unknown = The kiosk lost contact with the A4 printer while printing your paper, so it cannot say whether it came out. It is not counted as printed: please try again, or ask staff for help.

## Accessibility (attract screen)
access-title = Accessibility
access-audio = Audio guidance
access-large-text = Large text
access-contrast = High contrast
access-on = on
access-off = off

## More services
service-complaint = Complaint or inquiry
service-rate = Rate our service
offline-offers = These services work while the network is down:

## Printing stages
printing-stage-paper = Your paper is printing on the A4 printer.
printing-stage-ticket = Your paper is out. Your ticket is printing.

## Rating
rating-title = How was our service?
rating-body = Choose a face.
rating-1 = Very unhappy
rating-2 = Unhappy
rating-3 = Neutral
rating-4 = Happy
rating-5 = Very happy

## Complaint or inquiry
complaint-title = Complaint or inquiry
complaint-category-body = What is it about?
complaint-cat-permits = Building permits and certificates
complaint-cat-cleanliness = Cleanliness and waste
complaint-cat-roads = Roads and street lighting
complaint-cat-kiosk = This kiosk
complaint-cat-other = Something else or a question
complaint-text-body = Write your complaint or question on the keyboard.
complaint-text-label = Your message
complaint-counter = { $count } of { $max } characters
complaint-too-short = { PLURAL($count) ->
    [one] Please write at least 1 character.
   *[other] Please write at least { $count } characters.
}
complaint-next = Continue
complaint-phone-title = Your phone number (optional)
complaint-phone-body = If you want an answer, type your 8-digit Qatar phone number. Otherwise send without it.
complaint-phone-label = Phone number
complaint-send = Send
keyboard-space = Space
keyboard-backspace = Delete
keyboard-to-english = English
keyboard-to-arabic = عربي

## Sent
sent-complaint-title = Your message is recorded
sent-complaint-body = The ministry has received it.
sent-complaint-offline = The network is down. Your message is saved in this kiosk and will be sent to the ministry when the network is back.
sent-reference = Your reference: { $reference }
sent-rating-title = Thank you
sent-rating-body = Your rating helps us improve our service.
sent-rating-offline = Your rating is saved and will be sent when the network is back.

## More errors
error-invalid-phone = That is not a Qatar phone number: 8 digits, starting with 3, 4, 5, 6 or 7.
error-not-recorded = The kiosk could not save your message. Nothing was sent. Please try again later or use another kiosk.
error-code-short = Type all 6 digits of the code.

## Phone verifier page (served by the ministry at /verify)
verify-page-title = Check a ministry paper
verify-page-ministry = Ministry of Municipality · Tawkeed
verify-page-scan = Point your camera at the square code printed at the bottom of the paper.
verify-page-checking = Checking the seal…
verify-page-again = Check another paper
verify-page-language = العربية
verify-page-no-camera = The camera cannot be used. Allow camera access, or open the link in the paper's code with your phone's camera app.
verify-page-offline-keys = Using the keys saved on this phone.
