"""Where the demo subscribers live: three cities of 江苏省 with their real
districts, real roads and the area codes their ID numbers may carry.

Two kinds of codes are kept apart on purpose. A subscriber's address is in a
district as it is today. The area code inside an ID number (GB/T 2260) is the
place of registration, and python-stdnum accepts a code only for people born
while that code existed (玄武区 320102 from 1983). So a Nanjing resident born
in 1950 carries a code of that time, such as 320121 江宁县, exactly as the
ID-number validator expects. The year ranges below are those of GB/T 2260.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE = "江苏省"


@dataclass(frozen=True)
class District:
    name: str
    code: str
    roads: tuple[str, ...]


@dataclass(frozen=True)
class IdArea:
    """An area code as used in ID numbers, valid for births in [first, last]."""

    code: str
    name: str
    first: int | None = None
    last: int | None = None

    def valid_for(self, year: int) -> bool:
        return (self.first is None or year >= self.first) and (self.last is None or year <= self.last)


@dataclass(frozen=True)
class City:
    name: str
    area_code: str  # long-distance prefix of fixed lines
    fixed_first_digits: tuple[str, ...]  # how local fixed numbers begin
    districts: tuple[District, ...]
    id_areas: tuple[IdArea, ...]

    def id_areas_for(self, year: int) -> list[IdArea]:
        return [area for area in self.id_areas if area.valid_for(year)]


NANJING = City(
    "南京市", "025", ("8", "5", "6"),
    districts=(
        District("玄武区", "320102", ("中山路", "北京东路", "珠江路", "龙蟠中路", "太平北路", "长江路")),
        District("秦淮区", "320104", ("中华路", "太平南路", "长乐路", "瑞金路", "大光路", "升州路")),
        District("建邺区", "320105", ("江东中路", "河西大街", "应天大街", "嘉陵江东街", "集庆门大街")),
        District("鼓楼区", "320106", ("中山北路", "湖南路", "广州路", "宁海路", "汉中路", "草场门大街")),
        District("浦口区", "320111", ("浦珠中路", "文德路", "浦口大道")),
        District("栖霞区", "320113", ("仙林大道", "和燕路", "文苑路", "尧新大道")),
        District("雨花台区", "320114", ("宁丹路", "软件大道", "小行路", "花神大道")),
        District("江宁区", "320115", ("双龙大道", "天元中路", "竹山路", "胜太路")),
    ),
    id_areas=(
        IdArea("320102", "玄武区", 1983), IdArea("320104", "秦淮区", 1983), IdArea("320105", "建邺区", 1983),
        IdArea("320106", "鼓楼区", 1983), IdArea("320111", "浦口区", 1983), IdArea("320113", "栖霞区", 1983),
        IdArea("320114", "雨花台区", 1983), IdArea("320115", "江宁区", 2000), IdArea("320116", "六合区", 2002),
        IdArea("320103", "白下区", 1983, 2013), IdArea("320107", "下关区", 1983, 2013),
        IdArea("320120", "南京市市区", None, 1983), IdArea("320121", "江宁县", None, 2000),
        IdArea("320122", "江浦县", None, 2002), IdArea("320123", "六合县", None, 2002),
        IdArea("322626", "溧水县", None, 1983), IdArea("322627", "高淳县", None, 1983),
    ),
)

WUXI = City(
    "无锡市", "0510", ("8",),
    districts=(
        District("梁溪区", "320213", ("中山路", "人民中路", "解放南路", "学前街", "解放西路")),
        District("滨湖区", "320211", ("湖滨路", "蠡湖大道", "梁清路", "太湖大道", "青祁路")),
        District("新吴区", "320214", ("长江路", "新华路", "震泽路", "旺庄路")),
        District("锡山区", "320205", ("锡沪中路", "团结中路")),
        District("惠山区", "320206", ("政和大道", "惠山大道", "盛岸西路")),
        District("江阴市", "320281", ("澄江中路", "虹桥南路", "人民东路")),
        District("宜兴市", "320282", ("人民中路", "解放东路", "阳羡东路")),
    ),
    id_areas=(
        IdArea("320211", "滨湖区", 1983), IdArea("320205", "锡山区", 2000), IdArea("320206", "惠山区", 2000),
        IdArea("320213", "梁溪区", 2015), IdArea("320214", "新吴区", 2015),
        IdArea("320202", "崇安区", 1983, 2015), IdArea("320203", "南长区", 1983, 2015),
        IdArea("320204", "北塘区", 1983, 2015), IdArea("320281", "江阴市", 1989), IdArea("320282", "宜兴市", 1989),
        IdArea("320222", "无锡县", 1983, 1995),
        IdArea("322721", "江阴县", None, 1983), IdArea("322722", "无锡县", None, 1983),
        IdArea("322629", "宜兴县", None, 1983),
    ),
)

SUZHOU = City(
    "苏州市", "0512", ("6", "5"),
    districts=(
        District("姑苏区", "320508", ("人民路", "干将西路", "十全街", "道前街", "平江路", "景德路")),
        District("虎丘区", "320505", ("长江路", "狮山路", "竹园路", "滨河路")),
        District("吴中区", "320506", ("东吴北路", "宝带西路", "吴中大道")),
        District("相城区", "320507", ("阳澄湖西路", "相城大道", "华元路")),
        District("吴江区", "320509", ("中山南路", "鲈乡南路", "开平路")),
        District("常熟市", "320581", ("海虞北路", "枫林路", "黄河路")),
        District("张家港市", "320582", ("人民中路", "暨阳中路", "港城大道")),
        District("昆山市", "320583", ("前进中路", "人民南路", "柏庐中路")),
    ),
    id_areas=(
        IdArea("320505", "虎丘区", 2000), IdArea("320506", "吴中区", 2000), IdArea("320507", "相城区", 2000),
        IdArea("320508", "姑苏区", 2012), IdArea("320509", "吴江区", 2012),
        IdArea("320502", "沧浪区", 1983, 2012), IdArea("320503", "平江区", 1983, 2012),
        IdArea("320504", "金阊区", 1983, 2012), IdArea("320524", "吴县", 1983, 1995),
        IdArea("320581", "常熟市", 1989), IdArea("320582", "张家港市", 1989), IdArea("320583", "昆山市", 1989),
        IdArea("320585", "太仓市", 1993),
        IdArea("322723", "沙洲县", None, 1983), IdArea("322724", "常熟县", None, 1983),
        IdArea("322725", "太仓县", None, 1983), IdArea("322726", "昆山县", None, 1983),
        IdArea("322727", "吴县", None, 1983), IdArea("322728", "吴江县", None, 1983),
    ),
)

# Weights follow the cities' sizes, roughly: the provincial capital first.
CITIES: tuple[tuple[City, int], ...] = ((NANJING, 40), (SUZHOU, 35), (WUXI, 25))

COMMUNITIES = ("梅园新村", "阳光花园", "锦绣家园", "翠竹苑", "幸福里", "书香苑", "金色家园", "和平新村",
               "滨江花园", "工人新村", "教师新村", "春晖小区", "紫金苑", "桃园新村", "银杏苑", "东方名城")


@dataclass(frozen=True)
class Home:
    """Where a subscriber lives, as lines are installed there."""

    city: City
    district: District
    detail: str

    @property
    def full_address(self) -> str:
        return f"{PROVINCE}{self.city.name}{self.district.name}{self.detail}"


_CITY_BY_NAME = {city.name: city for city, _ in CITIES}


def home_of(city_name: str, district_name: str, detail: str) -> Home:
    """The Home of a stored address (one of the demo's own)."""
    city = _CITY_BY_NAME[city_name]
    return Home(city, next(d for d in city.districts if d.name == district_name), detail)
