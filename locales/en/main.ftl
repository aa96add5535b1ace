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
code-attempts-left = { $count ->
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
done-finish = Finish

## Errors
error-title = Something went wrong
error-invalid-qid = This QID is not valid. Check the 11 digits.
error-resident-not-found = No resident is registered with this QID.
error-account-locked = This account is locked. Please contact the ministry.
error-too-many-attempts = Too many wrong codes. Please start again.
error-code-expired = The code has expired. Please start again.
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
idle-warning = { $seconds ->
    [one] Are you still there? The session ends in one second.
   *[other] Are you still there? The session ends in { $seconds } seconds.
}
idle-more-time = I need more time
