"""Reading uploaded tables: real xlsx files made with openpyxl, and CSV in the encodings offices use."""


import pytest

from learncity.core.errors import CellError, FileRejected
from learncity.core.tabular import Table, check_headers, read_table
from tests.files import xlsx


def rejected(data: bytes, filename: str, **kwargs) -> FileRejected:
    with pytest.raises(FileRejected) as exc:
        read_table(data, filename, **kwargs)
    return exc.value


# --- xlsx ------------------------------------------------------------------------------------------------


def test_xlsx_is_read_with_spreadsheet_row_numbers():
    # given a sheet with a header, two data rows and a blank row between them
    data = xlsx([["区划代码", "年份", "常住人口"], ["350102", 2025, 700000], [None, None, None],
                 [" 350103 ", 2025, 450000]])

    # when it is read
    table = read_table(data, "人口.xlsx")

    # then rows keep the numbers the spreadsheet shows, the blank row is skipped, text is trimmed
    assert table == Table(format="xlsx", encoding=None, headers=["区划代码", "年份", "常住人口"],
                          rows=[(2, ["350102", 2025, 700000]), (4, ["350103", 2025, 450000])])


def test_xlsx_trailing_empty_header_cells_are_dropped():
    data = xlsx([["代码", "名称", None, None], ["1", "甲", None, None]])

    table = read_table(data, "t.xlsx")

    assert table.headers == ["代码", "名称"]


def test_xlsx_is_recognised_by_content_whatever_its_name():
    data = xlsx([["代码"], ["1"]])

    assert read_table(data, "upload.bin").format == "xlsx"


def test_xlsx_with_merged_cells_is_rejected_naming_the_range():
    data = xlsx([["区划代码", "年份", "常住人口"], ["350102", 2025, 700000], ["350103", 2025, 450000]],
                merge="A2:B2")

    exc = rejected(data, "人口.xlsx")

    assert exc.summary == "文件含有合并单元格或公式，未导入任何数据。"
    assert exc.cell_errors == [CellError(2, "A2:B2", "合并单元格：请取消合并并在每一格填上内容后再上传")]
    assert str(exc) == ("文件含有合并单元格或公式，未导入任何数据。\n"
                        "第 2 行「A2:B2」: 合并单元格：请取消合并并在每一格填上内容后再上传")


def test_xlsx_with_formulas_is_rejected_naming_each_cell():
    data = xlsx([["区划代码", "年份", "常住人口"], ["350102", 2025, "=300000+400000"],
                 ["350103", 2025, 450000], ["350104", "=2024+1", 600000]])

    exc = rejected(data, "人口.xlsx")

    assert exc.cell_errors == [
        CellError(2, "C2", "公式 =300000+400000：请复制后「选择性粘贴为数值」再上传"),
        CellError(4, "B4", "公式 =2024+1：请复制后「选择性粘贴为数值」再上传"),
    ]
    assert exc.code == "file_rejected"


def test_a_broken_xlsx_is_rejected():
    exc = rejected(b"PK\x03\x04 this is not a zip file", "坏文件.xlsx")

    assert exc.summary == "「坏文件.xlsx」不是有效的 xlsx 文件（找不到 zip 的目录）：请用 Excel 或 WPS 另存为 xlsx 后重新上传"


def test_an_empty_sheet_is_rejected():
    exc = rejected(xlsx([]), "空.xlsx")

    assert exc.summary == "工作表是空的 (the sheet is empty)"


def test_xlsx_over_the_row_limit_is_rejected():
    data = xlsx([["代码"], ["1"], ["2"], ["3"]])

    exc = rejected(data, "t.xlsx", max_rows=2)

    assert exc.summary == "文件超过 2 行的上限 (too many rows)"


# --- CSV -------------------------------------------------------------------------------------------------

CSV_TEXT = "区划代码,年份,常住人口\n350102,2025,700000\n350103,2025,450000\n"
CSV_ROWS = [(2, ["350102", "2025", "700000"]), (3, ["350103", "2025", "450000"])]


def test_utf8_csv_is_read_and_reported():
    table = read_table(CSV_TEXT.encode("utf-8"), "人口.csv")

    assert table == Table(format="csv", encoding="UTF-8", headers=["区划代码", "年份", "常住人口"], rows=CSV_ROWS)


def test_utf8_csv_with_a_bom_is_read_without_the_bom():
    table = read_table(b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8"), "人口.csv")

    assert table.encoding == "UTF-8 (BOM)"
    assert table.headers == ["区划代码", "年份", "常住人口"]
    assert table.rows == CSV_ROWS


def test_gbk_csv_is_read_correctly_and_reported_as_gbk():
    # given a CSV saved by Excel in GBK, with Chinese in the headers and in the cells
    text = "区划代码,名称,常住人口\n350102,鼓楼区,700000\n350103,台江区,450000\n"
    data = text.encode("gbk")
    assert data != text.encode("utf-8")

    # when it is read
    table = read_table(data, "人口.csv")

    # then the text is right and the encoding is said
    assert table == Table(format="csv", encoding="GBK/GB18030", headers=["区划代码", "名称", "常住人口"],
                          rows=[(2, ["350102", "鼓楼区", "700000"]), (3, ["350103", "台江区", "450000"])])


def test_utf16_csv_with_a_bom_is_read():
    table = read_table(CSV_TEXT.encode("utf-16"), "人口.csv")

    assert table.encoding == "UTF-16"
    assert table.rows == CSV_ROWS


def test_undecodable_bytes_are_rejected_with_a_message():
    exc = rejected(b"code,name\n1,\xff\n", "bad.csv")

    assert exc.summary == ("无法识别文件编码：既不是 UTF-8，也不是 GBK/GB18030（第 12 字节处）。"
                           "请在 Excel 中另存为「CSV UTF-8」或 xlsx 后重新上传。")
    assert exc.cell_errors == []


def test_tab_separated_text_is_sniffed():
    table = read_table("区划代码\t年份\n350102\t2025\n".encode(), "人口.txt")

    assert table.headers == ["区划代码", "年份"]
    assert table.rows == [(2, ["350102", "2025"])]


def test_csv_blank_lines_are_skipped_and_row_numbers_kept():
    table = read_table("代码,名称\n1,甲\n,\n2,乙\n".encode(), "t.csv")

    assert table.rows == [(2, ["1", "甲"]), (4, ["2", "乙"])]


def test_csv_over_the_row_limit_is_rejected():
    exc = rejected(CSV_TEXT.encode(), "t.csv", max_rows=1)

    assert exc.summary == "文件超过 1 行的上限 (too many rows)"
    assert exc.encoding == "UTF-8"


@pytest.mark.parametrize("data", [b"", b"   \n\r\n  "])
def test_an_empty_file_is_rejected(data):
    exc = rejected(data, "空.csv")

    assert exc.summary == "文件「空.csv」是空的 (the file is empty)"


def test_an_unsupported_file_type_is_rejected():
    exc = rejected(b"%PDF-1.7", "人口.pdf")

    assert exc.summary == "不支持的文件类型「.pdf」：请上传 xlsx 或 CSV 文件 (unsupported file type)"


# --- headers ---------------------------------------------------------------------------------------------

REQUIRED = {"code": ("区划代码", "code"), "year": ("年份", "year"), "total": ("常住人口", "total")}


def headers_rejected(headers: list[str], rows=(), **kwargs) -> FileRejected:
    table = Table(format="csv", encoding="UTF-8", headers=headers, rows=list(rows))
    with pytest.raises(FileRejected) as exc:
        check_headers(table, required=REQUIRED, **kwargs)
    return exc.value


def test_check_headers_maps_fields_to_column_indexes_in_any_spelling_and_case():
    table = Table(format="csv", encoding="UTF-8", headers=["TOTAL", "区划代码", "Year", "备注"])

    mapping = check_headers(table, required=REQUIRED, optional={"note": ("备注",)})

    assert mapping == {"total": 0, "code": 1, "year": 2, "note": 3}


def test_check_headers_names_missing_columns():
    exc = headers_rejected(["区划代码", "常住人口"])

    assert exc.summary == ("表头不正确，未导入任何数据。缺少列 (missing columns): 年份。"
                           "应有的列：区划代码、年份、常住人口")
    assert exc.encoding == "UTF-8"


def test_check_headers_names_unknown_columns():
    exc = headers_rejected(["区划代码", "年份", "常住人口", "人口数", "备注"])

    assert exc.summary == ("表头不正确，未导入任何数据。无法识别的列 (unknown columns): 人口数、备注。"
                           "应有的列：区划代码、年份、常住人口")


def test_check_headers_names_repeated_columns_whatever_the_spelling():
    exc = headers_rejected(["区划代码", "年份", "常住人口", "total"])

    assert exc.summary == ("表头不正确，未导入任何数据。重复的列 (repeated columns): total。"
                           "应有的列：区划代码、年份、常住人口")


def test_check_headers_reports_every_problem_at_once():
    exc = headers_rejected(["区划代码", "区划代码", "人口"])

    assert exc.summary == ("表头不正确，未导入任何数据。缺少列 (missing columns): 年份、常住人口；"
                           "无法识别的列 (unknown columns): 人口；重复的列 (repeated columns): 区划代码。"
                           "应有的列：区划代码、年份、常住人口")


def test_a_column_without_header_is_unknown_only_when_it_holds_data():
    headers = ["区划代码", "年份", "常住人口", ""]

    table = Table(format="csv", encoding="UTF-8", headers=headers, rows=[(2, ["350102", "2025", "1", ""])])
    assert check_headers(table, required=REQUIRED) == {"code": 0, "year": 1, "total": 2}

    exc = headers_rejected(headers, rows=[(2, ["350102", "2025", "1", "多余"])])
    assert exc.summary == ("表头不正确，未导入任何数据。无法识别的列 (unknown columns): 第 D 列（无表头）。"
                           "应有的列：区划代码、年份、常住人口")
