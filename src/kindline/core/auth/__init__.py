"""Sign-in and permissions for staff (password) and subscribers (SMS code)."""
