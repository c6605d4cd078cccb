"""Reminders (提醒服务): the SMS an operator owes its subscribers about usage,
balance, arrears, a plan that may be too big, and points about to expire.
Each is sent once per threshold per line per cycle, and never at night."""
