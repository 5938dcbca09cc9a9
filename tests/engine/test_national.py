"""The national synthetic registry (bench/national.py) at a small size, and the engine's out-of-memory path on
a snapshot (engine.scan.evaluate_snapshot) against the in-memory `evaluate` on the same inputs."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from xiezuo.measure import snapshot
from xiezuo.measure.engine import Spec, evaluate
from xiezuo.measure.engine.run import _normalise_households
from xiezuo.measure.engine.scan import county_batches, evaluate_snapshot

BENCH = Path(__file__).resolve().parents[2] / "bench" / "national.py"


@pytest.fixture(scope="module")
def national():
    spec = importlib.util.spec_from_file_location("national_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def snap(national, tmp_path_factory):
    root = tmp_path_factory.mktemp("national") / "snapshot"
    # one county per province: 31 partitions, enough households for every province to have some
    manifest = national.generate(root, 12_000, workers=1, counties_per_province=1)
    return root, manifest


@pytest.fixture(scope="module")
def spec(snap):
    return Spec.from_dict(json.loads((snap[0] / "policy.json").read_text())["parameters"])


def test_the_generator_writes_a_valid_snapshot_with_real_province_codes(national, snap):
    root, manifest = snap
    # the checksums hold and the tables read back with the manifest's row counts
    tables, read_manifest, policy = snapshot.read(root)
    assert read_manifest["tables"]["households"]["rows"] == tables["households"].num_rows == 12_000
    assert tables["members"].num_rows == manifest["tables"]["members"]["rows"] > 3 * 12_000 - 1_000
    assert policy["name"] == "national-2021"
    # one Parquet file per county and table, in the hive layout
    counties = set(manifest["tables"]["households"]["partitions"])
    assert {p.name for p in (root / "members").iterdir()} == {f"county={c}" for c in counties}
    # every province of the mainland, by its GB/T 2260 code; every county a real one; villages 12 digits
    real = dict(national.counties())
    assert {c[:2] for c in counties} == set(national.PROVINCE_POOR_2013) and len(national.PROVINCE_POOR_2013) == 31
    assert counties <= set(real)
    villages = tables["households"].column("village")
    assert set(pc.utf8_length(villages).to_pylist()) == {12}
    assert set(pc.utf8_slice_codeunits(villages, 0, 6).to_pylist()) == counties
    # populations: every division of every level, the nation the sum of the villages
    pops = dict(zip(*tables["populations"].to_pydict().values(), strict=True))
    village_total = sum(v for code, v in pops.items() if code in set(villages.to_pylist()))
    assert pops["000000000000"] == village_total
    # a changed file is refused
    part = root / next(rel for rel in manifest["files"] if rel.startswith("years/"))
    data = part.read_bytes()
    try:
        part.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
        with pytest.raises(snapshot.SnapshotError):
            snapshot.verify(root)
    finally:
        part.write_bytes(data)
    snapshot.verify(root)


@pytest.fixture(scope="module")
def both(snap, spec, tmp_path_factory):
    root, manifest = snap
    out = tmp_path_factory.mktemp("results") / "out"
    # in runs of whole counties (12,000 households: about five runs), as a national snapshot is
    scanned = evaluate_snapshot(spec, root, out, year=manifest["year"], memory_limit="1GB",
                                temp_directory=out.parent / "spill", batch_households=2_500)
    tables, _m, _p = snapshot.read(root)
    in_memory = evaluate(**tables, spec=spec, year=manifest["year"])
    return scanned, in_memory, out


def assert_same_divisions(expected: list[dict], divisions: pa.Table) -> dict:
    """Every expected division is in `divisions` with the same values (floats to 1e-9); the rows by key."""
    rows = {(r["level"], r["code"]): r for r in divisions.to_pylist()}
    for r in expected:
        got = rows[(r["level"], r["code"])]
        for key, value in r.items():
            if isinstance(value, float):
                assert got[key] == pytest.approx(value, abs=1e-9), (r["code"], key)
            else:
                assert got[key] == value, (r["code"], key)
    return rows


def test_the_snapshot_path_gives_the_divisions_of_evaluate_and_the_nation(both):
    scanned, in_memory, out = both
    expected = in_memory.divisions.to_pylist()
    # every division evaluate gives, the same to 1e-9; plus one row for the nation
    rows = assert_same_divisions(expected, scanned.divisions)
    assert len(rows) == len(expected) + 1
    nation = rows[("nation", "000000000000")]
    provinces = [r for r in expected if r["level"] == "province"]
    assert len(provinces) == 31
    for key in ("households", "people", "hh_poor", "people_monitored", "people_below_line"):
        assert nation[key] == sum(p[key] for p in provinces)
    assert nation["fgt1"] == pytest.approx(sum(p["gap1"] for p in provinces) / nation["people"], abs=1e-12)
    assert not math.isnan(nation["M0"]) and nation["incidence"] > 0
    assert pq.read_table(out / "divisions.parquet").equals(scanned.divisions)


def test_the_snapshot_path_writes_the_household_rows_of_evaluate_by_county(both, spec):
    scanned, in_memory, out = both
    assert scanned.households is None and scanned.counts["results"] == in_memory.households.num_rows
    dataset = ds.dataset(out / "households", format="parquet",
                         partitioning=ds.partitioning(pa.schema([("county", pa.string())]), flavor="hive"))
    written = dataset.to_table()
    # each partition holds its county's households
    assert pc.all(pc.equal(pc.utf8_slice_codeunits(written.column("village"), 0, 6), written.column("county"))).as_py()
    got = _normalise_households(written.drop_columns(["county"]), spec).sort_by("household_id")
    want = in_memory.households.sort_by("household_id")
    assert got.column_names == want.column_names
    for name in want.column_names:
        assert got.column(name).to_pylist() == want.column(name).to_pylist(), name


def test_one_pass_and_runs_of_counties_give_the_same_results(snap, spec, both, tmp_path):
    scanned, _in_memory, out = both
    assert len(county_batches(snap[0], 2_500)) >= 4 and county_batches(snap[0], None) is None
    whole = evaluate_snapshot(spec, snap[0], tmp_path / "out", year=2021, batch_households=None)
    assert whole.counts == scanned.counts
    assert_same_divisions(whole.divisions.to_pylist(), scanned.divisions)  # floats: sums in another order


def test_the_results_folder_must_be_new(snap, spec, tmp_path):
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(FileExistsError):
        evaluate_snapshot(spec, snap[0], tmp_path, year=2021)
