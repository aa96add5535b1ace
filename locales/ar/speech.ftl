## Spoken guidance (issue 11): what audio mode says, beyond the screen texts in main.ftl.
