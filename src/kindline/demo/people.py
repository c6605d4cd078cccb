"""Who the demo subscribers are: real-name identities with valid ID numbers,
names from Faker zh_CN, ages that make about a third of them elderly, and
street addresses on real roads of the demo cities."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from faker import Faker
from stdnum.cn import ric

from kindline.customers.idnumber import age_on
from kindline.customers.service import Address
from kindline.demo.places import CITIES, COMMUNITIES, PROVINCE, City, District, Home

K = TypeVar("K")

# The real-name age from which the operator counts a subscriber as elderly.
ELDERLY_AGE = 65
# Age bands (inclusive) and weights; the elderly bands start at the elderly age.
ELDER_AGES = (((ELDERLY_AGE, 74), 55), ((75, 84), 35), ((85, 95), 10))
ADULT_AGES = (((18, 24), 12), ((25, 44), 48), ((45, 64), 40))

# Where people register their real name: the elderly mostly at the hall.
_CHANNEL_WEIGHTS = {"hall": 40, "partner": 15, "online": 12, "app": 15, "terminal": 8, "hotline": 4, "chat": 3,
                    "sms": 3}
_ELDER_CHANNEL_WEIGHTS = {"hall": 70, "partner": 8, "online": 3, "app": 4, "terminal": 5, "hotline": 6, "chat": 2,
                          "sms": 2}


@dataclass
class Person:
    name: str
    gender: str  # "M" or "F", as the ID number says
    birth: date
    id_number: str
    city: City
    district: District
    detail: str
    channel: str
    arrival: datetime  # when the real-name record is made

    @property
    def address(self) -> Address:
        return Address(PROVINCE, self.city.name, self.district.name, self.detail)

    @property
    def home(self) -> Home:
        return Home(self.city, self.district, self.detail)

    def age(self, day: date) -> int:
        return age_on(self.birth, day)


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def weighted(rng: random.Random, weights: dict[K, int]) -> K:
    """One key of `weights`, drawn in proportion to its weight (dicts keep order, so this is deterministic)."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


class People:
    """Makes persons from one random stream and one seeded Faker."""

    def __init__(self, rng: random.Random, faker: Faker, today: date) -> None:
        self.rng, self.faker, self.today = rng, faker, today
        self._ids: set[str] = set()

    def birth_for_age(self, age: int) -> date:
        latest = years_before(self.today, age)
        earliest = years_before(self.today, age + 1) + timedelta(days=1)
        return earliest + timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def age(self, elderly: bool, between: tuple[int, int] | None = None) -> int:
        if between is None:
            bands = ELDER_AGES if elderly else ADULT_AGES
            between = self.rng.choices([b for b, _ in bands], weights=[w for _, w in bands])[0]
        return self.rng.randint(*between)

    def name(self, gender: str) -> str:
        first = self.faker.first_name_male() if gender == "M" else self.faker.first_name_female()
        return f"{self.faker.last_name()}{first}"

    def place(self) -> tuple[City, District]:
        city = self.rng.choices([c for c, _ in CITIES], weights=[w for _, w in CITIES])[0]
        return city, self.rng.choice(city.districts)

    def street(self, district: District) -> str:
        road = self.rng.choice(district.roads)
        floor, room = self.rng.randint(1, 18), self.rng.randint(1, 4)
        return (f"{road}{self.rng.randint(1, 399)}号{self.rng.choice(COMMUNITIES)}"
                f"{self.rng.randint(1, 30)}幢{self.rng.randint(1, 4)}单元{floor}0{room}室")

    def id_number(self, city: City, district: District, birth: date, gender: str) -> str:
        """GB 11643: area code valid in the birth year, birth date, an order
        code odd for men and even for women, and the check character."""
        areas = city.id_areas_for(birth.year)
        own = [a for a in areas if a.code == district.code]
        while True:
            area = own[0] if own and self.rng.random() < 0.5 else self.rng.choice(areas)
            parity = (1, 3, 5, 7, 9) if gender == "M" else (0, 2, 4, 6, 8)
            order = self.rng.randrange(0, 100) * 10 + self.rng.choice(parity)
            if order == 0:
                continue
            body = f"{area.code}{birth:%Y%m%d}{order:03d}"
            number = body + ric.calc_check_digit(body + "0")  # stdnum ignores the last character
            if number not in self._ids:
                self._ids.add(number)
                return number

    def channel(self, elderly: bool) -> str:
        return weighted(self.rng, _ELDER_CHANNEL_WEIGHTS if elderly else _CHANNEL_WEIGHTS)

    def person(self, *, elderly: bool, arrival: datetime, channel: str | None = None,
               ages: tuple[int, int] | None = None, gender: str | None = None) -> Person:
        birth = self.birth_for_age(self.age(elderly, ages))
        gender = gender or self.rng.choice("MF")
        city, district = self.place()
        return Person(name=self.name(gender), gender=gender, birth=birth,
                      id_number=self.id_number(city, district, birth, gender), city=city, district=district,
                      detail=self.street(district), channel=channel or self.channel(elderly), arrival=arrival)

