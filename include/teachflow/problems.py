"""What can be wrong with a submission, and what the county is told about it.

Every problem teachflow reports has a code from :data:`CATALOG`, a severity and a message in
Chinese with an English twin. Messages for well-known county mistakes say how to fix them. The
parser, the validators and the pipeline only create :class:`Problem` values; the feedback writer
renders them, so wording lives here and nowhere else.

Severities:
- ``file``: the whole file is rejected, nothing of it is loaded;
- ``row``: the row is rejected, the rest of the file loads (within the dataset's threshold);
- ``warning``: the value was understood and loaded, but the county should fix it at the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["file", "row", "warning"]


@dataclass(frozen=True)
class ProblemType:
    code: str
    severity: Severity
    message_zh: str  # str.format fields: {value}, {column_zh}, and any in Problem.params
    message_en: str


@dataclass(frozen=True)
class Problem:
    """One problem found in one place of a submission."""

    code: str
    row: int | None = None  # Excel row as the county sees it (1-based, header rows counted); None: the file
    column: str | None = None  # English column name of the contract; None: the row or the file
    value: str | None = None  # the value as the county wrote it
    params: dict[str, str] = field(default_factory=dict)  # extra fields for the message

    @property
    def type(self) -> ProblemType:
        return CATALOG[self.code]

    @property
    def severity(self) -> Severity:
        return CATALOG[self.code].severity


class FileRejected(Exception):
    """Raised when a file cannot be taken at all; carries the file-level problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.code for p in problems))
        self.problems = problems


_ACCEPTED_DATES_ZH = "2026-10-01、2026/10/1、2026.10.01、2026年10月1日、20261001 或 Excel 日期格式"
_ACCEPTED_DATES_EN = "2026-10-01, 2026/10/1, 2026.10.01, 2026年10月1日, 20261001 or an Excel date"


def _t(code: str, severity: Severity, zh: str, en: str) -> ProblemType:
    return ProblemType(code, severity, zh, en)


CATALOG: dict[str, ProblemType] = {
    t.code: t
    for t in (
        # --- file level ---------------------------------------------------------------------------
        _t(
            "file_unreadable",
            "file",
            "文件无法打开（{detail}）。请用模板另存为 .xlsx，或另存为 CSV（UTF-8 或 GBK）后重新报送。",
            "The file cannot be opened ({detail}). Save it from the template as .xlsx, or as CSV "
            "(UTF-8 or GBK), and submit it again.",
        ),
        _t(
            "file_encoding",
            "file",
            "无法识别 CSV 文件的编码。请在 Excel 中“另存为 CSV UTF-8”后重新报送。",
            "The CSV file's encoding is not recognised. In Excel use 'Save as CSV UTF-8' and submit it again.",
        ),
        _t(
            "file_empty",
            "file",
            "文件中没有数据行。",
            "The file holds no data rows.",
        ),
        _t(
            "file_too_large",
            "file",
            "文件大小 {value} 字节，超过上限 {limit} 字节。请拆分或联系市局。",
            "The file is {value} bytes, over the limit of {limit} bytes.",
        ),
        _t(
            "header_not_found",
            "file",
            "在文件前 {searched} 行中没有找到表头行。请使用市局模板，表头须含“{expected}”等列名。",
            "No header row was found in the first {searched} rows. Use the city's template; the header "
            "must hold column names such as '{expected}'.",
        ),
        _t(
            "column_missing",
            "file",
            "缺少必填列“{column_zh}”（{column}）。请使用市局模板，不要删除或改名列。",
            "The required column '{column_zh}' ({column}) is missing. Use the city's template and do not "
            "delete or rename its columns.",
        ),
        _t(
            "wrong_folder_county",
            "file",
            "文件所在目录“{value}”不是已登记的区县代码。路径应为 <区县代码>/<年-月>/<数据集>.xlsx。",
            "The folder '{value}' is not a known county code. The path must be <county_code>/<YYYY-MM>/<dataset>.xlsx.",
        ),
        _t(
            "wrong_folder_period",
            "file",
            "文件所在月份目录“{value}”无效，应为 年-月，例如 2026-10。",
            "The month folder '{value}' is not valid; it must be YYYY-MM, e.g. 2026-10.",
        ),
        _t(
            "wrong_folder_dataset",
            "file",
            "文件名“{value}”不是可报送的数据集。可用文件名：{allowed}（.xlsx 或 .csv）。",
            "The file name '{value}' is not a dataset that can be submitted. Allowed: {allowed} (.xlsx or .csv).",
        ),
        _t(
            "dataset_not_allowed",
            "file",
            "数据集“{value}”只能由市局目录报送。",
            "The dataset '{value}' may only be submitted from the city's folder.",
        ),
        _t(
            "roster_other_county",
            "file",
            "教师名册中有 {count} 行的学校不属于本区县（例如 {value}）。名册只能包含本区县学校，"
            "请检查是否误报了其他区县的名册。",
            "{count} rows of the roster name schools of another county (e.g. {value}). A roster may only "
            "hold this county's schools: check that this is not another county's roster.",
        ),
        _t(
            "too_many_bad_rows",
            "file",
            "有错误的行占 {share}，超过允许的 {limit}，整个文件未入库。请按反馈逐条改正后重新报送。",
            "{share} of the rows have errors, more than the {limit} allowed, so nothing of the file was "
            "loaded. Correct the rows listed and submit the file again.",
        ),
        _t(
            "processing_failed",
            "file",
            "系统处理该文件时出错（{detail}），文件已保存，将在下次运行时自动重试，无需重新报送。",
            "The file could not be processed ({detail}). It is kept and will be tried again on the next "
            "run; there is no need to send it again.",
        ),
        _t(
            "file_quarantined",
            "file",
            "该文件已连续 {count} 次处理失败，已暂停处理并通知市局数据组处理。如需更正数据，请修改后重新报送。",
            "Processing this file failed {count} times in a row; it has been set aside and the city's data "
            "team has been alerted. To correct the data, change the file and send it again.",
        ),
        # --- row level ----------------------------------------------------------------------------
        _t(
            "control_character",
            "row",
            "“{column_zh}”含有不可见的控制字符（{detail}），该行未入库。请删除这些字符（常见于从其他系统复制粘贴）后重新报送。",
            "'{column_zh}' holds an invisible control character ({detail}), so the row was not loaded. "
            "Delete it (it often comes with text copied from another system) and send the file again.",
        ),
        _t(
            "pii_in_text",
            "row",
            "“{column_zh}”中有疑似身份证号（{value}）。身份证号只能填在“身份证号”列，请删除后重新报送，该行未入库。",
            "'{column_zh}' holds what looks like a resident ID number ({value}). ID numbers belong only in "
            "the ID column: remove it and send the file again; the row was not loaded.",
        ),
        _t(
            "required_missing",
            "row",
            "“{column_zh}”为必填项，不能为空。",
            "'{column_zh}' is required and may not be blank.",
        ),
        _t(
            "id_format",
            "row",
            "身份证号“{value}”应为 18 位：前 17 位为数字，最后一位为数字或 X。",
            "The ID number '{value}' must have 18 characters: 17 digits, then a digit or X.",
        ),
        _t(
            "id_scientific",
            "row",
            "身份证号“{value}”已被 Excel 转成数字（科学计数法），后几位已丢失。请把该列设置为“文本”格式，"
            "再重新粘贴身份证号。",
            "The ID number '{value}' was turned into a number by Excel (scientific notation) and its last "
            "digits are lost. Set the column to text and paste the IDs again.",
        ),
        _t(
            "id_check_character",
            "row",
            "身份证号“{value}”的校验位不正确，请核对是否录入有误。",
            "The check character of ID number '{value}' is wrong: check it for a typing error.",
        ),
        _t(
            "id_birth_date",
            "row",
            "身份证号“{value}”中的出生日期不是有效日期。",
            "The birth date inside ID number '{value}' is not a real date.",
        ),
        _t(
            "id_fullwidth",
            "warning",
            "身份证号“{value}”含全角字符或空格，已按半角读取。请在源系统中改为半角。",
            "The ID number '{value}' holds full-width characters or spaces; it was read as half-width. "
            "Correct it in your system.",
        ),
        _t(
            "birth_date_mismatch",
            "row",
            "出生日期 {value} 与身份证号中的出生日期 {expected} 不一致。",
            "The birth date {value} differs from the one inside the ID number ({expected}).",
        ),
        _t(
            "date_invalid",
            "row",
            "“{column_zh}”的值“{value}”不是可识别的日期。可用格式：" + _ACCEPTED_DATES_ZH + "。",
            "'{value}' in '{column_zh}' is not a date we can read. Accepted: " + _ACCEPTED_DATES_EN + ".",
        ),
        _t(
            "date_after_period",
            "row",
            "“{column_zh}”{value} 晚于报送月份的最后一天 {limit}。",
            "'{column_zh}' {value} is after the last day of the period ({limit}).",
        ),
        _t(
            "date_order",
            "row",
            "“{column_zh}”{value} 早于开始日期 {limit}。",
            "'{column_zh}' {value} is before the start date {limit}.",
        ),
        _t(
            "date_outside_period",
            "row",
            "“{column_zh}”{value} 不在报送月份 {limit} 内。培训记录应按结束日期所在月份报送。",
            "'{column_zh}' {value} is not in the period {limit}. Report a training record in the month it ended.",
        ),
        _t(
            "number_invalid",
            "row",
            "“{column_zh}”的值“{value}”不是数字。",
            "'{value}' in '{column_zh}' is not a number.",
        ),
        _t(
            "text_too_long",
            "row",
            "“{column_zh}”超过 {limit} 个字符。请缩短后重新报送（常见原因：把几项内容填进了同一格）。",
            "'{column_zh}' is longer than {limit} characters. Shorten it and send the file again "
            "(often several entries were typed into one cell).",
        ),
        _t(
            "number_range",
            "row",
            "“{column_zh}”的值 {value} 超出范围 {limit}。",
            "'{value}' in '{column_zh}' is outside the range {limit}.",
        ),
        _t(
            "vocab_unknown",
            "row",
            "“{column_zh}”的值“{value}”不在可选范围内，可选：{allowed}。",
            "'{value}' is not an allowed value of '{column_zh}'. Allowed: {allowed}.",
        ),
        _t(
            "school_code_format",
            "row",
            "学校标识码“{value}”应为 10 位数字。若前导 0 丢失，请把该列设置为“文本”格式后重新填写。",
            "The school code '{value}' must have 10 digits. If leading zeros were lost, set the column to "
            "text and enter the codes again.",
        ),
        _t(
            "school_unknown",
            "row",
            "“{column_zh}”{value} 不是已登记的学校。请核对学校标识码，新学校请先报市局登记。",
            "'{column_zh}' {value} is not a registered school. Check the code; a new school must first be "
            "registered with the city.",
        ),
        _t(
            "school_other_county",
            "row",
            "“{column_zh}”{value} 不是本区县的学校。",
            "'{column_zh}' {value} is not a school of this county.",
        ),
        _t(
            "flow_not_in_county",
            "row",
            "派出学校和接收学校都不属于本区县，此交流应由相关区县报送。",
            "Neither the sending nor the receiving school belongs to this county; the counties concerned "
            "must report this flow.",
        ),
        _t(
            "same_school",
            "row",
            "接收学校与派出学校相同（{value}）。",
            "The receiving school is the sending school ({value}).",
        ),
        _t(
            "planned_end_missing",
            "row",
            "交流类型为“{value}”时必须填写“计划结束日期”（只有调动可以不填）。",
            "A flow of type '{value}' needs a planned end date (only transfers have none).",
        ),
        _t(
            "school_year_format",
            "row",
            "学年“{value}”格式应为 2025-2026（前后两年相连）。",
            "The school year '{value}' must look like 2025-2026 (two consecutive years).",
        ),
        _t(
            "indicator_unknown",
            "row",
            "指标代码“{value}”不是考核模型中的评议指标，可选：{allowed}。",
            "The indicator '{value}' is not a rated indicator of the scoring model. Allowed: {allowed}.",
        ),
        _t(
            "duplicate_key",
            "row",
            "与第 {other_row} 行是同一条记录（{key}），但内容不同；已保留第 {other_row} 行。",
            "This row is the same record as row {other_row} ({key}) with different values; row {other_row} was kept.",
        ),
    )
}


#: Longest value echoed back to a county (feedback cells, messages, the ledger's reasons).
SHOWN_VALUE_CHARS = 200


def shown_value(value: str | None, limit: int = SHOWN_VALUE_CHARS) -> str:
    """The value as echoed to the county: whole when short, else its start and its length.

    A hostile file can hold a 400 MB cell; echoing it whole made a 419 MB feedback CSV.
    """
    if value is None:
        return ""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共 {len(text)} 个字符 / {len(text)} characters）"


def render(problem: Problem, column_zh: str | None = None) -> tuple[str, str]:
    """The Chinese and English message of a problem, with its fields filled in (values truncated)."""
    params = {key: shown_value(value, 10 * SHOWN_VALUE_CHARS) for key, value in problem.params.items()}
    fields = {
        "value": shown_value(problem.value),
        "column": problem.column or "",
        "column_zh": column_zh or problem.column or "",
        "detail": "",
        "limit": "",
        "allowed": "",
        "expected": "",
        "searched": "",
        "count": "",
        "share": "",
        "other_row": "",
        "key": "",
        **params,
    }
    kind = CATALOG[problem.code]
    return kind.message_zh.format(**fields), kind.message_en.format(**fields)
