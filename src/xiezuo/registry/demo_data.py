"""Tables behind the registry demo: the book's targets, lines, and synthetic-name parts.

Every figure here is either from the book / domain brief (cited) or a documented demo
assumption (docs/demo-assumptions.md).
"""

from __future__ import annotations

# The book (协调发展道路, 2021, ch. 1), end of 2013, Guangyuan; domain brief §9–§10.
BOOK_2013 = {
    "poor_people": 348_200,
    "poor_households": 107_750,  # not in the book: the H that lets 33.9 % and 3.09 % round right (§10.2)
    "dibao_households": 36_552,
    "disabled_households": 3_326,
    "unsafe_housing_households": 49_033,
    "aged60_share": 0.278,
    "incidence_pct": 14.6,
    "county_incidence_pct": {"510822": 16.2, "510823": 16.3, "510821": 15.6},
}

# Registered poor people per county, end 2013 (demo assumption; sums to 348,200). With the
# populations in xiezuo.geo.demo these give 青川 16.20 %, 剑阁 16.30 %, 旺苍 15.60 % (the three
# highest), 利州 9.77 %, 昭化 13.78 %, 朝天 14.10 %, 苍溪 14.34 %, the city 14.60 %.
COUNTY_POOR_2013 = {
    "510802": 25_600,
    "510811": 27_000,
    "510812": 25_100,
    "510821": 59_124,
    "510822": 34_020,
    "510823": 91_769,
    "510824": 85_587,
}

# County exit batches (brief: 利州 2017; 昭化, 朝天, 青川 2018; 剑阁, 旺苍, 苍溪 2019).
COUNTY_EXIT_BATCH = {
    "510802": 2017, "510811": 2018, "510812": 2018, "510822": 2018,
    "510821": 2019, "510823": 2019, "510824": 2019,
}
# Share of a county's households exiting in each early year; the batch year takes the rest
# except a last 1.5 % who exit in 2020.
EARLY_EXIT_SHARE = {2014: 0.10, 2015: 0.13, 2016: 0.15}
BETWEEN_EXIT_SHARE = 0.15  # each year from 2017 up to the batch year
LAST_EXIT_SHARE_2020 = 0.015

# National rural poverty line, current prices (brief §3.1); 2017–2020 are [G].
POVERTY_LINE = {2013: 2736, 2014: 2800, 2015: 2855, 2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218, 2020: 4000}


def monitoring_line(year: int) -> int:
    """The monitoring threshold assumed by the demo: 6,000 in 2021 (brief §3.2), +5 % a year, to 10 yuan."""
    return int(round(6000 * 1.05 ** (year - 2021), -1))


# Household-size distribution before exact adjustment (mean ≈ 3.3; adjusted to 3.23).
SIZE_WEIGHTS = {1: 0.12, 2: 0.21, 3: 0.23, 4: 0.23, 5: 0.13, 6: 0.06, 7: 0.02}

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
    "蒲苟母向岳伏敬"
)
MALE_CHARS = "国建明华军平文志强永海伟德成林春云清勇光金福全兴家良宏贵荣庆松学军安富祥发友仁刚洪斌涛鹏飞俊杰浩宇"
FEMALE_CHARS = "秀英兰芳珍玉华桂凤琴霞丽梅红燕群翠菊莲素琼敏静娟婷洁芬蓉雪琳慧英美霞玲萍艳丹淑惠"

CADRE_UNITS = (
    "{county}农业农村局", "{county}人民政府办公室", "{county}教育局", "{county}卫生健康局", "{county}财政局",
    "{county}人力资源和社会保障局", "{county}交通运输局", "{county}水利局", "{town}人民政府", "{town}人民政府",
    "{town}人民政府", "{town}卫生院", "{town}中心小学", "国网{county}供电公司", "{county}农村信用联社",
)
CADRE_POSTS = ("科员", "副局长", "股长", "驻村第一书记", "驻村工作队员", "副镇长", "党委委员", "主任科员", "教师", "医生")
ROAD_TYPES = ("dirt", "gravel", "cement", "asphalt")
BANKS = ("四川省农村信用社", "中国邮政储蓄银行", "中国农业银行")

# Identity-number region code for people born before their county's code existed (brief §8.3;
# python-stdnum cn/loc.dat): 广元县 512827, 剑阁 512826, 旺苍 512828, 青川 512829, 苍溪 512931
# were valid until 1985; 昭化 (元坝) and 朝天 date from 1989, 市中区 510802 from 1985.
PRE_1985_CODE = {
    "510802": "512827", "510811": "512827", "510812": "512827",
    "510821": "512828", "510822": "512829", "510823": "512826", "510824": "512931",
}


def id_region(county6: str, birth_year: int) -> str:
    """A region code valid in the birth year, so synthetic numbers pass strict validators."""
    if birth_year < 1985:
        return PRE_1985_CODE[county6]
    if county6 in ("510811", "510812") and birth_year < 1989:
        return "510802"
    return county6
