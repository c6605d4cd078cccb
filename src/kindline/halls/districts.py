"""Where an address is, without a geocoder: the centre of its district.

The demo runs offline and has no geocoding service, so each district of the
demo's three cities (demo/places.py) has a centroid here: the approximate
coordinates (WGS-84) of the district's centre, near its government seat. An
address is matched to its district by name ("南京市鼓楼区中山北路8号" is in
鼓楼区), which is as precise as the SMS hall finder needs: it answers the
halls nearest to where a subscriber lives, a walk of a few kilometres at most.
A production deployment with a geocoder gives halls.finder real coordinates
instead and nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from kindline.core.errors import Invalid


@dataclass(frozen=True)
class Place:
    city: str
    district: str
    lat: float
    lon: float


CENTROIDS: tuple[Place, ...] = (
    Place("南京市", "玄武区", 32.0486, 118.7979),
    Place("南京市", "秦淮区", 32.0339, 118.7948),
    Place("南京市", "建邺区", 32.0038, 118.7316),
    Place("南京市", "鼓楼区", 32.0664, 118.7698),
    Place("南京市", "浦口区", 32.0589, 118.6278),
    Place("南京市", "栖霞区", 32.0966, 118.9094),
    Place("南京市", "雨花台区", 31.9917, 118.7791),
    Place("南京市", "江宁区", 31.9532, 118.8398),
    Place("苏州市", "姑苏区", 31.3117, 120.6178),
    Place("苏州市", "虎丘区", 31.2958, 120.5662),
    Place("苏州市", "吴中区", 31.2624, 120.6320),
    Place("苏州市", "相城区", 31.3690, 120.6424),
    Place("苏州市", "吴江区", 31.1386, 120.6450),
    Place("苏州市", "常熟市", 31.6538, 120.7522),
    Place("苏州市", "张家港市", 31.8756, 120.5554),
    Place("苏州市", "昆山市", 31.3847, 120.9807),
    Place("无锡市", "梁溪区", 31.5668, 120.2969),
    Place("无锡市", "滨湖区", 31.5272, 120.2831),
    Place("无锡市", "新吴区", 31.5507, 120.3524),
    Place("无锡市", "锡山区", 31.5891, 120.3572),
    Place("无锡市", "惠山区", 31.6814, 120.2986),
    Place("无锡市", "江阴市", 31.9204, 120.2854),
    Place("无锡市", "宜兴市", 31.3405, 119.8236),
)

_SUFFIXES = ("区", "市", "县")


def _short(name: str) -> str:
    """鼓楼区 -> 鼓楼, 江阴市 -> 江阴: people often leave the suffix out."""
    return name[:-1] if name.endswith(_SUFFIXES) and len(name) > 2 else name


def district(city: str, name: str) -> Place | None:
    return next((p for p in CENTROIDS if p.city == city and p.district == name), None)


def locate(address: str) -> Place:
    """The district centre of an address; raises Invalid when no demo district
    is named in it. The city narrows the search when it is named too, and the
    longest district name found wins (雨花台区 before a stray 花台)."""
    text = "".join((address or "").split())
    if not text:
        raise Invalid("address_required", "请填写地址。", "an address is required")
    cities = {p.city for p in CENTROIDS if p.city in text or _short(p.city) in text}
    candidates = [p for p in CENTROIDS if not cities or p.city in cities]
    found = [p for p in candidates if p.district in text] or [p for p in candidates if _short(p.district) in text]
    if not found:
        raise Invalid("address_not_located", "无法根据该地址确定所在区县，请写明区县（如：南京市鼓楼区）。",
                      f"no known district in address {address!r}")
    return max(found, key=lambda p: len(p.district))
