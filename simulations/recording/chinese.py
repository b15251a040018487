"""Credible Chinese identities and the typos Chinese CRM records have (``--locale zh_CN``).

Why not Faker: its zh_CN provider invents cities (霞市) and pairs them with random provinces, and
its e-mails are foreign free-mail addresses unrelated to the person. A class that cleans Chinese
customer data should meet the data a Chinese firm has: real prefecture-level cities in their true
province with the matching telephone area code, names whose pinyin shows up in the e-mail address
(or a QQ number), domestic mail providers, 11-digit mobiles, landlines with area codes, and in the
source systems the errors clerks really make: homophone characters, full-width digits, missing or
extra area codes, dropped 省/市 suffixes.

The names come from our own pools (common surnames and given-name characters with their pinyin),
so no pinyin library is needed. Shares and population weights below are approximate values chosen
for plausibility, not statistics to be quoted. Everything is vectorised with numpy and drawn from
the caller's generator (never global state).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

# Common surnames with their pinyin and an approximate share (per cent of the population, rounded;
# chosen so the usual ones dominate, not a census table).
SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.6), ("刘", "liu", 5.4), ("陈", "chen", 4.5),
    ("杨", "yang", 3.1), ("赵", "zhao", 2.3), ("黄", "huang", 2.2), ("周", "zhou", 1.9), ("吴", "wu", 2.0),
    ("徐", "xu", 1.3), ("孙", "sun", 1.5), ("胡", "hu", 1.3), ("朱", "zhu", 1.3), ("高", "gao", 1.1),
    ("林", "lin", 1.1), ("何", "he", 1.2), ("郭", "guo", 1.2), ("马", "ma", 1.3), ("罗", "luo", 0.9),
    ("梁", "liang", 0.9), ("宋", "song", 0.7), ("郑", "zheng", 0.9), ("谢", "xie", 0.7), ("韩", "han", 0.6),
    ("唐", "tang", 0.7), ("冯", "feng", 0.6), ("于", "yu", 0.5), ("董", "dong", 0.5), ("萧", "xiao", 0.2),
    ("程", "cheng", 0.4), ("曹", "cao", 0.6), ("袁", "yuan", 0.5), ("邓", "deng", 0.6), ("许", "xu", 0.7),
    ("傅", "fu", 0.3), ("沈", "shen", 0.4), ("曾", "zeng", 0.6), ("彭", "peng", 0.6), ("吕", "lv", 0.4),
    ("苏", "su", 0.4), ("卢", "lu", 0.4), ("蒋", "jiang", 0.5), ("蔡", "cai", 0.5), ("贾", "jia", 0.3),
    ("丁", "ding", 0.4), ("魏", "wei", 0.4), ("薛", "xue", 0.2), ("叶", "ye", 0.4), ("阎", "yan", 0.2),
    ("余", "yu", 0.5), ("潘", "pan", 0.5), ("杜", "du", 0.5), ("戴", "dai", 0.2), ("夏", "xia", 0.3),
    ("钟", "zhong", 0.4), ("汪", "wang", 0.3), ("田", "tian", 0.5), ("任", "ren", 0.4), ("姜", "jiang", 0.4),
    ("范", "fan", 0.3), ("方", "fang", 0.3), ("石", "shi", 0.3), ("姚", "yao", 0.4), ("谭", "tan", 0.3),
    ("廖", "liao", 0.3), ("邹", "zou", 0.3), ("熊", "xiong", 0.3), ("金", "jin", 0.3), ("陆", "lu", 0.3),
    ("郝", "hao", 0.2), ("孔", "kong", 0.2), ("白", "bai", 0.3), ("崔", "cui", 0.4), ("康", "kang", 0.2),
    ("毛", "mao", 0.2), ("邱", "qiu", 0.3), ("秦", "qin", 0.3), ("江", "jiang", 0.3), ("史", "shi", 0.2),
    ("顾", "gu", 0.2), ("侯", "hou", 0.2), ("邵", "shao", 0.2), ("孟", "meng", 0.3), ("龙", "long", 0.2),
    ("万", "wan", 0.2), ("段", "duan", 0.2), ("章", "zhang", 0.1), ("钱", "qian", 0.2), ("汤", "tang", 0.2),
    ("尹", "yin", 0.3), ("黎", "li", 0.2), ("易", "yi", 0.2), ("常", "chang", 0.2), ("武", "wu", 0.2),
    ("乔", "qiao", 0.1), ("贺", "he", 0.2), ("赖", "lai", 0.2), ("龚", "gong", 0.2), ("文", "wen", 0.2),
    ("欧阳", "ouyang", 0.1), ("上官", "shangguan", 0.02),
)

# Given-name characters with pinyin; a given name is one or two of them (婷婷, 静静 happen too).
MALE_CHARS: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("勇", "yong"), ("杰", "jie"), ("涛", "tao"),
    ("斌", "bin"), ("超", "chao"), ("明", "ming"), ("刚", "gang"), ("平", "ping"), ("辉", "hui"), ("鹏", "peng"),
    ("华", "hua"), ("飞", "fei"), ("鑫", "xin"), ("波", "bo"), ("宇", "yu"), ("浩", "hao"), ("凯", "kai"),
    ("健", "jian"), ("俊", "jun"), ("帆", "fan"), ("帅", "shuai"), ("旭", "xu"), ("宁", "ning"), ("龙", "long"),
    ("林", "lin"), ("阳", "yang"), ("建", "jian"), ("国", "guo"), ("志", "zhi"), ("文", "wen"), ("海", "hai"),
    ("峰", "feng"), ("亮", "liang"), ("东", "dong"), ("晨", "chen"), ("博", "bo"), ("子", "zi"), ("轩", "xuan"),
    ("睿", "rui"), ("泽", "ze"), ("然", "ran"), ("天", "tian"), ("成", "cheng"), ("家", "jia"), ("振", "zhen"),
    ("立", "li"), ("德", "de"), ("荣", "rong"), ("永", "yong"), ("庆", "qing"), ("春", "chun"), ("玮", "wei"),
    ("晓", "xiao"), ("小", "xiao"), ("一", "yi"), ("思", "si"),
)
FEMALE_CHARS: tuple[tuple[str, str], ...] = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"), ("秀", "xiu"),
    ("英", "ying"), ("娟", "juan"), ("霞", "xia"), ("燕", "yan"), ("玲", "ling"), ("婷", "ting"), ("雪", "xue"),
    ("慧", "hui"), ("红", "hong"), ("梅", "mei"), ("琳", "lin"), ("晶", "jing"), ("颖", "ying"), ("倩", "qian"),
    ("洁", "jie"), ("佳", "jia"), ("欣", "xin"), ("怡", "yi"), ("雯", "wen"), ("璐", "lu"), ("萍", "ping"),
    ("莉", "li"), ("兰", "lan"), ("琴", "qin"), ("云", "yun"), ("月", "yue"), ("悦", "yue"), ("琪", "qi"),
    ("瑶", "yao"), ("婧", "jing"), ("蕾", "lei"), ("薇", "wei"), ("涵", "han"), ("诗", "shi"), ("梦", "meng"),
    ("思", "si"), ("雨", "yu"), ("晓", "xiao"), ("小", "xiao"), ("文", "wen"), ("美", "mei"), ("春", "chun"),
    ("丹", "dan"), ("宁", "ning"), ("嘉", "jia"), ("玉", "yu"), ("凤", "feng"), ("秋", "qiu"), ("桂", "gui"),
)
#: Characters that lead a two-character given name (晓明, 小红, 子轩) and never stand last or alone.
LEADING_ONLY = frozenset("晓小一子思")
#: Share of one-character given names (张伟, 王芳); the rest have two characters.
SINGLE_GIVEN = 0.3

#: Domestic mail providers and approximate shares of personal addresses (chosen, not measured).
EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("qq.com", 0.40), ("163.com", 0.22), ("126.com", 0.09), ("foxmail.com", 0.06), ("sina.com", 0.06),
    ("139.com", 0.06), ("sohu.com", 0.05), ("aliyun.com", 0.06),
)
#: Share of qq.com addresses that use the QQ number, and of 139.com addresses that use the mobile number.
QQ_NUMBER_SHARE = 0.6
MOBILE_LOCAL_SHARE = 0.7

# Mobile number blocks of the three operators (13x/15x/17x/18x/19x) with relative weights: the old
# 13x/15x/18x blocks carry most subscribers.
MOBILE_PREFIXES: tuple[tuple[str, float], ...] = tuple(
    [(f"13{d}", 1.5) for d in range(10)]
    + [(f"15{d}", 1.2) for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
    + [(f"17{d}", 0.5) for d in (0, 1, 3, 5, 6, 7, 8)]
    + [(f"18{d}", 1.3) for d in range(10)]
    + [(f"19{d}", 0.5) for d in (1, 3, 5, 6, 7, 8, 9)]
)
#: Share of customers who left a landline (home or office) instead of a mobile.
LANDLINE_SHARE = 0.08

#: Characters clerks confuse with a same- or near-same-sounding one when a name is said on the phone.
HOMOPHONES: dict[str, str] = {
    "张": "章", "章": "张", "王": "汪", "汪": "王", "黄": "王", "徐": "许", "许": "徐", "李": "黎", "黎": "李",
    "刘": "柳", "陈": "程", "程": "陈", "杨": "扬", "吴": "武", "武": "吴", "周": "邹", "邹": "周", "江": "姜",
    "姜": "江", "萧": "肖", "于": "余", "余": "于", "伟": "玮", "玮": "伟", "静": "晶", "晶": "静", "婷": "亭",
    "丽": "莉", "莉": "丽", "敏": "民", "芳": "方", "娟": "鹃", "燕": "艳", "艳": "燕", "玲": "琳", "琳": "玲",
    "磊": "蕾", "蕾": "磊", "军": "君", "杰": "洁", "洁": "杰", "涛": "滔", "斌": "彬", "辉": "晖", "鹏": "朋",
    "华": "桦", "飞": "菲", "鑫": "欣", "欣": "鑫", "宇": "雨", "雨": "宇", "浩": "皓", "凯": "恺", "健": "建",
    "建": "健", "俊": "骏", "峰": "锋", "晨": "辰", "睿": "锐", "琪": "琦", "瑶": "遥", "薇": "微", "涵": "含",
    "梦": "孟", "思": "斯", "晓": "小", "小": "晓", "慧": "惠", "红": "宏", "颖": "莹", "倩": "茜", "佳": "嘉",
    "嘉": "佳", "怡": "宜", "雯": "文", "璐": "露", "萍": "平", "兰": "蓝", "琴": "芹", "云": "芸", "月": "悦",
    "悦": "月", "明": "铭", "志": "智", "东": "冬", "春": "纯", "玉": "钰", "凤": "风",
}
# Short names of the provinces whose full name is not simply the short name plus 省.
_PROVINCE_SHORT = {"内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏", "宁夏回族自治区": "宁夏",
                   "新疆维吾尔自治区": "新疆"}


@dataclass(frozen=True)
class Cities:
    """The prefecture-level cities of ``data/cn_cities.csv`` as arrays (municipalities are their own province)."""

    city: np.ndarray
    province: np.ndarray
    area_code: np.ndarray
    weight: np.ndarray  # approximate resident population, for a population-weighted choice

    def province_of(self, cities: np.ndarray) -> np.ndarray:
        """The true province of each city name (unknown names raise: every city must come from the table)."""
        order = np.argsort(self.city)
        pos = np.clip(np.searchsorted(self.city, cities, sorter=order), 0, self.city.size - 1)
        found = self.city[order][pos] == cities
        if not found.all():
            raise ValueError(f"cities not in cn_cities.csv: {sorted(set(np.asarray(cities)[~found]))[:5]}")
        return self.province[order][pos]


@cache
def cities() -> Cities:
    """Read the city table once (a packaged CSV, so it installs with the project)."""
    text = resources.files("simulations.recording").joinpath("data/cn_cities.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return Cities(np.array([r["city"] for r in rows]), np.array([r["province"] for r in rows]),
                  np.array([r["area_code"] for r in rows]), np.array([float(r["population_10k"]) for r in rows]))


def province_short(province: np.ndarray) -> np.ndarray:
    """浙江省 -> 浙江, 广西壮族自治区 -> 广西, 北京市 -> 北京: how people write a province in an address."""
    out = np.strings.replace(np.strings.replace(province, "省", ""), "市", "")
    for full, short in _PROVINCE_SHORT.items():
        out = np.where(province == full, short, out)
    return out


def _pick(rng: np.random.Generator, table: tuple, k: int) -> np.ndarray:
    """Indices into ``table`` whose last element is a weight (normalised here)."""
    w = np.array([row[-1] for row in table], dtype=np.float64)
    return rng.choice(len(table), k, p=w / w.sum())


def _choose(pick: np.ndarray, forms: list[np.ndarray]) -> np.ndarray:
    """``forms[pick[i]][i]`` for string arrays (``np.choose`` would need slow object arrays)."""
    out = np.asarray(forms[0], dtype=np.str_)
    for i, form in enumerate(forms[1:], start=1):
        out = np.where(pick == i, form, out)
    return out


def _digits(rng: np.random.Generator, k: int, width: int) -> np.ndarray:
    """``k`` strings of ``width`` random digits (leading zeros kept)."""
    return np.strings.zfill(rng.integers(0, 10**width, k).astype(np.str_), width)


@dataclass
class ChineseIdentities:
    """The raw parts of Chinese identities; ``observable.identities`` turns them into ``Identities``."""

    first: np.ndarray
    last: np.ndarray
    gender: np.ndarray
    city: np.ndarray
    area_code: np.ndarray
    landline: np.ndarray
    phone_digits: np.ndarray
    phone: np.ndarray
    email: np.ndarray


def chinese_identities(k: int, rng: np.random.Generator) -> ChineseIdentities:
    """Names, cities, phones and e-mails of ``k`` customers, consistent with each other.

    A person's e-mail is built from the pinyin of their own name (``zhangwei88``, ``wangxm1990``,
    ``li.na``), their QQ number (qq.com) or their mobile number (139.com); a landline carries the
    area code of the person's city.
    """
    gender = np.where(rng.random(k) < 0.5, "female", "male")
    sur = _pick(rng, SURNAMES, k)
    last = np.array([s[0] for s in SURNAMES])[sur]
    last_py = np.array([s[1] for s in SURNAMES])[sur]
    female = gender == "female"
    chars = [np.array([c[i] for c in pool]) for pool in (MALE_CHARS, FEMALE_CHARS) for i in (0, 1)]
    g1, g2 = rng.integers(0, 1 << 30, k), rng.integers(0, 1 << 30, k)
    two = rng.random(k) >= SINGLE_GIVEN

    second = [np.array([c[0] not in LEADING_ONLY for c in pool]) for pool in (MALE_CHARS, FEMALE_CHARS)]

    def given(draw: np.ndarray, part: int, tail: bool = False) -> np.ndarray:
        m, f = chars[part], chars[2 + part]
        if tail:  # the second character comes from the characters that may close a name
            m, f = m[second[0]], f[second[1]]
        return np.where(female, f[draw % f.size], m[draw % m.size])

    first = np.where(two, np.strings.add(given(g1, 0), given(g2, 0, True)), given(g1, 0, True))
    first_py = np.where(two, np.strings.add(given(g1, 1), given(g2, 1, True)), given(g1, 1, True))
    initials = np.where(two, np.strings.add(np.strings.slice(given(g1, 1), 0, 1), np.strings.slice(given(g2, 1, True), 0, 1)),
                        np.strings.slice(given(g1, 1, True), 0, 1))

    table = cities()
    where = rng.choice(table.city.size, k, p=table.weight / table.weight.sum())
    city, area = table.city[where], table.area_code[where]

    landline = rng.random(k) < LANDLINE_SHARE
    mobile = np.strings.add(np.array([p[0] for p in MOBILE_PREFIXES])[_pick(rng, MOBILE_PREFIXES, k)], _digits(rng, k, 8))
    local = np.strings.add(rng.integers(2, 9, k).astype(np.str_), _digits(rng, k, 7))  # 8 digits, never 0/1 first
    phone_digits = np.where(landline, np.strings.add(area, local), mobile)
    s = np.strings.slice
    mobile_shown = np.strings.add(np.strings.add(np.strings.add(s(mobile, 0, 3), " "), np.strings.add(s(mobile, 3, 7), " ")),
                                  s(mobile, 7, 11))
    land_shown = np.strings.add(np.strings.add(s(area, 1, 4), " "), np.strings.add(np.strings.add(s(local, 0, 4), " "),
                                                                                   s(local, 4, 8)))
    phone = np.strings.add("+86 ", np.where(landline, land_shown, mobile_shown))

    domain = np.array([d[0] for d in EMAIL_DOMAINS])[_pick(rng, EMAIL_DOMAINS, k)]
    full_py = np.strings.add(last_py, first_py)
    year = rng.integers(1960, 2006, k).astype(np.str_)
    two_digits = np.strings.zfill(rng.integers(0, 100, k).astype(np.str_), 2)
    styles = [
        np.strings.add(full_py, two_digits),  # zhangwei88
        np.strings.add(full_py, year),  # zhangwei1990
        full_py,  # zhangwei
        np.strings.add(np.strings.add(last_py, "."), first_py),  # zhang.wei
        np.strings.add(np.strings.add(last_py, "_"), first_py),  # zhang_wei
        np.strings.add(np.strings.add(last_py, initials), year),  # zhangxm1990
        np.strings.add(np.strings.add(s(last_py, 0, 1), initials), year),  # zxm1990
        np.strings.add(np.strings.add(first_py, last_py), two_digits),  # weizhang88
    ]
    style = rng.choice(len(styles), k, p=[0.24, 0.2, 0.06, 0.08, 0.06, 0.16, 0.12, 0.08])
    handle = _choose(style, styles)
    qq = np.strings.add(rng.integers(1, 10, k).astype(np.str_),
                        np.strings.slice(_digits(rng, k, 10), 0, rng.choice(np.arange(4, 11), k,
                                                                              p=[0.02, 0.05, 0.1, 0.18, 0.35, 0.28, 0.02])))
    u = rng.random(k)
    handle = np.where((domain == "qq.com") & (u < QQ_NUMBER_SHARE), qq, handle)
    handle = np.where((domain == "139.com") & ~landline & (u < MOBILE_LOCAL_SHARE), mobile, handle)
    email = np.strings.add(np.strings.add(handle, "@"), domain)
    return ChineseIdentities(first, last, gender, city, area, landline, phone_digits, phone, email)


# ---------------------------------------------------------------------------------- dirty copies
def homophone(values: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Replace one character by a same-sounding one (张 -> 章) where ``mask`` is set and one is known.

    Why this and not a swap of neighbours: Chinese names are one to three characters typed through
    a pinyin input method, so the usual slip is the wrong character for the right sound.
    """
    arr = np.asarray(values, dtype=np.str_)
    width = max(arr.dtype.itemsize // 4, 1)
    codes = arr.astype(f"U{width}").view(np.uint32).reshape(-1, width).copy()
    src = np.array([ord(a) for a in HOMOPHONES], dtype=np.uint32)
    dst = np.array([ord(b) for b in HOMOPHONES.values()], dtype=np.uint32)
    order = np.argsort(src)
    src, dst = src[order], dst[order]
    pos = np.clip(np.searchsorted(src, codes), 0, src.size - 1)
    known = src[pos] == codes
    score = np.where(known, rng.random(codes.shape) + 1.0, 0.0)  # a random confusable character per row
    col = score.argmax(axis=1)
    rows = np.flatnonzero(np.asarray(mask, dtype=bool) & known.any(axis=1))
    codes[rows, col[rows]] = dst[pos[rows, col[rows]]]
    return codes.view(f"U{width}").reshape(-1)


def full_width(values: np.ndarray) -> np.ndarray:
    """Digits typed in the full-width form of a Chinese input method (１３８...)."""
    arr = np.asarray(values, dtype=np.str_)
    width = max(arr.dtype.itemsize // 4, 1)
    codes = arr.astype(f"U{width}").view(np.uint32).reshape(-1, width).copy()
    digit = (codes >= ord("0")) & (codes <= ord("9"))
    codes[digit] += ord("０") - ord("0")
    return codes.view(f"U{width}").reshape(arr.shape)


def phone_variants(digits: np.ndarray, area: np.ndarray, landline: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Chinese numbers as clerks and customers type them, picked at random per record.

    Mobiles: plain, 3-4-4 with hyphens or spaces, +86/0086 in front, the city's area code put in
    front by mistake (0571-138...), full-width digits. Landlines: with area code in several forms,
    or the local number alone (the area code left out), or full-width.
    """
    s = np.strings.slice
    m = digits.size
    local = np.where(landline, np.strings.slice(digits, np.strings.str_len(area), 20), digits)
    m_forms = [digits, np.strings.add(np.strings.add(s(digits, 0, 3), "-"), np.strings.add(np.strings.add(s(digits, 3, 7), "-"),
                                                                                          s(digits, 7, 11))),
               np.strings.add(np.strings.add(s(digits, 0, 3), " "), np.strings.add(np.strings.add(s(digits, 3, 7), " "),
                                                                                  s(digits, 7, 11))),
               np.strings.add("+86", digits), np.strings.add("0086 ", digits),
               np.strings.add(np.strings.add(area, "-"), digits), full_width(digits)]
    l_forms = [np.strings.add(np.strings.add(area, "-"), local),
               np.strings.add(np.strings.add("(", area), np.strings.add(")", local)),
               np.strings.add(np.strings.add(area, " "), np.strings.add(np.strings.add(s(local, 0, 4), " "), s(local, 4, 8))),
               local, np.strings.add(np.strings.add("+86-", s(area, 1, 4)), np.strings.add("-", local)),
               np.strings.add(area, local), full_width(np.strings.add(np.strings.add(area, "-"), local))]
    pm = rng.choice(len(m_forms), m, p=[0.4, 0.15, 0.15, 0.1, 0.06, 0.1, 0.04])
    pl = rng.choice(len(l_forms), m, p=[0.35, 0.12, 0.1, 0.2, 0.06, 0.13, 0.04])
    return np.where(landline, _choose(pl, l_forms), _choose(pm, m_forms))


def email_slips(email: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Input-method slips in e-mail addresses: full-width ＠, 。 for the dot, an ideographic space around it.

    A Chinese input method left in Chinese mode turns ``@`` into ``＠`` and ``.`` into ``。``; the
    space is trimmed by ordinary standardisation, the other two are not (NFKC repairs ``＠`` only).
    """
    u = rng.random(email.size)
    out = np.where(u < 0.015, np.strings.replace(email, "@", "＠"), email)
    out = np.where((u >= 0.015) & (u < 0.025), np.strings.replace(out, ".", "。", 1), out)
    return np.where((u >= 0.025) & (u < 0.045), np.strings.add(out, "\u3000"), out)


def city_variants(city: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A city as typed into an address field: 杭州市, 杭州 (市 dropped), 浙江省杭州市, 浙江杭州."""
    province = cities().province_of(city)
    bare = np.strings.replace(city, "市", "")
    short = province_short(province)
    municipality = province == city
    forms = [city, bare, np.where(municipality, city, np.strings.add(province, city)),
             np.where(municipality, bare, np.strings.add(short, bare))]
    pick = rng.choice(len(forms), city.size, p=[0.6, 0.25, 0.08, 0.07])
    return _choose(pick, forms)
