"""The demo's identities and numbers, without a database: every ID number the
generator can make passes the product's own validator, for any birth year,
and numbers are valid and never handed out twice."""

from __future__ import annotations

import random
from datetime import date, datetime, timezone

from faker import Faker
from stdnum.cn import ric

from kindline.customers.idnumber import age_on, parse_resident_id
from kindline.customers.phone import normalize_fixed, normalize_mobile
from kindline.demo.numbers import Numbers
from kindline.demo.people import People
from kindline.demo.places import CITIES, PROVINCE, home_of

TODAY = date(2026, 11, 22)


def _people(seed: int = 1) -> People:
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    return People(random.Random(seed), faker, TODAY)


def test_each_id_area_is_accepted_exactly_in_its_years():
    for city, _ in CITIES:
        for area in city.id_areas:
            for year in range(1925, TODAY.year + 1):
                body = f"{area.code}{year}0615123"
                number = body + ric.calc_check_digit(body + "0")
                assert ric.is_valid(number) == area.valid_for(year), (city.name, area, year)


def test_every_birth_year_of_the_demo_has_an_area_in_every_city():
    for city, _ in CITIES:
        assert all(city.id_areas_for(year) for year in range(TODAY.year - 96, TODAY.year - 17)), city.name


def test_generated_people_are_valid_real_name_records():
    people = _people()
    seen = set()
    moment = datetime(2026, 5, 1, tzinfo=timezone.utc)
    for i in range(600):
        person = people.person(elderly=i % 3 == 0, arrival=moment)
        parsed = parse_resident_id(person.id_number, TODAY)
        assert parsed.birth_date == person.birth and parsed.gender == person.gender
        assert 18 <= age_on(person.birth, TODAY) <= 95
        assert (age_on(person.birth, TODAY) >= 65) == (i % 3 == 0)
        assert 2 <= len(person.name) <= 4
        assert person.address.province == PROVINCE and person.district in person.city.districts
        assert home_of(person.city.name, person.district.name, person.detail).full_address.startswith(PROVINCE)
        seen.add(person.id_number)
    assert len(seen) == 600


def test_same_seed_same_people():
    first, second = _people(7), _people(7)
    moment = datetime(2026, 5, 1, tzinfo=timezone.utc)
    assert [first.person(elderly=False, arrival=moment) for _ in range(20)] == \
           [second.person(elderly=False, arrival=moment) for _ in range(20)]


def test_numbers_are_valid_and_unique():
    numbers = Numbers(random.Random(3))
    mobiles = [numbers.mobile() for _ in range(500)]
    assert len(set(mobiles)) == 500 and all(normalize_mobile(m) == m for m in mobiles)
    for city, _ in CITIES:
        fixed = [numbers.fixed(city) for _ in range(50)]
        assert all(normalize_fixed(f) == f and f.startswith(city.area_code) for f in fixed)
        tv = [numbers.tv_account(d) for d in city.districts for _ in range(5)]
        assert len(set(tv)) == len(tv)
