## Technician maintenance menu (issue 12).
