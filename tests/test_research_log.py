"""The research log (book/research_log): every record in benchmarks/results/ is catalogued and shown by the
page, with its remaking command and machine; the budget section reads the newest records."""
import os
import re
from pathlib import Path

import pytest

from cglib.records import CATALOG, entry, record_files

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def test_every_record_has_a_catalogue_entry_and_every_entry_a_record():
    files = record_files(RESULTS)
    assert files, "no records found"
    for p in files:
        e = entry(p)  # raises, naming the fix, for a record nobody catalogued
        # a command remakes its record, from this checkout or from the commit it names first
        assert re.match(r"(git checkout [0-9a-f]{7,} && )?python benchmarks/", e["command"]) and e["machine"] and e["decided"]
        script = e["script"].split(" ")[0]
        assert (ROOT / script).exists() or "retired; git show" in e["script"], f"{p.name}: {script} is gone"
    assert set(CATALOG) == {p.stem for p in files}, "a catalogue entry names a record that is not in benchmarks/results"


def test_an_uncatalogued_record_is_refused_with_the_fix(tmp_path):
    with pytest.raises(KeyError, match="no entry in cglib.records.CATALOG"):
        entry(tmp_path / "new_search_2027-01-01.json")


def test_every_benchmark_script_remakes_a_shown_record_or_a_readme_figure():
    """No script in benchmarks/ reproduces a record that no page shows."""
    readme = (ROOT / "README.md").read_text()
    remakers = {e["script"].split(" ")[0] for e in CATALOG.values()}
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        rel = f"benchmarks/{script.name}"
        assert rel in remakers or rel in readme, f"{rel} remakes no shown record and the README quotes nothing of it"


@pytest.mark.slow
def test_the_research_log_page_shows_every_record(tmp_path, probe_root):
    from test_chapters import built_or_run, glued, outputs_text, prose_refs
    nb = built_or_run("research_log", tmp_path, probe_root)
    text = outputs_text(nb)
    for p in record_files(RESULTS):
        e = entry(p)
        assert f"## {p.name}" in text and e["command"][:40] in text, f"{p.name} is not shown with its command"
    g = glued(nb)
    assert prose_refs("research_log") <= set(g)
    assert g["n_records"] == str(len(record_files(RESULTS)))
    assert g["first_pass"] == g["passing_steps"].split(", ")[0] and int(g["full_steps"]) >= int(g["first_pass"])
    assert "record budget_check_" in g["budget_check"] and "`" not in g["budget_check"]
    assert re.search(r"at the end\): (passes|fails: seed|incomplete)", g["budget_check"]), g["budget_check"]
    html = os.environ.get("CGLIB_BOOK_HTML")
    if html:  # the page as the book built it
        page = (Path(html) / "book" / "research_log.html").read_text()
        assert all(p.name in page for p in record_files(RESULTS))


def test_a_run_missing_from_the_store_is_read_from_the_record_that_holds_it(tmp_path):
    """The corner search's --collect takes the minimal set's base runs from the seed search's record (the same
    run ids), saying which record and machine they come from; a run no record holds is not invented."""
    from cglib.config import preset
    from cglib.records import MACHINE_2026_11_28, recorded_entry, run_entry
    from cglib.runs import run_id
    e = recorded_entry(run_id(preset("cpu", seed=1)), RESULTS)
    assert e["finished"] and e["trained_on"].startswith("seed_search_2026-11-28.json: " + MACHINE_2026_11_28)
    assert recorded_entry("0123456789ab", RESULTS) is None
    assert run_entry(preset("smoke"), tmp_path, candidate="x") is None  # an empty store has no entry


def test_the_readme_corner_table_is_the_newest_corner_record():
    """The README's table of the corner search holds every candidate on every run of the newest record, as
    benchmarks/readme.py prints it (a record extended without remaking the table fails here)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("readme_script", ROOT / "benchmarks" / "readme.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    newest = sorted(RESULTS.glob("corner_search_*.json"))[-1]
    lines = mod.corner_table_markdown(newest)
    readme = (ROOT / "README.md").read_text()
    assert len(lines) > 2 and all(line in readme.splitlines() for line in lines), "run python benchmarks/readme.py"
    from cglib.corners import corner_summary
    from cglib.emergence import recorded_sweep
    cands = corner_summary(recorded_sweep(newest)).index.unique("candidate")
    assert [line.split(" | ")[0].strip("| `") for line in lines[2:]] == list(cands)
