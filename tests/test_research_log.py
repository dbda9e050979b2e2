"""The research log (book/research_log): every record in recipe_search/results/ is catalogued and shown by the
page, with its remaking command and machine; the budget section reads the newest records."""
import os
import re
from pathlib import Path

import pytest

from recipe_search.catalog import CATALOG, RESULTS, entry, record_files

ROOT = Path(__file__).resolve().parents[1]


def test_every_record_has_a_catalogue_entry_and_every_entry_a_record():
    files = record_files(RESULTS)
    assert files, "no records found"
    for p in files:
        e = entry(p)  # raises, naming the fix, for a record nobody catalogued
        # a command remakes its record, from this checkout or from the commit it names first
        assert re.match(r"(git checkout [0-9a-f]{7,} && )?python (benchmarks|recipe_search)/", e["command"]) and e["machine"] and e["decided"]
        script = e["script"].split(" ")[0]
        assert (ROOT / script).exists() or "retired; git show" in e["script"], f"{p.name}: {script} is gone"
    assert set(CATALOG) == {p.stem for p in files}, "a catalogue entry names a record that is not in recipe_search/results"


def test_an_uncatalogued_record_is_refused_with_the_fix(tmp_path):
    with pytest.raises(KeyError, match="no entry in recipe_search.catalog.CATALOG"):
        entry(tmp_path / "new_search_2027-01-01.json")


def test_every_benchmark_script_remakes_a_shown_record_or_a_readme_figure():
    """No script in benchmarks/ or recipe_search/ reproduces a record that no page shows or reads."""
    readme = (ROOT / "README.md").read_text()
    remakers = {e["script"].split(" ")[0] for e in CATALOG.values()}
    scripts = [*(ROOT / "benchmarks").glob("*.py"), *(ROOT / "recipe_search").glob("[a-z]*_*.py")]
    assert {"seed_search.py", "sampler_eval.py"} <= {p.name for p in scripts}
    for script in sorted(scripts):
        rel = script.relative_to(ROOT).as_posix()
        pages = "".join(p.read_text() for p in (ROOT / "book").glob("*.py"))  # a chapter that reads its record
        assert rel in remakers or rel in readme or rel in pages, \
            f"{rel} remakes no shown record, no page reads its record and the README quotes nothing of it"


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
    # the cpu preset's searches in detail (moved from chapter 4): the seed search read, every candidate judged,
    # and the book's runs compared only where the store holds the record's own runs
    assert g["verdicts"].count("passes") + g["verdicts"].count("fails") + g["verdicts"].count("incomplete") >= 2
    assert g["chosen"].split(" (worst seed")[0] in g["verdicts"] and g["same_runs"].startswith("not asked")
    # the record section says where the record and the page were made, and compares finals only at cpu
    assert g["record_vs_page"].startswith("not compared: ") and "cores, flags" in g["page_machine"]
    assert g["last_k"] == "3" and (g["corner_verdicts"] == "none yet" or "base: fails" in g["corner_verdicts"])
    assert g["corner_verdicts"] == "none yet" or re.search(r"base from the mirrored set: shape 0\.\d\d, \d+% rejected",
                                                            g["corner_bottleneck"]), g["corner_bottleneck"]
    # the best candidate is named only among those judged on all six runs, with its worst run and its mean
    assert (g["corner_best"].startswith("none yet")
            or re.fullmatch(r"\w+ \(.+\), worst run \d\.\d\d, mean over its six runs \d\.\d\d, judged at step .+",
                            g["corner_best"])), g["corner_best"]
    # the concept-signal account is judged from the record: a verdict with base's and equal_area's mirrored runs
    lift = r"(supported|refuted|not settled), .*seed 0 \d\.\d\d → \d\.\d\d"
    assert re.match(r"equal_area against base on 000 \(mirrored\): " + lift + "|not run yet|none yet",
                    g["corner_signal"]), g["corner_signal"]
    # where the binding lives: one verdict over the two split embeddings on 010, each comparison seed by seed
    assert re.match(r"the binding made in the embedding: (supported|refuted|not settled); size_table_equal_area "
                    r"against equal_area on 010 \(mirrored\): " + lift + "|not run yet|none yet", g["corner_embedding"]), \
        g["corner_embedding"]
    assert g["corner_additive"] in ("not run yet", "none yet") or g["corner_additive"].count(" against equal_area on ") == 2
    # the stage split on the additive tables against the tables alone: both mirrored classes and the minimal far class
    assert g["corner_split"] in ("not run yet", "none yet") or (
        g["corner_split"].count("additive_stage_split_equal_area against additive_equal_area on ") == 3
        and "on 111 (minimal): " in g["corner_split"]), g["corner_split"]
    # the shape step's frequency against additive_equal_area on both mirrored classes and the minimal far class
    assert g["corner_frequency"] in ("not run yet", "none yet") or (
        g["corner_frequency"].count("additive_equal_area_shape2x against additive_equal_area on ") == 3
        and "on 111 (minimal): " in g["corner_frequency"]), g["corner_frequency"]
    # the small objects drawn larger: the same three comparisons, and the mirrored set's step contrasts before → after
    assert g["corner_pixels"] in ("not run yet", "none yet") or (
        g["corner_pixels"].count("additive_equal_area_big_small against additive_equal_area on ") == 3
        and "on 010 (mirrored): " in g["corner_pixels"]), g["corner_pixels"]
    assert g["big_small_contrasts"].startswith(("not computed", "none yet")) or re.fullmatch(
        r"shape \d+ → \d+ px, color \d+ → \d+ px, size \d+ → \d+ px", g["big_small_contrasts"]), g["big_small_contrasts"]
    # the network or the sampler: every re-sampled run deterministic → stochastic, and a verdict that counts them
    assert g["corner_sampler"].startswith(("not run yet", "none yet")) or re.match(
        r"\d+ samples of the far class per run and sampler, deterministic → stochastic: \w+ (minimal|mirrored) seed \d "
        r"\((000|111)\) \d\.\d\d → \d\.\d\d.*on \d+ of \d+ runs, so the sampler account is (not )?refuted$",
        g["corner_sampler"]), g["corner_sampler"]
    # the decaying rate: how many runs that once composed lost it, then each finished run's peak and end
    assert g["corner_decay"] in ("none yet",) or g["corner_decay"].startswith("not run yet") or re.match(
        r"refuted on \d of the \d runs whose far class reached 0\.5 .*seed \d \((000|111)\): peak \d\.\d\d at step \d+, "
        r"end \d\.\d\d at step 1954 \((lost|held|never reached 0\.5)\)", g["corner_decay"]), g["corner_decay"]
    # the same run ids on two machines: every run trained again by the newest record, beside the previous record's
    assert g["corner_machines"].startswith("none") or re.match(
        r"\d+ runs that corner_search_\S+ also holds, trained again by this record .*seed \d \((000|111)\) \d\.\d\d → "
        r"\d\.\d\d.*; the largest shift \d\.\d\d$", g["corner_machines"]), g["corner_machines"]
    # this page's runs beside the record's of the same ids (smoke runs are never in the record: not compared)
    assert g["corner_vs_page"].startswith(("not compared", "none yet")) or re.match(
        r"lowest of the last \d, the record first: (minimal|mirrored) seed \d \((000|111)\) ", g["corner_vs_page"]), \
        g["corner_vs_page"]
    # why the mirrored set fails: the probe corners' outcomes from the record, and a verdict on every account
    assert g["probe_predictions"].count("small_circle composes") == 2 and "large_triangle fails" in g["probe_predictions"]
    assert g["probe_outcome"].startswith("not run yet") or re.search(
        r"small_circle \(110\) \d\.\d\d \(\d\.\d\d / \d\.\d\d / \d\.\d\d\): (composes|fails|partly)", g["probe_outcome"]), g["probe_outcome"]
    assert g["probe_verdicts"].startswith("not run yet") or len(re.findall(r"(?:^|; )(?:refuted|supported|not settled[^:]*): ", g["probe_verdicts"])) == 3, g["probe_verdicts"]
    assert g["probe_reading"].startswith("not run yet") or re.match(r"the far class fails on shape alone .* from \d of the \d corners", g["probe_reading"])
    # the recorded seed search is read, every candidate gets a verdict, and the run-id check is not asked at smoke
    assert g["verdicts"].count("passes") + g["verdicts"].count("fails") + g["verdicts"].count("incomplete") >= 2
    assert g["chosen"].split(" (worst seed")[0] in g["verdicts"] and g["same_runs"].startswith("not asked")

    assert re.search(r"at the end\): (passes|fails: seed|incomplete)", g["budget_check"]), g["budget_check"]
    html = os.environ.get("CGLIB_BOOK_HTML")
    if html:  # the page as the book built it
        page = (Path(html) / "book" / "research_log.html").read_text()
        assert all(p.name in page for p in record_files(RESULTS))


def test_a_run_missing_from_the_store_is_read_from_the_record_that_holds_it(tmp_path):
    """The corner search's --collect takes the minimal set's base runs from the seed search's record (the same
    run ids), saying which record and machine they come from; a run no record holds is not invented."""
    from cglib.config import preset
    from recipe_search.catalog import MACHINE_2026_11_28, recorded_entry, run_entry
    from cglib.runs import run_id
    e = recorded_entry(run_id(preset("cpu", seed=1)), RESULTS)
    assert e["finished"] and e["trained_on"].startswith("seed_search_2026-11-28.json: " + MACHINE_2026_11_28)
    assert recorded_entry("0123456789ab", RESULTS) is None
    assert run_entry(preset("smoke"), tmp_path, candidate="x") is None  # an empty store has no entry


def test_a_gpu_record_of_the_paper_preset_is_read_in_any_precision_and_named_on_the_page(tmp_path):
    """chapters 4 and 8 read benchmarks/gpu_chapter4.py's record through records.paper_gpu_reading: a record of
    the paper preset in tf32 is found for its corner, its far class read per seed; another corner's is not."""
    import json

    from cglib.concepts import PRESETS, mirror
    from cglib.config import preset
    from cglib.records import paper_gpu_reading
    from cglib.runs import run_id
    assert paper_gpu_reading(tmp_path, PRESETS["minimal"]) is None  # no record: the page says "none yet"
    rows = [{"concept_class": c, "step": 977, "acc": a, "distance": 2 if c == "111" else 0, "in_train": c != "111"}
            for c, a in (("000", 1.0), ("111", 0.795))]
    runs = [{"candidate": "paper", "corner": "minimal", "seed": s, "finished": True, "metrics": rows,
             "run_id": run_id(preset("paper", seed=s, precision="tf32"))} for s in (0, 1)]
    rec = {"what": "test", "date": "2027-01-01", "precision": "tf32", "machine": {"gpu": "NVIDIA H100"}, "runs": runs}
    (tmp_path / "paper_gpu_chapter4_minimal_2027-01-01.json").write_text(json.dumps(rec))
    line, frame, far = paper_gpu_reading(tmp_path, PRESETS["minimal"])
    assert far == "111" and len(frame) == 4
    assert line == ("paper_gpu_chapter4_minimal_2027-01-01.json (2027-01-01, NVIDIA H100, tf32): 111 ends at "
                    "0.795 (seed 0), 0.795 (seed 1)")
    assert paper_gpu_reading(tmp_path, mirror(PRESETS["minimal"])) is None
