"""Hall business orders (受理单): every business type, on every channel, with
first-question ownership, enforced transitions and idempotent submission."""
