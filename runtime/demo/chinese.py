"""Built-in generators for Chinese people, companies, places and contact details."""
from __future__ import annotations

from urllib.parse import urlsplit

from runtime.demo import zh_data
from runtime.demo.registry import generator, weighted

_PROVINCES = tuple(zh_data.PROVINCES)
_PROVINCE_WEIGHTS = tuple(weight for weight, _ in zh_data.PROVINCES.values())
_CITIES = {p: tuple(c for c, _ in cities) for p, (_, cities) in zh_data.PROVINCES.items()}
_PROVINCE_OF = {c: p for p, cities in _CITIES.items() for c in cities}
_AREA_CODE = {c: code for _, cities in zh_data.PROVINCES.values() for c, code in cities}
_SURNAMES = tuple(s for s, _, _ in zh_data.SURNAMES)
_SURNAME_WEIGHTS = tuple(w for _, _, w in zh_data.SURNAMES)
_GIVEN = tuple(c for c, _ in zh_data.GIVEN_CHARS)
_BRAND = tuple(c for c, _ in zh_data.BRAND_CHARS)
# Place names a company name may start with, longest first so 石家庄 wins over 石家.
_PLACE_PREFIXES = tuple(sorted(
    {p.removesuffix("省").removesuffix("市") for p in _PROVINCES}
    | {c.removesuffix("市") for c in _PROVINCE_OF}, key=len, reverse=True))


def _short(place: str) -> str:
    return place.removesuffix("省").removesuffix("市")


def _random_city(run) -> str:
    return run.rng.choice(_CITIES[weighted(run.rng, _PROVINCES, _PROVINCE_WEIGHTS)])


def _field(run, scope, spec, key: str, slot):
    return run.resolve(scope, spec[key], slot) if key in spec else None


def _syllables(text: str) -> list[str]:
    return [zh_data.PINYIN[ch] for ch in text if ch in zh_data.PINYIN]


def _digits(run, n: int) -> str:
    return "".join(str(run.rng.randint(0, 9)) for _ in range(n))


@generator("person")
def person(run, scope, spec, slot):
    surname = weighted(run.rng, _SURNAMES, _SURNAME_WEIGHTS)
    size = 1 if run.rng.random() < 0.3 else 2
    return surname + "".join(run.rng.choice(_GIVEN) for _ in range(size))


@generator("mobile")
def mobile(run, scope, spec, slot):
    return run.rng.choice(zh_data.MOBILE_PREFIXES) + _digits(run, 8)


@generator("landline")
def landline(run, scope, spec, slot):
    """E.g. 0571-86652301; `city_field` picks the area code."""
    city = _field(run, scope, spec, "city_field", slot)
    code = _AREA_CODE.get(city) or _AREA_CODE[_random_city(run)]
    return f"{code}-{run.rng.randint(2, 8)}{_digits(run, 7)}"


@generator("province")
def province(run, scope, spec, slot):
    return weighted(run.rng, _PROVINCES, _PROVINCE_WEIGHTS)


@generator("city")
def city(run, scope, spec, slot):
    """A city of the province in `province_field` (any city when absent or unknown)."""
    in_province = _CITIES.get(_field(run, scope, spec, "province_field", slot))
    return run.rng.choice(in_province) if in_province else _random_city(run)


@generator("address")
def address(run, scope, spec, slot):
    place = _field(run, scope, spec, "city_field", slot) or _random_city(run)
    building = "".join(run.rng.sample(_BRAND, 2)) + run.rng.choice(zh_data.BUILDING_WORDS)
    number = run.rng.choice((run.rng.randint(1, 99), run.rng.randint(100, 999)))
    return f"{place}{run.rng.choice(zh_data.ROADS)}{number}号{building}{run.rng.randint(2, 28)}层"


@generator("company")
def company(run, scope, spec, slot):
    """City or province + trade name + industry word + 有限公司 and the like."""
    place = _field(run, scope, spec, "city_field", slot)
    province_name = _field(run, scope, spec, "province_field", slot) or _PROVINCE_OF.get(place)
    if not place:
        place = run.rng.choice(_CITIES[province_name]) if province_name in _CITIES else _random_city(run)
        province_name = _PROVINCE_OF[place]
    roll = run.rng.random()
    prefix = _short(place) if roll < 0.6 else _short(province_name) if roll < 0.85 else ""
    industry = _field(run, scope, spec, "industry_field", slot)
    words = zh_data.INDUSTRY_WORDS.get(industry) or zh_data.INDUSTRY_WORDS["*"]
    suffix = weighted(run.rng, *zip(*zh_data.COMPANY_SUFFIXES))
    return prefix + "".join(run.rng.sample(_BRAND, 2)) + run.rng.choice(words) + suffix


def _trade_name(name: str) -> str:
    for prefix in _PLACE_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix) + 2:
            return name[len(prefix):len(prefix) + 2]
    return name[:2]


@generator("url")
def url(run, scope, spec, slot):
    """A company web site spelled from the trade name in `name_field`, e.g. https://www.huachuang.com."""
    name = _field(run, scope, spec, "name_field", slot)
    syllables = _syllables(_trade_name(name)) if name else []
    if not syllables:
        syllables = _syllables("".join(run.rng.sample(_BRAND, 2)))
    host = "".join(syllables) + run.rng.choice(("", "", "tech", "group", "-china", str(run.rng.randint(1, 99))))
    tld = weighted(run.rng, *zip(*zh_data.WEB_TLDS))
    return f"https://www.{host}{tld}"


@generator("email")
def email(run, scope, spec, slot):
    """Pinyin of the person in `name_field` at the host of `domain_field` (a URL) or a free mail host."""
    name = _field(run, scope, spec, "name_field", slot) or ""
    syllables = _syllables(name) or [run.rng.choice(zh_data.GIVEN_CHARS)[1] for _ in range(2)]
    family, given = syllables[0], "".join(syllables[1:]) or "x"
    site = _field(run, scope, spec, "domain_field", slot)
    host = (urlsplit(site).hostname or "") if site and "//" in site else (site or "")
    host = host.removeprefix("www.")
    if host:
        local = run.rng.choice((family + given, given + "." + family, given[0] + family, family + "." + given))
        return f"{local}@{host}"
    host = weighted(run.rng, *zip(*zh_data.FREE_MAIL_DOMAINS))
    if host == "qq.com" and run.rng.random() < 0.5:
        return f"{run.rng.randint(10000, 3999999999)}@qq.com"
    local = run.rng.choice((family + given, family + given + _digits(run, 2), family + "_" + given,
                            family + given + str(run.rng.randint(1970, 2002))))
    return f"{local}@{host}"
