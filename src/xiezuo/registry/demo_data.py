"""Tables behind the registry demo: exit shares, lines, and synthetic-name parts (the region's own totals are in its definition).

Every figure here is either from the book / domain brief (cited) or a documented demo
assumption (docs/demo-assumptions.md).
"""

from __future__ import annotations

# The region's totals (the book's, for Guangyuan), its county poor counts and exit batches, and the
# identity-number region codes of people born before their county's code existed are in the region's
# definition (`geo/data/regions/<name>.toml`, `[registry]`).

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
