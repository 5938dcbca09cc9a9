"""The engine's run on synthetic registries: statuses, aggregates against the reference formulas, order,
the 2020 line, and parity between DuckDB and Spark."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from xiezuo.measure import alkire_foster, fgt
from xiezuo.measure.engine import Spec, evaluate, rules, synthetic
from xiezuo.measure.engine.run import codes_from_bits
from xiezuo.measure.engine.synthetic import registry
from xiezuo.policy.seed import parameters


@pytest.fixture(scope="module")
def reg():
    return registry(3000, seed=7)


@pytest.fixture(scope="module")
def spec2021():
    return Spec.from_dict(parameters(2021))


def by_id(households: pa.Table) -> list[dict]:
    """The household rows as dicts in id order (the engine returns them in no particular order)."""
    return households.sort_by("household_id").to_pylist()


def test_reason_masks_decode_to_codes_in_order_once_per_mask():
    # given masks over three codes, one of them repeated (a category whose reason is also a fixed reason)
    masks = pa.chunked_array([[0, 5, 7], [5, 2]], pa.int64())
    # when decoded
    codes = codes_from_bits(masks, ["a", "b", "a"])
    # then each row lists its codes in order, repeats kept, and each distinct mask is spelled once
    assert codes.to_pylist() == ["", "a,a", "a,b,a", "a,a", "b"]
    assert len(codes.dictionary) == 4


@pytest.fixture(scope="module")
def result(reg, spec2021):
    return evaluate(**reg, spec=spec2021, year=2021)


def test_aggregates_match_the_reference_formulas(reg, spec2021, result):
    # given the household results, when the reference formulas are applied to them directly
    hh = result.households
    pcni = hh.column("net_fen").to_numpy() / hh.column("size").to_numpy() / 100
    size = hh.column("size").to_numpy()
    line = float(spec2021.poverty_line)
    top = [r for r in result.divisions.to_pylist() if r["code"] == synthetic.CITY.ljust(12, "0")][0]
    # then the city's FGT and Alkire-Foster measures agree
    for alpha in (0, 1, 2):
        assert top[f"fgt{alpha}"] == pytest.approx(fgt(pcni, line, alpha, weights=size), abs=1e-12)
    dep = {i.name: hh.column(f"d_{i.name}") for i in spec2021.indicators}
    af = alkire_foster(dep, spec2021.weights, spec2021.k, sample_weights=size)
    assert (top["H"], top["A"], top["M0"]) == pytest.approx((af.H, af.A, af.M0), abs=1e-12)
    for name, value in af.contribution.items():
        assert top[f"contribution_{name}"] == pytest.approx(value, abs=1e-12)
    # and the counties' population-weighted M0 add up to the city's
    counties = [r for r in result.divisions.to_pylist() if r["level"] == "county"]
    assert sum(r["people"] * r["M0"] for r in counties) / top["people"] == pytest.approx(top["M0"], abs=1e-12)


def test_statuses_follow_the_policy(result, spec2021):
    hh = result.households.to_pylist()
    threshold = int(spec2021.monitoring_threshold * 100)
    for h in hh:
        below = h["net_fen"] < threshold * h["size"]
        if h["exited_before"] and below:
            assert h["status"] == "monitored" and h["category"] == "unstable_exited"
            assert "below_monitoring_line" in h["reasons"].split(",")
        if h["registered_active"]:
            assert h["status"] == ("may_exit" if h["exit_ok"] else "poor")
        if h["status"] == "not_poor":
            assert not h["ever_registered"] and not below


def test_household_order_changes_nothing(reg, spec2021, result):
    perm = np.random.default_rng(3).permutation(reg["households"].num_rows)
    shuffled = dict(reg, households=reg["households"].take(perm), years=reg["years"].take(perm[::-1]))
    again = evaluate(**shuffled, spec=spec2021, year=2021)
    assert by_id(again.households) == by_id(result.households)
    a, b = again.divisions.to_pydict(), result.divisions.to_pydict()
    for key in a:
        if a[key] and isinstance(a[key][0], float):
            assert np.allclose(np.array(a[key], dtype=float), np.array(b[key], dtype=float), atol=1e-12)
        else:
            assert a[key] == b[key]


def test_2020_nobody_below_the_line_after_the_last_exits():
    # given a registry whose households all exited by 2020 with incomes above the 2020 line
    reg = registry(500, seed=2, year=2020, income_scale=3)
    years = reg["years"]
    net = np.maximum(years.column("net_fen").to_numpy(), 400_100 * years.column("size").to_numpy())
    reg["years"] = years.set_column(years.schema.get_field_index("net_fen"), "net_fen", pa.array(net))
    hh = reg["households"]
    exits = pa.array(np.where(hh.column("identified_year").is_null().to_numpy(zero_copy_only=False), None, 2019),
                     pa.int64())
    reg["households"] = hh.set_column(hh.schema.get_field_index("exit_year"), "exit_year", exits)
    result = evaluate(**reg, spec=Spec.from_dict(parameters(2020)), year=2020)
    statuses = set(result.households.column("status").to_pylist())
    # then no household is below the 2020 line and none is poor
    assert "poor" not in statuses and sum(result.households.column("below_line").to_pylist()) == 0
    assert [r["fgt0"] for r in result.divisions.to_pylist() if r["level"] == "city"] == [0.0]


def test_tolerance_in_the_engine_k_comparison():
    # two indicators of weight 1/6 with k = 1/3: the household is poor
    spec = Spec.from_dict({"poverty_line": "2736", "mpi": {"k": 1 / 3, "dimensions": [{"name": "d", "indicators": [
        {"name": "a", "weight": 1 / 6, "rule": {"field": "food_secure", "op": "==", "value": 0}},
        {"name": "b", "weight": 1 / 6, "rule": {"field": "clothing_secure", "op": "==", "value": 0}},
        {"name": "c", "weight": 2 / 3, "rule": {"field": "water_safe", "op": "==", "value": 0}}]}]}})
    reg = registry(50, seed=1)
    years = reg["years"]
    for col in ("food_secure", "clothing_secure"):
        years = years.set_column(years.schema.get_field_index(col), col, pa.array(np.zeros(50, np.int64)))
    years = years.set_column(years.schema.get_field_index("water_safe"), "water_safe", pa.array(np.ones(50, np.int64)))
    out = evaluate(**dict(reg, years=years), spec=spec, year=2021)
    assert set(out.households.column("mpi_poor").to_pylist()) == {1}


def test_spark_shuffle_partitions_follow_the_data_not_spark_s_default():
    from xiezuo.measure.engine.spark import shuffle_partitions

    # one per core on a small snapshot (not 200 near-empty tasks), one per 250,000 households nationally
    assert shuffle_partitions(1_500, cores=2) == 2
    assert shuffle_partitions(0, cores=0) == 1
    assert shuffle_partitions(29_500_000, cores=2) == 118
    assert shuffle_partitions(29_500_000, cores=400) == 400


@pytest.mark.spark
def test_spark_gives_the_same_results_as_duckdb(spec2021):
    from xiezuo.measure.engine import spark as spark_backend

    if not spark_backend.available():
        pytest.skip("pyspark or java missing")
    reg = registry(400, seed=11)
    duck = evaluate(**reg, spec=spec2021, year=2021)
    session = spark_backend.session()
    try:
        sp = evaluate(**reg, spec=spec2021, year=2021, backend="spark", spark=session)
    finally:
        session.stop()
    assert sp.households.column_names == duck.households.column_names
    duck_rows, spark_rows = by_id(duck.households), by_id(sp.households)
    for name in duck.households.column_names:
        a, b = [r[name] for r in duck_rows], [r[name] for r in spark_rows]
        if isinstance(a[0], float):
            assert np.allclose(a, b, atol=1e-9, rtol=0), name
        else:
            assert a == b, name
    da, db_ = duck.divisions.to_pydict(), sp.divisions.to_pydict()
    for key in da:
        if da[key] and isinstance(da[key][0], float):
            assert np.allclose(np.array(da[key], float), np.array(db_[key], float), atol=1e-9, rtol=0), key
        else:
            assert [None if v != v else v for v in da[key]] == [None if v != v else v for v in db_[key]], key


def test_parquet_inputs_and_aggregates_only_give_the_same_divisions(reg, spec2021, result, tmp_path):
    # given the same registry written to Parquet files
    import pyarrow.parquet as pq

    paths = {}
    for name, table in reg.items():
        paths[name] = tmp_path / f"{name}.parquet"
        pq.write_table(table, paths[name])
    # when the engine reads the files itself, and again without materialising household rows
    from_files = evaluate(**paths, spec=spec2021, year=2021)
    aggregates_only = evaluate(**paths, spec=spec2021, year=2021, keep_households=False)
    # then the household rows are identical and every division's measures agree
    assert by_id(from_files.households) == by_id(result.households)
    assert aggregates_only.households is None
    assert from_files.counts == result.counts
    for other in (from_files, aggregates_only):
        assert other.divisions.column_names == result.divisions.column_names
        for a, b in zip(other.divisions.to_pylist(), result.divisions.to_pylist(), strict=True):
            for key, value in b.items():
                assert a[key] == (pytest.approx(value, rel=1e-12) if isinstance(value, float) else value), key


def _village_sums(results: pa.Table, spec, *, packed: bool) -> pa.Table:
    import duckdb

    con = duckdb.connect()
    con.register("results", results)
    return con.sql(rules.village_sql(spec, packed=packed)).to_arrow_table().sort_by("code")


def test_packed_village_sums_equal_the_plain_ones(result, spec2021):
    # given the household results, when the village sums are taken packed and plainly
    packed = _village_sums(result.households, spec2021, packed=True)
    plain = _village_sums(result.households, spec2021, packed=False)
    # then every column is there in the same order, every count is equal, and every floating sum agrees
    assert packed.column_names == plain.column_names == ["code", *rules.village_columns(spec2021)]
    assert rules.fits_packed(packed)
    for name in plain.column_names:
        a, b = packed.column(name).to_pylist(), plain.column(name).to_pylist()
        assert a == (pytest.approx(b, rel=1e-12) if isinstance(b[0], float) else b), name
    assert sum(packed.column("hh_not_poor").to_pylist()) > 0 and sum(packed.column("un_assets").to_pylist()) > 0


# a village past the packs' limit (11 households of 200,000 people), a household past it (its row's pack overflows)
@pytest.mark.parametrize("size", [200_000, rules.PACK_LIMIT])
def test_a_village_too_large_for_the_packed_sums_is_summed_plainly(reg, spec2021, size):
    # given a registry where eleven households of one village hold `size` people each
    hh, years = reg["households"], reg["years"]
    village = hh.column("village")[0].as_py()
    big = set(np.array(hh.column("id"))[np.array(hh.column("village")) == village][:11].tolist())
    sizes = [size if h in big else s for h, s in zip(years.column("household_id").to_pylist(),
                                                     years.column("size").to_pylist(), strict=True)]
    years = years.set_column(years.schema.get_field_index("size"), "size", pa.array(sizes, pa.int64()))
    # when the engine runs
    out = evaluate(**dict(reg, years=years), spec=spec2021, year=2021)
    # then the village's counts are those of its households, counted one by one
    rows = [r for r in out.households.to_pylist() if r["village"] == village]
    (sums,) = [r for r in out.divisions.to_pylist() if r["code"] == village and r["level"] == "village"]
    assert sums["people"] == sum(r["size"] for r in rows) >= 11 * size
    for status in rules.STATUSES:
        assert sums[f"hh_{status}"] == sum(r["status"] == status for r in rows), status
        assert sums[f"people_{status}"] == sum(r["size"] for r in rows if r["status"] == status), status
    for ind in spec2021.indicators:
        assert sums[f"un_{ind.name}"] == sum(r["size"] * r[f"d_{ind.name}"] for r in rows), ind.name
