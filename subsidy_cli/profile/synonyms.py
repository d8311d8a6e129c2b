"""What people write for the values of the choice and list keys, besides the slugs and the Chinese labels: the
field's usual words and short forms, e.g. 制造企业 / 制造业 for ``manufacturer``, 首台套 for
``first_set_equipment``, 有限责任公司 for an ``enterprise``.

Only words that mean one value are here: a word that could mean two (高校: a university that researches, or one
that trains) is left out, so that the reader is asked rather than guessed for. Keys are compared after NFKC
normalisation (full-width letters and brackets as their ASCII forms), as every cell is.
"""

from __future__ import annotations

SYNONYMS: dict[str, dict[str, str]] = {
    "entity_type": {
        **dict.fromkeys(
            ("公司", "有限公司", "有限责任公司", "股份有限公司", "股份公司", "企业法人", "民营企业", "国有企业",
             "外资企业", "外商投资企业", "合资企业", "集团公司", "company", "firm"),
            "enterprise",
        ),
        **dict.fromkeys(
            ("社团", "社会团体", "协会", "学会", "商会", "联盟", "民办非企业单位", "社会服务机构", "基金会"),
            "social_organization",
        ),
        **dict.fromkeys(("事业单位法人", "公办学校", "公立高校", "公办院校"), "public_institution"),
    },
    "roles": {
        **dict.fromkeys(
            ("制造企业", "制造业", "制造业企业", "工业企业", "制造商", "生产企业", "工厂", "manufacturing"),
            "manufacturer",
        ),
        **dict.fromkeys(
            ("服务商", "解决方案服务商", "系统集成商", "智能制造服务商", "数字化服务商"), "service_provider"
        ),
        **dict.fromkeys(("工业互联网平台", "平台企业", "平台运营商", "平台运营方"), "platform_operator"),
        **dict.fromkeys(("二级节点", "标识解析二级节点", "二级节点运营单位", "二级节点建设单位"), "identifier_node"),
        **dict.fromkeys(
            ("装备制造商", "装备制造企业", "智能装备制造商", "智能装备企业", "零部件制造商", "设备制造商"),
            "equipment_maker",
        ),
        **dict.fromkeys(("软件企业", "软件开发商", "工业软件企业", "工业APP开发商", "APP开发商"), "software_vendor"),
        **dict.fromkeys(("安全服务商", "安全服务机构", "网络安全企业", "第三方安全服务机构"), "security_provider"),
        **dict.fromkeys(
            ("科研院所", "研究院", "研究所", "重点实验室", "国家重点实验室", "创新中心", "制造业创新中心"),
            "research_institution",
        ),
        **dict.fromkeys(("技工院校", "技工学校", "职业院校", "职业技术学院"), "training_institution"),
        **dict.fromkeys(("行业协会", "行业组织", "产业联盟", "协会", "学会", "联盟", "商会"), "industry_association"),
    },
    "recognitions": {
        **dict.fromkeys(
            ("首台套", "首台(套)", "首台(套)装备", "首台套装备", "首台(套)重大装备"), "first_set_equipment"
        ),
        **dict.fromkeys(("首版次", "首版次软件", "首版次工业软件"), "first_version_software"),
        **dict.fromkeys(("省级示范车间", "省示范车间", "省级智能示范车间"), "provincial_demo_workshop"),
        **dict.fromkeys(
            ("市级示范工厂", "市级智能工厂", "智能制造示范工厂", "市级智能制造示范工厂"), "municipal_smart_factory"
        ),
        **dict.fromkeys(("市级示范车间", "市级智能车间", "市级示范智能车间"), "municipal_demo_workshop"),
        **dict.fromkeys(("服务输出标杆", "输出标杆"), "service_output_benchmark"),
        **dict.fromkeys(("优秀平台", "特定行业优秀平台", "跨行业优秀平台"), "excellent_platform"),
        **dict.fromkeys(("5G试点", "5G垂直行业试点", "垂直行业试点示范项目"), "vertical_5g_pilot"),
        **dict.fromkeys(("5G优秀案例", "5G典型应用场景", "典型应用场景优秀案例"), "scenario_5g_case"),
        **dict.fromkeys(("人才实训基地", "实训基地"), "talent_training_base"),
        **dict.fromkeys(("安全试点", "安全防护试点", "安全防护试点示范项目"), "security_pilot_project"),
    },
}
