"""zh_CN data: real cities in their provinces, pinyin e-mails, Chinese phone formats and typos, L02 on it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graders import specs
from graders.validate import PASS_TARGET, Validation, check_one
from simulations.recording import chinese, generate_dataset
from simulations.recording.observable import generator, identities

PROVINCES = 31  # mainland provincial-level divisions (22 provinces, 5 autonomous regions, 4 municipalities)


def test_city_table_is_consistent() -> None:
    t = chinese.cities()
    assert t.city.size >= 250 and np.unique(t.city).size == t.city.size
    assert np.unique(t.province).size == PROVINCES
    for m in ("北京市", "上海市", "天津市", "重庆市"):
        assert t.province_of(np.array([m]))[0] == m
    assert all(re.fullmatch(r"0\d{2,3}", a) for a in t.area_code)
    assert (t.weight > 0).all()
    with pytest.raises(ValueError, match="霞市"):
        t.province_of(np.array(["杭州市", "霞市"]))


def test_identities_are_consistent_and_reproducible() -> None:
    who = identities(5000, "zh_CN", 11)
    again = identities(5000, "zh_CN", 11)
    assert (who.email == again.email).all() and (who.name == again.name).all()
    t = chinese.cities()
    area = dict(zip(t.city, t.area_code, strict=True))
    assert set(who.city) <= set(t.city)
    assert (who.area_code == np.array([area[c] for c in who.city])).all()
    mobile = ~who.landline
    assert all(re.fullmatch(r"1[3-9]\d{9}", d) for d in who.phone_digits[mobile])
    assert all(d.startswith(a) and len(d) == len(a) + 8 for d, a in zip(who.phone_digits[~mobile], who.area_code[~mobile],
                                                                       strict=True))
    assert 0.04 < (~mobile).mean() < 0.12
    assert all(p.startswith("+86 ") for p in who.phone)
    domain = pd.Series(who.email).str.split("@").str[1]
    assert set(domain) == {d for d, _ in chinese.EMAIL_DOMAINS}
    assert 0.3 < (domain == "qq.com").mean() < 0.5
    pinyin = {s: p for s, p, _ in chinese.SURNAMES}
    local = pd.Series(who.email).str.split("@").str[0]
    surname = [n[:2] if n[:2] in pinyin else n[0] for n in who.name]
    from_name = [loc.isdigit() or pinyin[s] in loc or loc[0] == pinyin[s][0] for loc, s in zip(local, surname, strict=True)]
    assert all(from_name)
    assert local[domain == "qq.com"].str.fullmatch(r"[1-9]\d{4,10}|[a-z._0-9]+").all()
    assert pd.Series(who.email).duplicated().mean() < 0.01


def test_typos_are_chinese() -> None:
    rng = generator(3, 0)
    names = np.array(["张伟", "王静", "李娜", "欧阳修"])
    out = chinese.homophone(names, np.ones(4, bool), rng)
    assert list(out[:2]) != ["张伟", "王静"] and all(len(a) == len(b) for a, b in zip(out, names, strict=True))
    assert (chinese.homophone(names, np.zeros(4, bool), rng) == names).all()
    assert chinese.full_width(np.array(["138-0571"]))[0] == "１３８-０５７１"
    digits = np.array(["13812345678", "057187654321"])
    forms = {str(v) for _ in range(60) for v in chinese.phone_variants(digits, np.array(["0571", "0571"]),
                                                                       np.array([False, True]), rng)}
    assert {"13812345678", "0571-13812345678", "87654321", "0571-87654321", "(0571)87654321"} <= forms
    assert any(re.search("[０-９]", f) for f in forms)
    slips = set(chinese.email_slips(np.array(["li.na88@163.com"] * 500), rng))
    assert {"li.na88@163.com", "li.na88＠163.com", "li。na88@163.com", "li.na88@163.com\u3000"} == slips
    cities = chinese.city_variants(np.array(["杭州市"] * 200 + ["北京市"] * 200), rng)
    assert {"杭州市", "杭州", "浙江省杭州市", "浙江杭州", "北京市", "北京"} == set(cities)


@pytest.fixture(scope="module")
def zh_dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    home = tmp_path_factory.mktemp("zh-dirty")
    generate_dataset("retail", 400, 52, 4, home / "data", keys=home / "keys", dirty=True, locale="zh_CN")
    return home / "data", home / "keys"


def test_dirty_copies_have_no_placeholder_names(zh_dirty: tuple[Path, Path]) -> None:
    data, _ = zh_dirty
    customers = pd.read_parquet(data / "customers.parquet")
    t = chinese.cities()
    true = set(zip(t.city, t.province, strict=True))
    assert all(pair in true for pair in zip(customers.city, customers.region, strict=True))
    service = pd.read_parquet(data / "service_contacts.parquet")
    assert not service.name.str.contains("/").any()
    polite = service.name[service.name.str.contains("先生$|女士$")]
    assert 0.15 < polite.size / len(service) < 0.45
    surnames = set(customers.name.str[0])
    slips = {chinese.HOMOPHONES[c] for c in surnames if c in chinese.HOMOPHONES}  # a surname typed with a homophone
    assert polite.str[0].isin(surnames | slips).all()
    billing = pd.read_parquet(data / "billing_accounts.parquet")
    assert (~billing.city.dropna().str.endswith("市")).any() and billing.city.dropna().str.endswith("市").any()


@pytest.mark.slow
def test_l02_spec_works_on_chinese_data(tmp_path: Path) -> None:
    """What ``grade validate L02`` checks, on zh_CN datasets (the validation tool itself generates en_US only)."""
    spec = specs.get("L02")
    seeds = 3
    result = Validation("L02", seeds)
    for seed in range(1, seeds + 1):
        out, key = tmp_path / f"d{seed}", tmp_path / f"k{seed}"
        # grade validate's own size (800): at 400 people a household's shared landline is rare enough that
        # counting phones lands within 3% of the head count on some seeds (found on 2 of seeds 1-3)
        generate_dataset(spec.scenario, customers=800, weeks=104, seed=seed, out=out, keys=key, dirty=True, locale="zh_CN")
        check_one(spec, out, key, result)
    assert result.pass_rate >= PASS_TARGET, result.table()
    assert all(n == seeds for n in result.wrong_fail.values()), result.table()
