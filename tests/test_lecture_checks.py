"""Unit tests of tests/lecture_checks.py on small synthetic notebooks (each check both passes
and fails), and the checks run over the committed lectures."""

from pathlib import Path

import lecture_checks as lc
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent


def nb(*cells):
    return new_notebook(cells=list(cells))


def md(text):
    return new_markdown_cell(text)


def code(text, outputs=()):
    cell = new_code_cell(text)
    cell.outputs = list(outputs)
    return cell


def result(text, data=None):
    return new_output("execute_result", data={"text/plain": text, **(data or {})},
                      execution_count=1)


# ------------------------------------------------------------------------------ glossary
def test_glossary_table_is_read_from_docs():
    terms = {t.preferred: t for t in lc.load_glossary()}
    assert "パラメタ" in terms["パラメータ"].banned
    assert {"逆モード", "逆伝播モード"} <= set(terms["リバースモード"].banned)
    assert terms["リバースモード"].english == "reverse mode"
    # no banned spelling is itself a preferred term, and none is banned twice
    banned = [b for t in terms.values() for b in t.banned]
    assert len(banned) == len(set(banned))
    assert not set(banned) & set(terms)


def test_banned_variants_found_with_cell_and_line():
    notebook = nb(md("# 題\n\nモデルのパラメタを学習します。"), code("# パラメタ in code is fine"),
                  md("逆伝播モードと逆モード"))
    problems = lc.banned_variants(notebook)
    found = sorted((p.cell, p.line, p.message.split("」")[0]) for p in problems)
    assert found == [(0, 3, "「パラメタ"), (2, 1, "「逆モード"), (2, 1, "「逆伝播モード")]


def test_banned_variants_pass_on_preferred_terms_code_and_aliases():
    notebook = nb(md("パラメータとリバースモード。`パラメタ` と [記事](https://x/パラメタ)、https://y/パラメタ"),
                  md("記号微分（数式微分）を使います"),
                  md("フォワードモードは前進型自動微分とも呼ばれます"),
                  md("```\nパラメタ\n```"))
    assert lc.banned_variants(notebook) == []


# ------------------------------------------------------------------------------ section refs
SECTIONS = ("## 1. 値と勾配を持つ箱\n\n## 2. 足し算と掛け算: クロージャに閉じ込める\n\n"
            "## 3. トポロジカル順序\n\n### 3.1 再帰の限界\n")


def test_section_references_pass():
    notebook = nb(md(SECTIONS), md("2 節で書いたクロージャを使います。3.1 節の再帰を思い出すと…"),
                  md("トポロジカル順序（3 節）で並べます。"), code("x = 1  # 2 節のクロージャ"))
    assert lc.section_references(notebook) == []


def test_section_reference_to_a_missing_section():
    notebook = nb(md(SECTIONS), md("詳しくは 4 節で。"))
    (problem,) = lc.section_references(notebook)
    assert problem.cell == 1 and "4 節" in problem.message and "ありません" in problem.message


def test_section_reference_to_the_wrong_topic_in_prose_and_code_comments():
    notebook = nb(md(SECTIONS), md("1 節で書いたクロージャの中身と同じです。"),
                  code("order = []  # 2 節のトポロジカル順序"))
    problems = lc.section_references(notebook)
    assert [(p.cell, p.message.split("節")[0]) for p in problems] == [(1, "「1 "), (2, "「2 ")]
    assert "2 節" in problems[0].message and "クロージャ" in problems[0].message


def test_section_references_across_lectures_and_bibliography_skipped():
    other = nb(md("## 7. 落とし穴: 深いグラフと再帰\n"))
    notebook = nb(md(SECTIONS), md("第5回の 7 節の再帰と同じ話です。第5回の 8 節も。"),
                  md("## 参考文献\n\n- *Dive into Deep Learning*, 2.5 節"))
    problems = lc.section_references(notebook, lectures={5: other})
    assert len(problems) == 1 and "第5回の 8 節" in problems[0].message
    assert lc.section_references(notebook) == []  # without the other lecture: not checked


def test_the_word_node_is_not_a_reference():
    assert lc.section_references(nb(md(SECTIONS), md("9 節点のグラフ"))) == []


# ------------------------------------------------------------------------------ figure text
def test_figure_text_flags_english_only_labels():
    src = ("import matplotlib.pyplot as plt\n"
           "fig, ax = plt.subplots()\n"
           "ax.plot([1, 2], label='training loss')\n"
           "ax.set_title(f'lr = {0.1}: loss after {3} steps')\n"
           "ax.set_xlabel('step')\n"
           "viz.plot_loss_curves({'train': [1.0]})\n"
           "%matplotlib inline\n")
    problems = lc.figure_text_language(nb(code(src)))
    texts = sorted(p.message.split("'")[1] for p in problems)
    assert texts == ["lr = {}: loss after {} steps", "step", "train", "training loss"]
    assert {p.line for p in problems} == {3, 4, 5, 6}


def test_figure_text_passes_japanese_math_and_allowed_names():
    src = ("ax.plot([1, 2], label='SGD')\n"
           "ax.plot([1, 2], label='Adam (lr=0.1)')\n"
           "ax.set_xlabel('ステップ数')\n"
           "ax.set_ylabel('$L(\\\\theta)$')\n"
           "ax.set_title(f'{name}：{n} ステップ')\n"
           "ax.legend(title='最適化手法')\n"
           "print('English in print is fine')\n")
    assert lc.figure_text_language(nb(code(src))) == []
    assert lc.figure_text_language(nb(code("ax.set_title('make_moons, MLP')"))) == []
    flagged = nb(code("ax.set_title('Neuromatch demo')"))
    assert len(lc.figure_text_language(flagged)) == 1
    assert lc.figure_text_language(flagged, allow=("Neuromatch", "demo")) == []


# ------------------------------------------------------------------------------ hygiene
def test_hygiene_flags_stray_reprs_progress_bars_errors_and_hasattr():
    bar = new_output("stream", name="stderr",
                     text="epoch:  10%|█         | 1/10\r epoch:  20%|██        | 2/10\r")
    notebook = nb(
        code("torch.manual_seed(0)", [result("<torch._C.Generator at 0x7f6d3011f990>")]),
        code("interact(f, lr=(0, 1))", [result("interactive(children=(FloatSlider(value=0.3"
                                               ", description='lr'),))")]),
        code("for _ in tqdm(range(10)): pass", [bar]),
        code("ax.set_title('x')", [result("Text(0.5, 1.0, 'x')")]),
        code("g = x.grad if hasattr(x, 'grad') else None"),
        code("1/0", [new_output("error", ename="ZeroDivisionError", evalue="", traceback=[])]),
        code("obj", [result("<__main__.Thing object at 0xdeadbeef>")]),
    )
    cells = sorted({p.cell for p in lc.output_hygiene(notebook)})
    assert cells == [0, 1, 2, 3, 4, 5, 6]


def test_hygiene_passes_clean_outputs():
    final_bar = new_output("stream", name="stderr", text="epoch: 100%|██████████| 10/10\n")
    notebook = nb(
        code("_ = torch.manual_seed(0)"),
        code("plt.plot([1, 2]); plt.show()",
             [new_output("display_data", data={"image/png": "iVBOR", "text/plain":
                                               "<Figure size 640x480 with 1 Axes>"})]),
        code("for _ in tqdm(range(10)): pass", [final_bar]),
        code("widgets.optimizer_playground()",
             [new_output("display_data", data={"text/plain": "（操作できる図です）",
                                               "application/vnd.jupyter.widget-view+json":
                                               {"model_id": "a"}})]),
        code("x", [result("tensor([1., 2.], requires_grad=True)")]),
        code("# hasattr in a comment is not code"),
    )
    assert lc.output_hygiene(notebook) == []


def test_check_notebook_and_cli(tmp_path, capsys):
    path = tmp_path / "05_demo.ipynb"
    nbformat.write(nb(md("## 1. 節\n\nパラメタ"), code("hasattr(a, 'b')")), path)
    result = lc.check_notebook(path)
    assert set(result) == set(lc.CHECKS)
    assert len(result["glossary"]) == 1 and len(result["hygiene"]) == 1
    assert lc.main([str(path)]) == 1
    assert "05_demo.ipynb: 2 problem(s)" in capsys.readouterr().out


# ------------------------------------------------------------------------------ the lectures
LECTURES = sorted((ROOT / "lectures").glob("[0-9][0-9]_*.ipynb"))


def _cases():
    for path in LECTURES:
        for check in lc.CHECKS:
            yield pytest.param(path, check, id=f"{path.stem}-{check}")


@pytest.fixture(scope="module")
def glossary():
    return lc.load_glossary()


@pytest.mark.parametrize("path, check", list(_cases()))
def test_lecture_passes_check(path, check, glossary):
    lectures = {lc.lecture_number(p): p for p in LECTURES}
    problems = lc.check_notebook(path, glossary, lectures)[check]
    assert not problems, "\n".join(map(str, problems))


# ------------------------------------------------------------------------------ the exercises
EXERCISES = sorted((ROOT / "solutions").glob("ex*/ex*.ipynb"))
GRADING = sorted((ROOT / "solutions").glob("ex*/grading.py"))


@pytest.mark.parametrize("path", EXERCISES, ids=[p.parent.name for p in EXERCISES])
def test_exercise_uses_the_glossary(path, glossary):
    """The exercises speak the lectures' language: no banned variant in their text."""
    problems = lc.check_notebook(path, glossary, {})["glossary"]
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("path", GRADING, ids=[p.parent.name for p in GRADING])
def test_messages_to_students_use_the_glossary(path, glossary):
    """Hints and check names in the hidden grading specs use the glossary's terms too."""
    text = path.read_text(encoding="utf-8")
    found = [(b, t.preferred) for t in glossary for b in t.banned if b in text]
    assert not found, found
