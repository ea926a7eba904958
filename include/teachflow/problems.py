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

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["file", "row", "warning"]


@dataclass(frozen=True)
class ProblemType:
    code: str
    severity: Severity
    message_zh: str  # str.format fields: {value}, {column_zh}, and any in Problem.params
    message_en: str  # also {allowed_en}, {limit_en}: the English twins of params (default: the same)
    #: Other wordings of the same problem, chosen by ``Problem.params["variant"]`` (a cause and its fix).
    variants: Mapping[str, tuple[str, str]] = field(default_factory=dict)


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

_RESUBMIT_ZH = "改正后请重新报送完整文件。"


def _t(
    code: str, severity: Severity, zh: str, en: str, variants: Mapping[str, tuple[str, str]] | None = None
) -> ProblemType:
    return ProblemType(code, severity, zh, en, dict(variants or {}))


#: Why a file cannot be opened (``Problem.params["variant"]`` of ``file_unreadable``), each with
#: what the clerk does about it. The parser picks the variant; only the wording lives here.
UNREADABLE_VARIANTS: dict[str, tuple[str, str]] = {
    "password": (
        "工作簿设置了打开密码，系统无法读取。请在 Excel 中取消工作簿密码（文件 → 信息 → 保护工作簿 → "
        "用密码进行加密，清空密码后确定），保存后重新报送。",
        "The workbook is password-protected and cannot be read. Remove the password in Excel (File → "
        "Info → Protect Workbook → Encrypt with Password, clear it), save and submit it again.",
    ),
    "damaged": (
        "工作簿已损坏或不完整，无法打开。请用 Excel 打开原文件，另存为 .xlsx 后重新报送；Excel 也打不开的，"
        "请从源系统重新导出。",
        "The workbook is damaged or incomplete and cannot be opened ({detail}). Open it in Excel and save it "
        "as .xlsx, or export it again from your system, then submit it again.",
    ),
    "not_workbook": (
        "文件扩展名是 .xlsx，但内容不是 Excel 工作簿（可能只是改了扩展名）。请用 Excel 打开后"
        "“另存为 → Excel 工作簿（*.xlsx）”，再重新报送。",
        "The file is named .xlsx but is not an Excel workbook (perhaps only its extension was changed). "
        "Open it in Excel, save it as 'Excel Workbook (*.xlsx)' and submit it again.",
    ),
    "unclosed_quote": (
        '第 {row} 行有一个英文双引号（"）没有配对，系统分不清此后的各列。请删除或补全该行的双引号，'
        "或在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”，再重新报送。",
        'The double quote (") opened in row {row} is never closed, so the columns after it cannot be told '
        "apart. Remove or close it, or save the file from Excel as 'CSV UTF-8', and submit it again.",
    ),
    "unzipped_too_large": (
        "工作簿解压后约 {unzipped_mb} MB，超过系统上限 {limit_mb} MB，无法读取。请删除多余的工作表、图片和"
        "表格以外的内容后另存，或另存为 CSV UTF-8，再重新报送。",
        "The workbook is {unzipped_mb} MB unzipped, over the limit of {limit_mb} MB ({detail}). Delete extra "
        "worksheets, pictures and anything outside the table, or save it as CSV UTF-8, and submit it again.",
    ),
    "compression_ratio": (
        "工作簿的压缩比异常（{ratio}:1），通常是某个单元格里有超大的内容，无法读取。请检查并删除异常的内容后另存，"
        "再重新报送。",
        "The workbook is compressed {ratio}:1, far beyond a real workbook ({detail}): a cell probably holds "
        "an oversized value. Delete it, save and submit the file again.",
    ),
    "sheet_extent": (
        "工作表的使用区域有 {cells} 个单元格，超过上限 {limit}，无法读取：表格右下方很远处可能还有数据或格式"
        "（如 XFD1048576 单元格）。请删除表格以外多余的行和列后另存，再重新报送。",
        "A worksheet's used area holds {cells} cells, over the limit of {limit} ({detail}): something sits far "
        "below or right of the table. Delete the rows and columns outside the table, save and submit it again.",
    ),
    "memory": (
        "读取工作簿所需内存超过上限 {mib} MiB（工作表区域过大或单元格内容过大），无法读取。请删除表格以外多余的"
        "行和列以及超大的单元格内容后另存，或另存为 CSV UTF-8，再重新报送。",
        "Reading the workbook needs more than {mib} MiB ({detail}): an oversized sheet area or cell. Delete the "
        "rows and columns outside the table and any oversized cell, or save it as CSV UTF-8, and submit it again.",
    ),
    "csv_layout": (
        "CSV 文件的各列无法正确分开。请在 Excel 中打开后“另存为 → CSV UTF-8（逗号分隔）”，再重新报送。",
        "The CSV file's columns cannot be told apart ({detail}). Open it in Excel, save it as "
        "'CSV UTF-8 (comma delimited)' and submit it again.",
    ),
}

CATALOG: dict[str, ProblemType] = {
    t.code: t
    for t in (
        # --- file level ---------------------------------------------------------------------------
        _t(
            "file_unreadable",
            "file",
            "文件无法打开。请用市局模板另存为 .xlsx，或在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”，再重新报送。",
            "The file cannot be opened ({detail}). Save it from the template as .xlsx, or as CSV "
            "(UTF-8 or GBK), and submit it again.",
            UNREADABLE_VARIANTS,
        ),
        _t(
            "file_encoding",
            "file",
            "无法识别 CSV 文件的编码。请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”，再重新报送。",
            "The CSV file's encoding is not recognised. In Excel use 'Save as CSV UTF-8' and submit it again.",
        ),
        _t(
            "file_empty",
            "file",
            "文件中没有数据行。请检查是否选错了文件或工作表，填好数据后重新报送。",
            "The file holds no data rows. Check that this is the right file and worksheet, fill in the data "
            "and submit it again.",
            {
                "roster": (
                    "教师名册只有表头、没有数据行。名册不能为空（“本月无数据”只适用于其他报表），"
                    "请填写本区县全部在编在岗教师后重新报送。",
                    "The teacher roster holds the header and no data rows. A roster cannot be empty ('nothing to "
                    "report' applies to the other files only): list every teacher of the county and submit it again.",
                )
            },
        ),
        _t(
            "nothing_to_report",
            "warning",
            "文件只有表头、没有数据行，按“本月无数据（无变动）”接收：本月的{title_zh}记为已报送，没有数据入库"
            "（如此前已报送过本月的{title_zh}，以本次为准，此前的数据不再计入）。如本月确有数据，请填好后重新报送。",
            "The file holds the header and no data rows: taken as 'nothing to report this month'. The month's "
            "{title_en} counts as submitted and nothing is loaded (if the month was submitted before, this "
            "submission replaces it). If there is data for the month, fill it in and submit it again.",
        ),
        _t(
            "file_too_large",
            "file",
            "文件大小为 {size_mb} MB，超过系统上限 {limit_mb} MB，未能读取。请删除空白行、多余的工作表和图片后"
            "另存为 .xlsx，或另存为 CSV UTF-8（通常只有原文件的几分之一大），再重新报送；仍然超过上限的，"
            "请联系市局数据组。",
            "The file is {size_mb} MB, over the limit of {limit_mb} MB, and was not read. Delete blank rows, "
            "extra worksheets and pictures and save it as .xlsx, or save it as CSV UTF-8 (usually a fraction "
            "of the size), and submit it again; if it is still too large, contact the city's data team.",
        ),
        _t(
            "header_not_found",
            "file",
            "文件前 {searched} 行中找不到表头。请使用市局模板，表头应包含“{expected}”等列名。",
            "No header row was found in the first {searched} rows. Use the city's template; the header "
            "must hold column names such as '{expected}'.",
        ),
        _t(
            "column_missing",
            "file",
            "缺少必填列“{column_zh}”。请使用市局模板，不要删除列或修改列名。",
            "The required column '{column_zh}' ({column}) is missing. Use the city's template and do not "
            "delete or rename its columns.",
        ),
        _t(
            "wrong_folder_county",
            "file",
            "文件所在的目录“{value}”不是已登记的区县代码。请把文件放在“区县代码/年-月/文件名”下，"
            "例如 450202/2026-10/teachers.xlsx。",
            "The folder '{value}' is not a known county code. Put the file under "
            "<county_code>/<YYYY-MM>/<file>, e.g. 450202/2026-10/teachers.xlsx.",
        ),
        _t(
            "wrong_folder_period",
            "file",
            "月份目录“{value}”不正确：应写成“年-月”（例如 2026-10），且不能是以后的月份。"
            "请把文件放到数据所属月份的目录下。",
            "The month folder '{value}' is not valid: it must be YYYY-MM (e.g. 2026-10) and not a month to "
            "come. Put the file in the folder of the month its data covers.",
        ),
        _t(
            "wrong_folder_dataset",
            "file",
            "文件名“{value}”不是可报送的数据集。请把文件名改为以下之一：{allowed}（扩展名 .xlsx 或 .csv）。",
            "The file name '{value}' is not a dataset that can be submitted. Use one of: {allowed_en} (.xlsx or .csv).",
        ),
        _t(
            "dataset_not_allowed",
            "file",
            "“{value}”只能由市局报送，区县无需报送。请删除此文件。",
            "The dataset '{value}' is submitted by the city only; counties need not submit it. Delete this file.",
        ),
        _t(
            "roster_other_county",
            "file",
            "学校标识码 {value}（{school_name}）属于{county_name}，不是本区县的学校。名册只能包含本区县的学校："
            "请检查是否拿错了其他区县的名册，或学校标识码是否填错。",
            "School {value} ({school_name}) belongs to {county_name}, not to this county. A roster may only "
            "hold this county's schools: check that this is not another county's roster, or correct the code.",
        ),
        _t(
            "too_many_bad_rows",
            "file",
            "{count} 行有错误，占数据行的 {share}，超过允许的 {limit}，整个文件未入库。请按问题清单逐条改正后，"
            "重新报送完整文件。",
            "{count} row(s) with errors ({share} of the rows), more than the {limit} allowed, so nothing of the "
            "file was loaded. Correct the rows listed and submit the whole file again.",
            {
                "no_bad_rows_allowed": (
                    "{count} 行有错误；{title_zh}不允许有错误行，整个文件未入库。请按问题清单改正全部错误后，"
                    "重新报送完整文件。",
                    "{count} row(s) with errors; a {title_en} may have none, so nothing of the file was loaded. "
                    "Correct every row listed and submit the whole file again.",
                )
            },
        ),
        _t(
            "processing_failed",
            "file",
            "市局系统处理该文件时出错，不是您的文件的问题。文件已保存，系统会在下次运行时自动重试，无需重新报送。",
            "The file could not be processed ({detail}). It is kept and will be tried again on the next "
            "run; there is no need to send it again.",
        ),
        _t(
            "file_quarantined",
            "file",
            "该文件已连续 {count} 次处理失败，系统已暂停处理，并已通知市局数据组。"
            "如需更正数据，请改正后重新报送完整文件。",
            "Processing this file failed {count} times in a row; it has been set aside and the city's data "
            "team has been alerted. To correct the data, change the file and send it again.",
        ),
        # --- row level ----------------------------------------------------------------------------
        _t(
            "control_character",
            "row",
            "“{column_zh}”含有看不见的控制字符（{detail}），该行未入库。请删除这些字符（常见于从其他系统复制粘贴）后重新报送。",
            "'{column_zh}' holds an invisible control character ({detail}), so the row was not loaded. "
            "Delete it (it often comes with text copied from another system) and send the file again.",
        ),
        _t(
            "pii_in_text",
            "row",
            "“{column_zh}”中有疑似身份证号（{value}），该行未入库。身份证号只能填在“身份证号”列，请从本列删除后重新报送。",
            "'{column_zh}' holds what looks like a resident ID number ({value}). ID numbers belong only in "
            "the ID column: remove it and send the file again; the row was not loaded.",
        ),
        _t(
            "required_missing",
            "row",
            "“{column_zh}”是必填项，请填写。",
            "'{column_zh}' is required and may not be blank.",
        ),
        _t(
            "id_format",
            "row",
            "身份证号“{value}”格式不对：应为 18 位，前 17 位是数字，最后一位是数字或 X。请核对后改正。",
            "The ID number '{value}' must have 18 characters: 17 digits, then a digit or X.",
        ),
        _t(
            "id_scientific",
            "row",
            "身份证号“{value}”已被 Excel 转成数字（科学计数法），后几位已经丢失，无法还原。请把该列设为“文本”格式，"
            "再从源系统重新复制身份证号，用“选择性粘贴 → 数值”粘贴。",
            "The ID number '{value}' was turned into a number by Excel (scientific notation) and its last "
            "digits are lost. Set the column to text and paste the IDs again from your system.",
        ),
        _t(
            "id_check_character",
            "row",
            "身份证号“{value}”的最后一位（校验位）不对，请核对是否录错。",
            "The check character of ID number '{value}' is wrong: check it for a typing error.",
        ),
        _t(
            "id_birth_date",
            "row",
            "身份证号“{value}”中的出生日期不是有效日期，请核对是否录错。",
            "The birth date inside ID number '{value}' is not a real date: check it for a typing error.",
        ),
        _t(
            "id_fullwidth",
            "warning",
            "身份证号“{value}”含全角字符或空格，系统已转为半角并去掉空格后入库。请在源系统中改正。",
            "The ID number '{value}' holds full-width characters or spaces; it was converted to half-width "
            "and its spaces removed, then loaded. Correct it in your system.",
        ),
        _t(
            "birth_date_mismatch",
            "row",
            "出生日期为 {value}，与身份证号中的出生日期 {expected} 不一致，请核对。",
            "The birth date {value} differs from the one inside the ID number ({expected}).",
        ),
        _t(
            "date_invalid",
            "row",
            "“{column_zh}”填写的“{value}”不是有效日期。可用的写法：" + _ACCEPTED_DATES_ZH + "。",
            "'{value}' in '{column_zh}' is not a date we can read. Accepted: " + _ACCEPTED_DATES_EN + ".",
        ),
        _t(
            "date_after_period",
            "row",
            "“{column_zh}”为 {value}，晚于报送月份的最后一天 {limit}，请核对。",
            "'{column_zh}' {value} is after the last day of the period ({limit}).",
        ),
        _t(
            "date_order",
            "row",
            "“{column_zh}”为 {value}，早于开始日期 {limit}，请核对。",
            "'{column_zh}' {value} is before the start date {limit}.",
        ),
        _t(
            "date_outside_period",
            "row",
            "“{column_zh}”为 {value}，不在报送月份 {limit} 内。培训记录请放在结束日期所在月份的目录下报送。",
            "'{column_zh}' {value} is not in the period {limit}. Report a training record in the month it ended.",
        ),
        _t(
            "number_invalid",
            "row",
            "“{column_zh}”填写的“{value}”不是数字，请只填数字。",
            "'{value}' in '{column_zh}' is not a number.",
        ),
        _t(
            "text_too_long",
            "row",
            "“{column_zh}”超过 {limit} 个字符，请缩短（常见原因：把几项内容填进了同一格）。",
            "'{column_zh}' is longer than {limit} characters. Shorten it and send the file again "
            "(often several entries were typed into one cell).",
        ),
        _t(
            "number_range",
            "row",
            "“{column_zh}”为 {value}，超出范围：{limit}。",
            "'{value}' in '{column_zh}' is outside the range {limit_en}.",
        ),
        _t(
            "vocab_unknown",
            "row",
            "“{column_zh}”填写的“{value}”不是有效选项，请从下拉列表中选择：{allowed}。",
            "'{value}' is not an allowed value of '{column_zh}'. Allowed: {allowed_en}.",
        ),
        _t(
            "school_code_format",
            "row",
            "学校标识码“{value}”应为 10 位数字。如果前面的 0 丢了，请把该列设为“文本”格式后重新填写。",
            "The school code '{value}' must have 10 digits. If leading zeros were lost, set the column to "
            "text and enter the codes again.",
        ),
        _t(
            "school_unknown",
            "row",
            "“{column_zh}”{value} 不是已登记的学校。请核对学校标识码；新学校请先报市局登记。",
            "'{column_zh}' {value} is not a registered school. Check the code; a new school must first be "
            "registered with the city.",
        ),
        _t(
            "school_other_county",
            "row",
            "“{column_zh}”{value} 不是本区县的学校，请核对学校标识码。",
            "'{column_zh}' {value} is not a school of this county.",
        ),
        _t(
            "flow_not_in_county",
            "row",
            "派出学校和接收学校都不是本区县的学校。这条交流应由派出或接收学校所在的区县报送，请从本文件中删除。",
            "Neither the sending nor the receiving school belongs to this county; the counties concerned "
            "must report this flow. Delete it from this file.",
        ),
        _t(
            "same_school",
            "row",
            "接收学校与派出学校相同（{value}），请核对接收学校标识码。",
            "The receiving school is the sending school ({value}).",
        ),
        _t(
            "planned_end_missing",
            "row",
            "交流类型为“{flow_type}”，必须填写“计划结束日期”（只有“调动”可以不填）。",
            "A flow of type '{flow_type}' needs a planned end date (only transfers have none).",
        ),
        _t(
            "school_year_format",
            "row",
            "学年“{value}”格式不对，应写成前后相连的两个年份，例如 2025-2026。",
            "The school year '{value}' must look like 2025-2026 (two consecutive years).",
        ),
        _t(
            "indicator_unknown",
            "row",
            "指标代码“{value}”不是考核模型中的评议指标，可填：{allowed}。",
            "The indicator '{value}' is not a rated indicator of the scoring model. Allowed: {allowed}.",
        ),
        _t(
            "indicator_renamed",
            "warning",
            "指标代码“{value}”已停用：{detail_zh}本行已按 {new} 入库，今后请填写 {new}。",
            "The indicator code '{value}' is no longer used: {detail_en} This row was loaded as {new}; "
            "write {new} from now on.",
        ),
        _t(
            "duplicate_key",
            "row",
            "与第 {other_row} 行是同一条记录（{key}），但内容不同。系统保留了第 {other_row} 行，本行未入库；"
            "请核对后只保留正确的一行。",
            "This row is the same record as row {other_row} ({key}) with different values; row {other_row} was "
            "kept and this one not loaded. Keep only the right one.",
        ),
        _t(
            "duplicate_row",
            "warning",
            "与第 {other_row} 行完全相同，系统已忽略本行，只按第 {other_row} 行处理。请删除重复的行。",
            "This row repeats row {other_row} exactly; it was ignored and row {other_row} taken. Delete the "
            "repeated row.",
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


def megabytes(size: int) -> str:
    """A byte count as the MB a clerk's file manager shows (one decimal, none when whole)."""
    text = f"{size / (1024 * 1024):.1f}"
    return text[:-2] if text.endswith(".0") else text


def file_too_large(size: int, limit: int) -> Problem:
    """The rejection of a file over the size limit, in MB (bytes are for machines)."""
    return Problem(
        "file_too_large",
        value=str(size),
        params={"limit": str(limit), "size_mb": megabytes(size), "limit_mb": megabytes(limit)},
    )


def render(problem: Problem, column_zh: str | None = None) -> tuple[str, str]:
    """The Chinese and English message of a problem, with its fields filled in (values truncated).

    ``params["variant"]`` picks one of the type's :attr:`ProblemType.variants` (a cause with its
    own advice); an unknown or absent variant gets the type's general message. A field the message
    names but the problem does not carry is blank.
    """
    params = {key: shown_value(value, 10 * SHOWN_VALUE_CHARS) for key, value in problem.params.items()}
    fields: dict[str, str] = defaultdict(
        str,
        {
            "value": shown_value(problem.value),
            "column": problem.column or "",
            "column_zh": column_zh or problem.column or "",
            **params,
        },
    )
    kind = CATALOG[problem.code]
    zh, en = kind.variants.get(fields["variant"], (kind.message_zh, kind.message_en))
    fields.setdefault("allowed_en", fields["allowed"])
    fields.setdefault("limit_en", fields["limit"])
    return zh.format_map(fields), en.format_map(fields)
