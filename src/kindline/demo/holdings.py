"""What a demo subscriber holds when they join: which lines, which products on
each, how many secondary cards and family numbers. Pure decisions from the
random stream; the generator carries them out through the services, which
still enforce every eligibility rule.

The odds are the demo operator's mix: the elderly favour the 欢孝卡, a fixed
line and cable TV with opera and health channels; younger subscribers take
bigger plans, broadband and data packs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from kindline.catalog.models import BASE_KINDS
from kindline.demo.numbers import Numbers
from kindline.demo.people import weighted
from kindline.demo.places import Home

ELDER_CARD, ELDER_PACK, SECONDARY = "ELDER-CARD", "ELDER-PACK", "MOB-SEC"
BIG_PLAN = "MOB-98"  # the 98元 plan: secondary cards, free 100M broadband
BB_100M, BB_300M, BB_1000M, IPTV = "BB-100M", "BB-300M", "BB-1000M", "IPTV-BASIC"
TV_BASIC = "DTV-BASIC"
STB_MODELS = {"STB-HD": "HD", "STB-4K": "4K"}
# Channels the elderly choose most (the rest of the store is open to them too).
ELDER_CHANNELS = ("STORE-CH-OPERA", "STORE-CH-ELDER", "STORE-CH-HEALTH", "STORE-CH-CLASSIC", "STORE-CH-COMEDY",
                  "STORE-CH-DANCE", "STORE-CH-WUSHU", "STORE-CH-CALLIGRAPHY", "STORE-CH-GO", "STORE-CH-GUOXUE")


@dataclass
class Menu:
    """The catalog as the generator needs it: each product's kind, whether it is
    charged monthly and its SMS code, read once per run."""

    kinds: dict[str, str]
    line_kinds: dict[str, str]
    monthly: dict[str, bool]
    sms_codes: dict[str, str | None]
    requires: dict[str, list[str]]  # products that need another one on the line

    def of_kind(self, *kinds: str) -> list[str]:
        return [code for code, kind in self.kinds.items() if kind in kinds]

    def bases(self, line_kind: str) -> list[str]:
        """The base products (套餐) a line of this kind may hold one of."""
        return [code for code, kind in self.kinds.items() if kind in BASE_KINDS and self.line_kinds[code] == line_kind]


@dataclass
class LinePlan:
    kind: str
    number: str
    products: list[str]
    service_address: str | None = None
    stb_serial: str | None = None
    family_numbers: int = 0
    location_consent: bool = False
    via_order: bool = False  # opened by an account-opening or installation order
    secondaries: list[LinePlan] = field(default_factory=list)


class Holdings:
    def __init__(self, rng: random.Random, numbers: Numbers, menu: Menu) -> None:
        self.rng, self.numbers, self.menu = rng, numbers, menu

    def _chance(self, p: float) -> bool:
        return self.rng.random() < p

    # --- lines ------------------------------------------------------------------------------

    def mobile(self, plan: str, *, family: int = 0, consent: bool = False, pack: bool = False,
               secondary: int = 0, extras: tuple[str, ...] = ()) -> LinePlan:
        products = [plan] + ([ELDER_PACK] if pack else []) + list(extras)
        line = LinePlan("mobile", self.numbers.mobile(), products, family_numbers=family,
                        location_consent=consent, via_order=self._chance(0.3))
        line.secondaries = [LinePlan("mobile", self.numbers.mobile(), [SECONDARY], via_order=self._chance(0.5))
                            for _ in range(secondary)]
        return line

    def broadband(self, home: Home, base: str, extras: tuple[str, ...] = ()) -> LinePlan:
        return LinePlan("broadband", self.numbers.broadband(home.city), [base, *extras],
                        service_address=home.full_address)

    def fixed(self, home: Home, plan: str) -> LinePlan:
        return LinePlan("fixed", self.numbers.fixed(home.city), [plan], service_address=home.full_address)

    def tv(self, home: Home, box: str, extras: tuple[str, ...] = ()) -> LinePlan:
        return LinePlan("tv", self.numbers.tv_account(home.district), [TV_BASIC, box, *extras],
                        service_address=home.full_address, stb_serial=self.numbers.stb_serial(STB_MODELS[box]))

    # --- random mix -------------------------------------------------------------------------------

    def for_person(self, home: Home, elderly_then: bool, elderly_now: bool) -> list[LinePlan]:
        """The lines a subscriber opens on joining; `elderly_then` is their age
        on that day (the 欢孝卡 needs 65 then), `elderly_now` their segment today."""
        held: list[LinePlan] = []
        mobile = self._random_mobile(elderly_then, elderly_now)
        if mobile:
            held.append(mobile)
        bundled = mobile is not None and mobile.products[0] == BIG_PLAN and self._chance(0.7)
        if bundled:  # the 98 plan's free 100M broadband
            held.append(self.broadband(home, BB_100M, self._speedups(BB_100M)))
        elif self._chance(0.15 if elderly_now else 0.3):
            held.append(self._random_broadband(home))
        if self._chance(0.45 if elderly_now else 0.1):
            held.append(self.fixed(home, weighted(self.rng, {"FIX-BASIC": 60, "FIX-300": 40})))
        if self._chance(0.55 if elderly_now else 0.25):
            held.append(self._random_tv(home, elderly_now))
        return held

    def _random_mobile(self, elderly_then: bool, elderly_now: bool) -> LinePlan | None:
        if not self._chance(0.85 if elderly_now else 0.92):
            return None
        if elderly_then:
            plan = weighted(self.rng, {ELDER_CARD: 55, "MOB-39": 35, "MOB-59": 10})
        elif elderly_now:
            plan = weighted(self.rng, {"MOB-39": 70, "MOB-59": 30})
        else:
            plan = weighted(self.rng, {"MOB-39": 25, "MOB-59": 40, BIG_PLAN: 35})
        if plan == ELDER_CARD:
            pack = self._chance(0.45)
            family = self.rng.choice((0, 1, 2, 2, 3, 3))
            return self.mobile(plan, family=family, pack=pack, consent=pack and family > 0 and self._chance(0.7))
        secondary = weighted(self.rng, {0: 50, 1: 35, 2: 15}) if plan == BIG_PLAN else 0
        return self.mobile(plan, secondary=secondary, extras=self._mobile_extras(elderly_now))

    def _mobile_extras(self, elderly: bool) -> tuple[str, ...]:
        extras = []
        if self._chance(0.08 if elderly else 0.25):
            extras.append(self.rng.choice(self.menu.of_kind("data_pack")))
        if not elderly and self._chance(0.12):
            extras.extend(self.menu.of_kind("auto_upgrade"))
        return tuple(extras)

    def _speedups(self, base: str) -> tuple[str, ...]:
        odds = {BB_100M: {"BB-SPEED-300M": 10, "BB-SPEED-1000M": 5, "BB-SPEED-DAY": 5, None: 80},
                BB_300M: {"BB-SPEED-1000M": 8, "BB-SPEED-DAY": 5, None: 87}}.get(base, {None: 1})
        speedup = weighted(self.rng, odds)
        return (speedup,) if speedup else ()

    def _random_broadband(self, home: Home) -> LinePlan:
        base = weighted(self.rng, {BB_100M: 45, BB_300M: 40, BB_1000M: 15})
        iptv = self._chance(0.2 if base == BB_100M else 0.8)  # free with 300M and above
        return self.broadband(home, base, self._speedups(base) + ((IPTV,) if iptv else ()))

    def _random_tv(self, home: Home, elderly: bool) -> LinePlan:
        box = weighted(self.rng, {"STB-HD": 75, "STB-4K": 25})
        channels = self.menu.of_kind("tv_channel")
        favourites = [c for c in ELDER_CHANNELS if c in channels] if elderly else channels
        extras = self.rng.sample(favourites, min(len(favourites), weighted(self.rng, {0: 35, 1: 30, 2: 20, 3: 15})))
        if self._chance(0.12):
            extras.append(self.rng.choice(self.menu.of_kind("tv_premium")))
        if self._chance(0.2):
            extras.append(self.rng.choice(self.menu.of_kind("recharge_card")))
        return self.tv(home, box, tuple(extras))

    # --- the subscribers `kindline run` invites you to sign in as -------------------------------------

    def elder_showcase(self, home: Home) -> list[LinePlan]:
        """A 欢孝卡 holder with the 欢孝包, three family numbers and location consent,
        a fixed line and cable TV with the opera and elderly channels."""
        card = self.mobile(ELDER_CARD, family=3, pack=True, consent=True)
        card.via_order = True
        return [card, self.fixed(home, "FIX-300"),
                self.tv(home, "STB-HD", ("STORE-CH-OPERA", "STORE-CH-ELDER", "STORE-CH-HEALTH"))]

    def vip_showcase(self, home: Home) -> list[LinePlan]:
        """A 98元 plan with two secondary cards sharing the pool, the free 100M
        broadband sped up to 1000M with IPTV, and a monthly data pack."""
        return [self.mobile(BIG_PLAN, secondary=2, extras=("DP-10G-M",)),
                self.broadband(home, BB_100M, ("BB-SPEED-1000M", IPTV))]

    def tv_showcase(self, home: Home) -> list[LinePlan]:
        """A cable-TV household with a 4K box, store channels and a point card."""
        return [self.mobile("MOB-59"),
                self.tv(home, "STB-4K", ("STORE-PREM-4K", "STORE-CH-FOOTBALL", "STORE-CH-FOOD", "STORE-CARD-100")),
                self.broadband(home, BB_300M, (IPTV,))]
