"""Numbers and accounts for the demo: mobile and fixed numbers, broadband and
cable-TV accounts, set-top box serials.

Every number is drawn from the generator's own random stream, checked with the
same validators the services use (a number the product would refuse is never
handed out) and never handed out twice, so lines can be opened in any order.
"""

from __future__ import annotations

import random

from kindline.core.errors import Invalid
from kindline.customers.phone import is_mobile, normalize_fixed
from kindline.demo.places import City, District

# Prefixes of the three mainland operators, as seen on real SIM cards.
MOBILE_PREFIXES = ("138", "139", "150", "186", "189", "133", "177", "199", "135", "158", "180", "153")


class Numbers:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()

    def _fresh(self, make) -> str:
        while True:
            number = make()
            if number is not None and number not in self._used:
                self._used.add(number)
                return number

    def mobile(self) -> str:
        def make():
            number = f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            return number if is_mobile(number) else None
        return self._fresh(make)

    def fixed(self, city: City) -> str:
        def make():
            number = f"{city.area_code}{self.rng.choice(city.fixed_first_digits)}{self.rng.randrange(10**7):07d}"
            try:
                return normalize_fixed(number)
            except Invalid:
                return None
        return self._fresh(make)

    def broadband(self, city: City) -> str:
        """A broadband account: 'KD', the city's area code and eight digits."""
        return self._fresh(lambda: f"KD{city.area_code}{self.rng.randrange(10**8):08d}")

    def tv_account(self, district: District) -> str:
        """A cable-TV account (用户证号): the district code and six digits."""
        return self._fresh(lambda: f"{district.code}{self.rng.randrange(10**6):06d}")

    def stb_serial(self, model: str) -> str:
        """A set-top box serial: HD or 4K, then ten digits."""
        return self._fresh(lambda: f"{model}{self.rng.randrange(10**10):010d}")
