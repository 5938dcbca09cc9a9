"""Code lists of the registry (domain brief §2.4–2.5). Stable string keys, not integers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HouseholdAttribute(models.TextChoices):  # 贫困户属性
    GENERAL = "general", _("General poor household")  # 一般贫困户
    DIBAO = "dibao", _("Low-income-allowance poor household")  # 低保贫困户
    TEKUN = "tekun", _("Destitute-support poor household")  # 特困供养贫困户


class IdentificationStandard(models.TextChoices):  # 识别标准
    NATIONAL = "national", _("National line")
    PROVINCIAL = "provincial", _("Provincial line")
    CITY = "city", _("City line")


class HouseholdStatus(models.TextChoices):
    """Lifecycle of a registered household (DESIGN: identified → assisted → exited → monitored → risk eliminated)."""

    IDENTIFIED = "identified", _("Identified")  # 识别
    ASSISTED = "assisted", _("Assisted")  # 帮扶中
    EXITED = "exited", _("Exited poverty")  # 已脱贫
    MONITORED = "monitored", _("Monitored")  # 监测对象
    RISK_ELIMINATED = "risk_eliminated", _("Risk eliminated")  # 风险消除
    REMOVED = "removed", _("Removed (wrongly registered)")  # 错评剔除


class RoadType(models.TextChoices):  # 入户路类型
    DIRT = "dirt", _("Dirt road")  # 土路
    GRAVEL = "gravel", _("Gravel road")  # 砂石路
    CEMENT = "cement", _("Cement road")  # 水泥路
    ASPHALT = "asphalt", _("Asphalt road")  # 柏油路


class YearStatus(models.TextChoices):  # 贫困状态 at year end
    POOR = "poor", _("Not exited")  # 未脱贫
    PRE_EXIT = "pre_exit", _("To exit this year")  # 预脱贫
    EXITED = "exited", _("Exited")  # 已脱贫
    RETURNED = "returned", _("Returned to poverty")  # 返贫


class Cause(models.TextChoices):  # 致贫原因
    ILLNESS = "illness", _("Illness")  # 因病
    DISABILITY = "disability", _("Disability")  # 因残
    SCHOOLING = "schooling", _("Schooling costs")  # 因学
    DISASTER = "disaster", _("Disaster")  # 因灾
    LACK_LAND = "lack_land", _("Lack of land")  # 缺土地
    LACK_WATER = "lack_water", _("Lack of water")  # 缺水
    LACK_SKILLS = "lack_skills", _("Lack of skills")  # 缺技术
    LACK_LABOUR = "lack_labour", _("Lack of labour")  # 缺劳力
    LACK_CAPITAL = "lack_capital", _("Lack of capital")  # 缺资金
    TRANSPORT = "transport", _("Poor transport")  # 交通条件落后
    LACK_DRIVE = "lack_drive", _("Lack of own drive")  # 自身发展动力不足
    OTHER = "other", _("Other")  # 其他


class HousingGrade(models.TextChoices):  # 危房等级 / appraisal grade
    A = "A", _("A (safe)")
    B = "B", _("B (basically safe)")
    C = "C", _("C (partly dangerous)")
    D = "D", _("D (dangerous)")


class Relation(models.TextChoices):  # GB/T 4761
    SELF = "01", _("Self (head)")
    SPOUSE = "10", _("Spouse")
    SON = "20", _("Son or son-in-law")
    DAUGHTER = "30", _("Daughter or daughter-in-law")
    GRANDCHILD = "40", _("Grandchild")
    PARENT = "50", _("Parent")
    GRANDPARENT = "60", _("Grandparent")
    SIBLING = "70", _("Sibling")
    OTHER = "99", _("Other")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Education(models.TextChoices):  # 文化程度
    ILLITERATE = "illiterate", _("Illiterate or semi-literate")
    PRIMARY = "primary", _("Primary")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    COLLEGE = "college", _("College and above")
    PRESCHOOL = "preschool", _("Pre-school child")


class Schooling(models.TextChoices):  # 在校生状况
    NONE = "none", _("Not a student")
    PRESCHOOL = "preschool", _("Pre-school")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Grades 7–9")
    SENIOR = "senior", _("Senior secondary")
    VOCATIONAL = "vocational", _("Secondary vocational")
    HIGHER_VOCATIONAL = "higher_vocational", _("Higher vocational or college")
    BACHELOR = "bachelor", _("Bachelor or above")
    DROPOUT = "dropout", _("Dropped out")


class Health(models.TextChoices):  # 健康状况
    HEALTHY = "healthy", _("Healthy")
    CHRONIC = "chronic", _("Long-term chronic illness")
    SERIOUS = "serious", _("Serious illness")
    DISABLED = "disabled", _("Disabled")


class Labour(models.TextChoices):  # 劳动技能
    ORDINARY = "ordinary", _("Ordinary labour")
    SKILLED = "skilled", _("Skilled labour")
    LOST = "lost", _("Lost labour capacity")
    NONE = "none", _("No labour capacity")


class DisabilityCategory(models.TextChoices):
    VISUAL = "visual", _("Visual")
    HEARING = "hearing", _("Hearing")
    SPEECH = "speech", _("Speech")
    PHYSICAL = "physical", _("Physical")
    INTELLECTUAL = "intellectual", _("Intellectual")
    MENTAL = "mental", _("Mental")
    MULTIPLE = "multiple", _("Multiple")


class WorkPlace(models.TextChoices):  # 务工地
    NONE = "", _("Not working away")
    TOWNSHIP = "township", _("Within the township")
    COUNTY = "county", _("Within the county")
    PROVINCE = "province", _("Within the province")
    OUTSIDE = "outside", _("Outside the province")
