"""The closed vocabularies of the normalize stage, as enumerations.

Every value a rule file (``templates/registry.toml``, ``templates/checks.toml``) may
name, and every value written to ``tables.table_type``, ``line_items.measure`` and the
check shapes, is a member here; ``docs/VOCABULARY.md`` lists the same values for
readers (a test keeps the two equal). Members are ``str`` enums, so they compare equal
to, and are written as, their plain string values.
"""

from __future__ import annotations

from enum import StrEnum


class TableType(StrEnum):
    """Canonical table types (``tables.table_type``; DESIGN.md's ten plus later additions)."""

    INCOME_EXPENDITURE_SUMMARY = "income_expenditure_summary"
    INCOME_SUMMARY = "income_summary"
    EXPENDITURE_SUMMARY = "expenditure_summary"
    APPROPRIATION_SUMMARY = "appropriation_summary"
    GENERAL_BUDGET_EXPENDITURE = "general_budget_expenditure"
    GENERAL_BUDGET_BASIC_EXPENDITURE = "general_budget_basic_expenditure"
    GENERAL_BUDGET_ECONOMIC_EXPENDITURE = "general_budget_economic_expenditure"
    PROJECT_EXPENDITURE = "project_expenditure"
    GOVERNMENT_PROCUREMENT = "government_procurement"
    THREE_PUBLIC_EXPENSES = "three_public_expenses"
    GOVERNMENT_FUND_EXPENDITURE = "government_fund_expenditure"
    STATE_CAPITAL_EXPENDITURE = "state_capital_expenditure"
    PROJECT_PERFORMANCE_TARGETS = "project_performance_targets"
    OVERALL_PERFORMANCE_TARGETS = "overall_performance_targets"
    OTHER = "other"


PERFORMANCE_TYPES = frozenset({TableType.PROJECT_PERFORMANCE_TARGETS, TableType.OVERALL_PERFORMANCE_TARGETS})


class Role(StrEnum):
    """What a column of a logical table holds (registry ``[[columns]] role``)."""

    CODE_LEI = "code_lei"  # 类 part of a function code split over three columns
    CODE_KUAN = "code_kuan"  # 款 part
    CODE_XIANG = "code_xiang"  # 项 part
    CODE = "code"  # a whole code in one column
    LABEL = "label"  # the row's label (项目 / 功能科目 / 科目名称 / unit name)
    SEQ = "seq"  # 序号: the row's numbering (八, （一）, 1) printed in a column of its own
    AMOUNT = "amount"  # money; its measure names which figure
    FUNDS = "funds"  # 资金总额 of a performance table (money, merged down)
    UNIT_CODE = "unit_code"  # 单位编码
    NAME = "name"  # unit or project name of a performance table
    GOAL = "goal"  # 绩效目标 / 整体绩效目标
    LEVEL1 = "level1"  # 一级指标
    LEVEL2 = "level2"  # 二级指标
    LEVEL3 = "level3"  # 三级指标 (an indicator)
    TARGET_RAW = "target_raw"  # 指标值
    TARGET_CONTENT = "target_content"  # 指标值内容 / 指标解释
    SCORING_RULE = "scoring_rule"  # 评（扣）分标准
    TARGET_UNIT = "target_unit"  # 度量单位 / 计量单位
    VALUE_TYPE = "value_type"  # 指标值类型 / 指标性质
    REMARK = "remark"  # 备注 / 分值 / 权重 (the weight)
    UNKNOWN = "unknown"  # no rule matched


class Measure(StrEnum):
    """Canonical money measures (``line_items.measure``)."""

    TOTAL = "total"
    CURRENT_YEAR = "current_year"
    FINAL_ACCOUNTS = "final_accounts"
    INITIAL_BUDGET = "initial_budget"
    ADJUSTED_BUDGET = "adjusted_budget"
    EXECUTION = "execution"
    BASIC = "basic"
    PROJECT = "project"
    PERSONNEL = "personnel"
    PUBLIC_FUNDS = "public_funds"
    OPERATING_EXPENDITURE = "operating_expenditure"
    SUBSIDY_TO_AFFILIATES = "subsidy_to_affiliates"
    PAYMENT_TO_SUPERIOR = "payment_to_superior"
    RESERVE = "reserve"
    CARRY_FORWARD = "carry_forward"
    APPROPRIATION = "appropriation"
    FUNDING_APPROPRIATION = "funding_appropriation"
    SPECIAL_ACCOUNT = "special_account"
    OPERATING = "operating"
    SUPERIOR_SUBSIDY = "superior_subsidy"
    AFFILIATE_REMITTANCE = "affiliate_remittance"
    OTHER = "other"
    BUSINESS_INCOME = "business_income"
    CARRYOVER = "carryover"
    GENERAL_BUDGET = "general_budget"
    GOVERNMENT_FUND = "government_fund"
    STATE_CAPITAL = "state_capital"
    THREE_PUBLIC = "three_public"
    RECEPTION = "reception"
    OVERSEAS = "overseas"
    VEHICLES = "vehicles"
    VEHICLE_PURCHASE = "vehicle_purchase"
    VEHICLE_OPERATION = "vehicle_operation"
    MEETING = "meeting"
    TRAINING = "training"
    OFFICE_OPERATION = "office_operation"
    FUNDS = "funds"


class CodeScheme(StrEnum):
    """Classification of a code (``line_items.code_scheme``)."""

    FUNCTION = "function"  # 功能分类 类/款/项
    ECONOMIC = "economic"  # 经济分类 301/30101


class Section(StrEnum):
    """Side of a two-sided table (``line_items.section``)."""

    INCOME = "income"
    EXPENDITURE = "expenditure"


class Shape(StrEnum):
    """Generic identity shapes (``checks.toml [shapes]``), evaluated by ``checks.py``."""

    CODE_HIERARCHY = "code_hierarchy"
    SIDE_TOTALS = "side_totals"
    ROWS_TOTAL = "rows_total"
    UNIT_PROJECTS = "unit_projects"


class FormField(StrEnum):
    """Label/value fields of a performance table printed as a form (registry ``[[forms]] fields``)."""

    PROJECT_NAME = "project_name"
    UNIT_NAME = "unit_name"
    UNIT_CODE = "unit_code"
    FUNDS = "funds"
    GOAL = "goal"


__all__ = ["CodeScheme", "FormField", "Measure", "PERFORMANCE_TYPES", "Role", "Section", "Shape", "TableType"]
