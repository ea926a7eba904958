"""Controlled vocabularies of the domain: the code we store and every label counties write.

Counties send Chinese labels (sometimes an older variant, e.g. 教坛新星 for 教坛新秀) or the
English codes. Both normalize to the code; the warehouse only ever holds codes. Declared once here,
these lists drive the parser, the GX suites, the template dropdowns and the data dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary: the stored code, its template label and accepted aliases."""

    code: str
    label_zh: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """A named list of terms, with a lookup from any accepted spelling to the code."""

    name: str
    terms: tuple[Term, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.terms)

    @property
    def labels_zh(self) -> tuple[str, ...]:
        return tuple(t.label_zh for t in self.terms)

    def lookup(self) -> dict[str, str]:
        """Every accepted spelling (code, Chinese label, alias; case-folded) mapped to its code."""
        table: dict[str, str] = {}
        for term in self.terms:
            for spelling in (term.code, term.label_zh, *term.aliases):
                table[spelling.strip().casefold()] = term.code
        return table

    def label_of(self, code: str) -> str:
        for term in self.terms:
            if term.code == code:
                return term.label_zh
        raise KeyError(f"{code!r} is not a code of vocabulary {self.name!r}")


def _vocab(name: str, *terms: Term) -> Vocabulary:
    return Vocabulary(name, terms)


GENDER = _vocab("gender", Term("M", "男", ("male",)), Term("F", "女", ("female",)))

TITLE = _vocab(
    "title",
    # 正高 / 副高 / 中级: the grades of the general title system, which clerks often write.
    Term("senior_full", "正高级", ("正高级教师", "正高")),
    Term("senior", "高级", ("高级教师", "中学高级", "副高", "副高级")),
    Term("first", "一级", ("一级教师", "中学一级", "小学高级", "中级")),
    Term("second", "二级", ("二级教师", "中学二级", "小学一级")),
    Term("third", "三级", ("三级教师", "小学二级")),
    Term("none", "未定级", ("无", "未评")),
)

TIER = _vocab(
    "tier",
    Term("none", "无", ("", "否", "普通教师")),
    Term("rising_star", "教坛新秀", ("教坛新星",)),
    Term("backbone", "骨干教师", ("骨干",)),
    Term("subject_leader", "学科带头人", ()),
    Term("famous", "名师", ("特级教师", "名教师")),
)

#: Tiers that make a "backbone teacher" in the policy sense (domain.md).
BACKBONE_TIERS: tuple[str, ...] = ("backbone", "subject_leader", "famous")

FLOW_TYPE = _vocab(
    "flow_type",
    Term("rotation", "轮岗支教", ("轮岗", "支教")),
    Term("study_placement", "跟岗学习", ()),
    Term("secondment", "挂职", ("挂职锻炼",)),
    Term("city_recruit_county_use", "市招县用", ()),
    Term("transfer", "调动", ("调出", "调入")),
)

#: Flow types that count as rotation (交流轮岗); transfers do not.
ROTATION_FLOW_TYPES: tuple[str, ...] = (
    "rotation",
    "study_placement",
    "secondment",
    "city_recruit_county_use",
)

TRAINING_LEVEL = _vocab(
    "training_level",
    Term("national", "国家级", ()),
    Term("provincial", "省级", ()),
    Term("city", "市级", ()),
    Term("county", "县级", ("区级", "县区级")),
    Term("school", "校级", ("校本",)),
)

TRAINING_MODE = _vocab(
    "training_mode",
    Term("in_person", "集中培训", ("面授",)),
    Term("placement", "跟岗实践", ()),
    Term("online", "网络研修", ("线上", "网络培训")),
)

EVALUATOR_GROUP = _vocab(
    "evaluator_group",
    Term("expert", "外聘专家", ("专家",)),
    Term("bureau", "局机关", ()),
    Term("recipient", "服务对象", ()),
)

#: Rated indicator codes the joint assessment no longer uses -> the code that now takes their
#: ratings. practices.md §7 split B3 联合教研 into B3a (computed) and B3b (rated): a ratings file
#: (or a rating loaded before the split) that says B3 is read as B3b. One place for the ingestion
#: (which must not read the scoring model) and the scoring: a former code counts only where the
#: model rates its successor and does not itself use the former code.
RENAMED_RATED_INDICATORS: dict[str, str] = {"B3": "B3b"}

LOCATION = _vocab(
    "location",
    Term("urban", "城区", ()),
    Term("town", "镇区", ()),
    Term("rural", "乡村", ("农村",)),
)

STAGE = _vocab(
    "stage",
    Term("primary", "小学", ()),
    Term("junior", "初中", ()),
    Term("nine_year", "九年一贯制", ()),
    Term("senior", "高中", ()),
    Term("complete_secondary", "完全中学", ()),
    Term("kindergarten", "幼儿园", ()),
)

COMMUNITY_ROLE = _vocab(
    "community_role",
    Term("lead", "牵头学校", ("牵头校",)),
    Term("member", "成员校", ("联合学校", "成员学校")),
)

VOCABULARIES: dict[str, Vocabulary] = {
    v.name: v
    for v in (
        GENDER,
        TITLE,
        TIER,
        FLOW_TYPE,
        TRAINING_LEVEL,
        TRAINING_MODE,
        EVALUATOR_GROUP,
        LOCATION,
        STAGE,
        COMMUNITY_ROLE,
    )
}
