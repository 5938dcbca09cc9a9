"""A national synthetic registry and the whole measurement on it (issue 15, item 5).

    .venv/bin/python bench/national.py [--households 29500000] [--out /tmp/xz-national/snap] \
        [--engine duckdb|spark|both] [--workers 2] [--memory-limit 8GB] [--spark-households 1000000]

1. Generate (or reuse, if `--out` holds a complete one of the same size and seed) a snapshot in the format of
   `xiezuo snapshot` (measure/snapshot.py: Parquet partitioned by county, manifest with SHA-256 checksums, so
   `snapshot.read` and `xiezuo monitor run --snapshot DIR --policy national-2021` accept it): by default
   29.5 M households and about 90 M members, the registry's national peak (domain brief: 29.48 M households,
   89.62 M people), one county at a time in `--workers` processes, never the whole registry in memory.
2. Time the whole measurement on DuckDB in a fresh process (`engine.scan.evaluate_snapshot`: every household
   judged and written to Parquet partitioned by county; every division of every level, village to nation, with
   the statuses, FGT 0/1/2 and the MPI), with that process's peak memory (VmHWM).
3. With `--engine spark|both`: the same snapshot (or a smaller one, `--spark-households`) on a Spark standalone
   cluster started here (a master and `--spark-workers` workers, separate JVMs: `engine.standalone`), through
   `engine.spark.evaluate_snapshot`, and the difference from DuckDB on that snapshot: the largest absolute
   difference of every division measure, and per status the household count and a checksum of the rows; with
   each JVM's peak memory and CPU time and the load average, sampled every second. At 29.5 M give the workers
   memory (`--spark-memory 4g`); `--keep-results` on a DuckDB run lets a later `--engine spark` compare with it.

The division tree (documented assumptions):
- Provinces, prefectures and counties are real: every county-level code valid in the run year in GB/T 2260
  (python-stdnum's `cn/loc.dat`, compiled from Wikipedia's tables with validity years; domain brief §7.1), the
  31 provinces of the mainland (2,865 counties under 343 prefecture-level prefixes in 2021). Prefectures are the
  counties' first four digits, so the real prefectures, municipal groupings (1101) and province-administered
  county groups (4190, 4290, 4690, 6590) included.
- Townships and villages are synthetic but well formed (domain brief §7.2): about 250 households a village,
  12 villages a township; townships 100-199 (镇) then 200-399 (乡), villages 200-399 (村委会).
- Households per province follow the rural poor population by province at the end of 2013 under the 2010 line
  (NBS rural poverty monitoring, in 10,000 persons: `PROVINCE_POOR_2013`). **[G]**: recalled from the
  2014 Poverty Monitoring Report's table, not checked against a stored source; the central (2,869) and western
  regions sum to the published regional totals within 2 %. Beijing, Tianjin and Shanghai had no poor under the
  national line (5 each assumed, so every province has rows), Jiangsu, Zhejiang, Fujian and Guangdong's values
  are assumed (the eastern region's published total, 1,171, less the listed eastern provinces). Within a
  province, counties get lognormal weights, a district (a name ending in 区) a third of a county's.
- Households: 90 % identified (2014, some 2015-2016), of which 96 % exited 2014-2020; 10 % never registered
  (the monitoring's marginal households). 3.04 members a household on average (89.62 / 29.48), 1 % deceased.
  Incomes, expenses and the facts behind the criteria and the MPI as in `engine.synthetic.registry`.
- Rural population (for the incidence): a village's registered people times a county factor in [3, 10)
  (incidence 10-33 %); every higher level is the sum of its villages.

Figures only, no assertions. Load on the machine changes the times: say so when quoting them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")  # only for the snapshot module's translated errors

from xiezuo.measure import snapshot  # noqa: E402 (imports Django modules only, configures nothing)
from xiezuo.measure.engine.run import INPUT_SCHEMAS  # noqa: E402
from xiezuo.measure.engine.synthetic import EDUCATION, HEALTH, LABOUR, SCHOOLING  # noqa: E402

YEAR = 2021
SEED = 15
PEAK_HOUSEHOLDS = 29_500_000
# Rural poor population at the end of 2013, 10,000 persons, by province (GB/T 2260 two-digit code). [G], see above.
PROVINCE_POOR_2013 = {
    "11": 5, "12": 5, "13": 366, "14": 299, "15": 114, "21": 126, "22": 89, "23": 111, "31": 5, "32": 95,
    "33": 72, "34": 440, "35": 70, "36": 328, "37": 264, "41": 639, "42": 323, "43": 640, "44": 115, "45": 634,
    "46": 60, "50": 139, "51": 602, "52": 745, "53": 661, "54": 72, "61": 410, "62": 552, "63": 63, "64": 51,
    "65": 222,
}
SIZE_P = np.array([0.12, 0.24, 0.30, 0.20, 0.10, 0.04])  # 1-6 members: mean 3.04
HOUSEHOLDS_PER_VILLAGE = 250
VILLAGES_PER_TOWNSHIP = 12
MARK = ".national-bench"
GROUPS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}  # listing rows, not counties


# -- the division tree ----------------------------------------------------------------------------------

def _valid_names(names: str, year: int) -> list[str]:
    """The names of a loc.dat entry valid in `year` ("[1983-]name" from 1983, "[-2010]name" until 2010)."""
    out = []
    for name in names.split(","):
        m = re.fullmatch(r"\[(\d*)-(\d*)\](.*)", name)
        if m is None:
            out.append(name)
        elif (not m[1] or year >= int(m[1])) and (not m[2] or year <= int(m[2])):
            out.append(m[3])
    return out


def counties(year: int = YEAR) -> list[tuple[str, str]]:
    """(six-digit code, name) of every county-level division of the 31 mainland provinces valid in `year`."""
    from stdnum import numdb

    path = Path(numdb.__file__).with_name("cn") / "loc.dat"
    out, province = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code, rest = line.strip().split(" ", 1)
        names = _valid_names(re.fullmatch(r'county="(.*)"', rest)[1], year)
        code = province + code
        if province in PROVINCE_POOR_2013 and names and code[4:] != "00" and names[0] not in GROUPS:
            out.append((code, names[0]))
    return out


@dataclass(frozen=True)
class County:
    code: str
    households: int
    first_id: int
    seed: int


def plan(n: int, *, year: int = YEAR, seed: int = SEED, counties_per_province: int | None = None) -> list[County]:
    """How many households each county gets (provinces by `PROVINCE_POOR_2013`, counties by lognormal weights)
    and the first household id of each (ids are contiguous per county). `counties_per_province` keeps only each
    province's first counties (a small snapshot with few files, for tests)."""
    rng = np.random.default_rng(seed)
    rows = counties(year)
    provinces = sorted(PROVINCE_POOR_2013)
    weights = np.array([PROVINCE_POOR_2013[p] for p in provinces], dtype=float)
    per_province = rng.multinomial(n, weights / weights.sum())
    out, next_id = [], 1
    for province, m in zip(provinces, per_province, strict=True):
        mine = [(c, name) for c, name in rows if c[:2] == province][:counties_per_province]
        w = rng.lognormal(0.0, 0.6, len(mine)) * np.array([1 / 3 if name.endswith("区") else 1.0 for _, name in mine])
        for (code, _name), k in zip(mine, rng.multinomial(m, w / w.sum()), strict=True):
            if k:
                out.append(County(code, int(k), next_id, int(rng.integers(2**62))))
                next_id += int(k)
    return out


def village_codes(county: str, n_households: int) -> np.ndarray:
    """Well-formed 12-digit village codes for a county: townships 100-199 then 200-399, villages 200-399."""
    villages = max(1, round(n_households / HOUSEHOLDS_PER_VILLAGE))
    townships = min(300, max(1, -(-villages // VILLAGES_PER_TOWNSHIP)))
    villages = min(villages, townships * 200)
    k = np.arange(villages)
    t = k % townships
    town = np.where(t < 100, 100 + t, 200 + t - 100)
    village = 200 + k // townships
    return np.char.add(np.char.add(county, np.char.zfill(town.astype(str), 3)), village.astype(str))


# -- one county's rows ----------------------------------------------------------------------------------

def _strings(values: np.ndarray, index: np.ndarray) -> pa.Array:
    """values[index] as an Arrow string array (built from a dictionary: no Python strings per row)."""
    return pa.DictionaryArray.from_arrays(pa.array(index, pa.int32()), pa.array(values)).cast(pa.string())


def county_tables(c: County, year: int = YEAR) -> tuple[dict[str, pa.Table], pa.Table]:
    """The county's households, years and members (the engine's input schemas), and its villages' rural
    populations."""
    rng = np.random.default_rng(c.seed)
    n = c.households
    codes = village_codes(c.code, n)
    ids = np.arange(c.first_id, c.first_id + n, dtype=np.int64)
    village = rng.integers(0, len(codes), n)
    size = (rng.choice(6, size=n, p=SIZE_P) + 1).astype(np.int64)
    registered = rng.random(n) < 0.9
    identified = np.where(rng.random(n) < 0.85, 2014, rng.integers(2015, 2017, n))
    exit_year = np.where(registered & (rng.random(n) < 0.96), rng.integers(2014, 2021, n), -1)
    exit_year = np.where(exit_year >= identified, exit_year, np.where(exit_year < 0, -1, identified))
    pc_income = np.exp(rng.normal(np.log(9000), 0.6, n))
    households = pa.table({
        "id": ids, "village": _strings(codes, village),
        "attribute": _strings(np.array(["general", "dibao", "tekun"]), rng.choice(3, n, p=[0.7, 0.26, 0.04])),
        "identified_year": pa.array(identified.astype(np.int64), mask=~registered),
        "exit_year": pa.array(exit_year.astype(np.int64), mask=exit_year < 0),
    }, schema=INPUT_SCHEMAS["households"])
    flag = lambda p: (rng.random(n) >= p).astype(np.int64)  # noqa: E731 — 1 with probability 1 - p
    years = pa.table({
        "household_id": ids, "size": size, "net_fen": np.round(pc_income * size * 100).astype(np.int64),
        "medical_fen": np.where(rng.random(n) < 0.05, rng.integers(0, 5_000_000, n), 0).astype(np.int64),
        "education_fen": np.where(rng.random(n) < 0.05, rng.integers(0, 1_000_000, n), 0).astype(np.int64),
        "food_secure": flag(0.03), "clothing_secure": flag(0.02),
        "compulsory_dropouts": (rng.random(n) < 0.02).astype(np.int64),
        "uninsured_members": (rng.random(n) < 0.04).astype(np.int64),
        "housing_grade": _strings(np.array(["A", "B", "C", "D"]), rng.choice(4, n, p=[0.5, 0.4, 0.07, 0.03])),
        "water_safe": flag(0.05), "electricity": flag(0.01), "sanitary_toilet": flag(0.4), "clean_fuel": flag(0.5),
    }, schema=INPUT_SCHEMAS["years"])
    m = int(size.sum())
    members = pa.table({
        "household_id": np.repeat(ids, size), "birth_year": rng.integers(year - 90, year, m),
        "education": _strings(EDUCATION, rng.choice(6, m, p=[0.1, 0.35, 0.35, 0.12, 0.03, 0.05])),
        "schooling": _strings(SCHOOLING, rng.choice(5, m, p=[0.8, 0.08, 0.07, 0.04, 0.01])),
        "health": _strings(HEALTH, rng.choice(4, m, p=[0.8, 0.12, 0.04, 0.04])),
        "disability": _strings(np.array(["", "physical"]), (rng.random(m) < 0.03).astype(np.int32)),
        "labour": _strings(LABOUR, rng.choice(4, m, p=[0.6, 0.1, 0.1, 0.2])),
        "deceased": (rng.random(m) < 0.01).astype(np.int64),
    }, schema=INPUT_SCHEMAS["members"])
    people = np.bincount(village, weights=size, minlength=len(codes))
    rural = np.round(people * rng.uniform(3, 10)).astype(np.int64) + 1  # a village with no household still has people
    return {"households": households, "years": years, "members": members}, pa.table(
        {"code": codes, "rural_population": rural}, schema=INPUT_SCHEMAS["populations"])


def _write_counties(root: str, jobs: list[County], year: int) -> tuple[dict, pa.Table]:
    """A worker: write its counties' files (one per county and table); return what the manifest needs and the
    villages' populations."""
    writers = {name: snapshot._Writer(Path(root), name) for name in snapshot.PARTITIONED}
    villages = []
    for c in jobs:
        tables, pops = county_tables(c, year)
        for name, table in tables.items():
            for batch in table.to_batches():
                writers[name].write(batch, c.code)
            writers[name]._close()
        villages.append(pops)
    return {name: (w.files, w.partitions) for name, w in writers.items()}, pa.concat_tables(villages)


def populations(villages: pa.Table) -> pa.Table:
    """Every division's rural population: the villages', summed up to each level (the nation as 000000000000)."""
    parts = [villages]
    for n in (9, 6, 4, 2, 0):
        prefix = pc.utf8_slice_codeunits(villages.column("code"), 0, n) if n else pa.repeat("", villages.num_rows)
        code = pc.utf8_rpad(prefix, 12, "0")
        sums = pa.table({"code": code, "rural_population": villages.column("rural_population")}).group_by(
            "code").aggregate([("rural_population", "sum")])
        parts.append(pa.table({"code": sums.column("code"), "rural_population": sums.column("rural_population_sum")},
                              schema=INPUT_SCHEMAS["populations"]))
    return pa.concat_tables(parts)


def generate(root: Path, n: int, *, year: int = YEAR, seed: int = SEED, workers: int = 2,
             counties_per_province: int | None = None) -> dict:
    """Write the snapshot into `root` (new or empty), county by county in `workers` processes."""
    from xiezuo.policy.seed import parameters

    jobs = plan(n, year=year, seed=seed, counties_per_province=counties_per_province)
    snapshot._start(root)
    (root / MARK).touch()  # this script's folder (not a Parquet file: readers ignore it), reusable if interrupted
    # Largest counties first, dealt round-robin: the workers finish together.
    ordered = sorted(jobs, key=lambda c: -c.households)
    shares = [ordered[i::workers] for i in range(workers)]
    if workers > 1:
        with mp.get_context("spawn").Pool(workers) as pool:
            results = pool.starmap(_write_counties, [(str(root), share, year) for share in shares])
    else:
        results = [_write_counties(str(root), jobs, year)]
    writers = []
    for name in snapshot.PARTITIONED:
        w = snapshot._Writer(root, name)
        for files_parts in (r[0][name] for r in results):
            w.files.update(files_parts[0])
            w.partitions.update(files_parts[1])
        w.files, w.partitions = dict(sorted(w.files.items())), dict(sorted(w.partitions.items()))
        writers.append(w)
    pops = snapshot._Writer(root, "populations", partitioned=False)
    pops.feed(populations(pa.concat_tables([r[1] for r in results])).to_batches(max_chunksize=131_072))
    writers.append(pops)
    policy = SimpleNamespace(pk=None, name=f"national-{year}", year=year, parameters=parameters(year))
    manifest = snapshot._finish(root, year=year, policy=policy, writers=writers, input_hash=None)
    # Recorded beside the manifest's own fields (readers ignore unknown keys): what --out is reused for.
    manifest["generator"] = {"script": "bench/national.py", "households": n, "seed": seed,
                             "counties_per_province": counties_per_province,
                             "counties": len(jobs), "provinces": len({c.code[:2] for c in jobs})}
    snapshot._write_json(root / "manifest.json", manifest)
    return manifest


def reusable(root: Path, n: int, seed: int, year: int, counties_per_province: int | None = None) -> bool:
    try:
        manifest = json.loads((root / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    gen = manifest.get("generator") or {}
    return (gen.get("households") == n and gen.get("seed") == seed and manifest.get("year") == year
            and gen.get("counties_per_province") == counties_per_province)


def ensure(root: Path, n: int, *, year: int, seed: int, workers: int,
           counties_per_province: int | None = None) -> tuple[dict, float | None]:
    """The snapshot at `root`, generated unless a complete one of this size and seed is there."""
    if reusable(root, n, seed, year, counties_per_province):
        return json.loads((root / "manifest.json").read_text()), None
    if root.exists() and any(root.iterdir()):
        if not (root / MARK).exists():
            raise SystemExit(f"{root} is not empty and not a snapshot of this script: choose another --out")
        shutil.rmtree(root)  # our own, incomplete or of another size
    t = time.perf_counter()
    manifest = generate(root, n, year=year, seed=seed, workers=workers, counties_per_province=counties_per_province)
    return manifest, time.perf_counter() - t


# -- the measurement --------------------------------------------------------------------------------------

def vm_hwm_gib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def _cpu() -> float:
    """CPU seconds of this process (user + system, every thread): on a shared machine the wall time is the
    load's as much as the engine's, the CPU time much less so."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _duckdb_child(snap: str, out: str, year: int, memory_limit: str, temp: str, threads: int | None) -> dict:
    from xiezuo.measure.engine import Spec
    from xiezuo.measure.engine.scan import evaluate_snapshot

    manifest = json.loads((Path(snap) / "manifest.json").read_text())
    policy = json.loads((Path(snap) / "policy.json").read_text())
    t, cpu = time.perf_counter(), _cpu()
    res = evaluate_snapshot(Spec.from_dict(policy["parameters"]), snap, out, year=manifest["year"],
                            memory_limit=memory_limit, temp_directory=temp, threads=threads)
    wall, cpu = time.perf_counter() - t, _cpu() - cpu
    levels = dict(zip(*np.unique(res.divisions.column("level").to_numpy(zero_copy_only=False), return_counts=True),
                      strict=True))
    return {"wall": wall, "cpu": cpu, "timings": res.timings, "counts": res.counts, "peak_gib": vm_hwm_gib(),
            "levels": {k: int(v) for k, v in levels.items()}}


def run_duckdb(snap: Path, out: Path, *, memory_limit: str, threads: int | None) -> dict:
    """The measurement in a fresh process (spawned), for a peak memory that is the engine's alone."""
    temp = out.with_name(out.name + "-spill")
    for folder in (out, temp):
        shutil.rmtree(folder, ignore_errors=True)
    with mp.get_context("spawn").Pool(1) as pool:
        figures = pool.apply(_duckdb_child, (str(snap), str(out), YEAR, memory_limit, str(temp), threads))
    shutil.rmtree(temp, ignore_errors=True)
    return figures


class Sampler:
    """Every second, the peak resident memory (VmHWM) and CPU time of every JVM of the run (the driver this
    process started, the cluster's master, workers and executors) and the load average; a background thread."""

    def __init__(self, groups: list[int] = ()) -> None:
        import threading

        self.groups, self.peaks, self.cpu, self.loads = set(groups), {}, {}, []
        self._tick = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _processes(self) -> dict[int, tuple[str, float, float]]:
        """pid -> (role, VmHWM GiB, CPU s) of this process's descendant JVMs and the cluster's process groups."""
        me, out, parents, info = os.getpid(), {}, {}, {}
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
                status = (d / "status").read_text()
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            hwm = next((int(x.split()[1]) / 2**20 for x in status.splitlines() if x.startswith("VmHWM:")), 0.0)
            cpu = (int(stat[11]) + int(stat[12])) / self._tick  # utime + stime
            parents[int(d.name)], info[int(d.name)] = int(stat[1]), (int(stat[2]), cmd, hwm, cpu)
        for pid, (pgid, cmd, hwm, cpu) in info.items():
            p, ours = pid, pgid in self.groups
            while not ours and p > 1:
                p = parents.get(p, 1)
                ours = p == me
            if ours and Path(cmd.split(" ", 1)[0]).name == "java":  # the JVMs, not the scripts that start them
                role = next((r for key, r in (("CoarseGrainedExecutorBackend", "executor"),
                                              ("deploy.worker.Worker", "worker"), ("deploy.master.Master", "master"))
                             if key in cmd), "driver")
                out[pid] = (role, hwm, cpu)
        return out

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid, (role, hwm, cpu) in self._processes().items():
                self.peaks[pid] = (role, max(hwm, self.peaks.get(pid, (role, 0.0))[1]))
                self.cpu[pid] = (role, cpu)
            self.loads.append(os.getloadavg()[0])
            self._stop.wait(1.0)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        by_role: dict[str, list[float]] = {}
        for role, hwm in self.peaks.values():
            by_role.setdefault(role, []).append(hwm)
        mem = "; ".join(f"{role} " + ", ".join(f"{v:.2f}" for v in sorted(vs, reverse=True))
                        for role, vs in sorted(by_role.items()))
        load = (f"load average {min(self.loads):.1f}-{max(self.loads):.1f} (mean {sum(self.loads) / len(self.loads):.1f})"
                if self.loads else "")
        cpu: dict[str, float] = {}
        for role, seconds in self.cpu.values():
            cpu[role] = cpu.get(role, 0.0) + seconds
        cpus = ", ".join(f"{role} {v:.0f}" for role, v in sorted(cpu.items()))
        return f"peak memory (VmHWM, GiB): {mem}; CPU s (last seen): {cpus}; {load}"


def run_spark(snap: Path, out: Path, *, workers: int, cores: int, memory: str, executor_memory: str) -> dict:
    """The measurement on a Spark standalone cluster started for it (master and workers: separate JVMs)."""
    try:
        from xiezuo.measure.engine.spark import evaluate_snapshot
        from xiezuo.measure.engine.standalone import standalone_cluster
    except ImportError as exc:  # pyspark missing
        raise SystemExit(f"--engine spark needs pyspark (pip install -e '.[spark]'): {exc}") from exc
    from xiezuo.measure.engine import Spec, rules

    manifest = json.loads((snap / "manifest.json").read_text())
    policy = json.loads((snap / "policy.json").read_text())
    shutil.rmtree(out, ignore_errors=True)
    os.environ["XIEZUO_SPARK_EXECUTOR_MEMORY"] = executor_memory  # read by engine.spark.session
    t = time.perf_counter()
    with standalone_cluster(workers=workers, cores=cores, memory=memory) as master, Sampler(master.pids) as sampler:
        started = time.perf_counter() - t
        t1 = time.perf_counter()
        res = evaluate_snapshot(Spec.from_dict(policy["parameters"]), snap, out, year=manifest["year"],
                                master=str(master), levels=(*rules.LEVELS, rules.NATION))
        wall = time.perf_counter() - t1
    households = Path(getattr(res, "households_path", None) or out / "households")
    import pyarrow.parquet as pq

    pq.write_table(res.divisions, out / "divisions-spark.parquet")  # kept with the results (--keep-results)
    return {"wall": wall, "cluster_start": started, "divisions": res.divisions, "households": households,
            "timings": getattr(res, "timings", {}), "sampler": sampler.summary()}


def _mib(size: str) -> int:
    """A JVM memory size ("4g", "1536m") in MiB."""
    size = size.strip().lower()
    return int(float(size[:-1]) * 1024) if size.endswith("g") else int(size.rstrip("m"))


def compare_divisions(a: pa.Table, b: pa.Table) -> tuple[float, str, int, int]:
    """The largest absolute difference of any measure between two division tables, joined on (level, code);
    also the rows only one side has."""
    import duckdb

    con = duckdb.connect()
    con.register("a", a)
    con.register("b", b)
    skip = {"level", "code"}
    numeric = [f.name for f in a.schema if f.name not in skip and f.name in b.column_names
               and (pa.types.is_integer(f.type) or pa.types.is_floating(f.type))]
    worst, where = 0.0, ""
    diffs = ", ".join(f'MAX(ABS(CAST(a."{c}" AS DOUBLE) - CAST(b."{c}" AS DOUBLE))) AS "{c}"' for c in numeric)
    row = con.execute(f"SELECT {diffs} FROM a JOIN b USING (level, code)").fetchone()
    for c, d in zip(numeric, row, strict=True):
        if d is not None and d > worst:
            worst, where = float(d), c
    only_a = con.execute("SELECT COUNT(*) FROM a ANTI JOIN b USING (level, code)").fetchone()[0]
    only_b = con.execute("SELECT COUNT(*) FROM b ANTI JOIN a USING (level, code)").fetchone()[0]
    return worst, where, int(only_a), int(only_b)


CHECKSUM_COLUMNS = ("household_id", "status", "category", "size", "net_fen", "reason_bits", "deprived_bits",
                    "mpi_poor")


def household_checksums(folder: Path) -> dict[str, tuple[int, int]]:
    """Per status: the rows and an order-free checksum of the rows (sum of a hash of their main columns,
    each cast to one type, so the two engines' integer widths do not matter)."""
    import duckdb

    row = ", ".join(f"CAST({c} AS VARCHAR)" for c in CHECKSUM_COLUMNS)
    sql = (f"SELECT status, COUNT(*), SUM(hash(concat_ws('|', {row})) % 1000000007) FROM read_parquet("
           f"'{folder}/*/*.parquet', hive_partitioning = true, hive_types = {{'county': VARCHAR}}) "
           f"GROUP BY status ORDER BY status")
    return {s: (int(n), int(h)) for s, n, h in duckdb.connect().sql(sql).fetchall()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--households", type=int, default=PEAK_HOUSEHOLDS)
    ap.add_argument("--out", default=os.environ.get("XIEZUO_BENCH_DIR", tempfile.gettempdir() + "/xz-national"),
                    help="folder of the snapshot (reused if one of this size and seed is there) and the results")
    ap.add_argument("--engine", choices=("duckdb", "spark", "both"), default="duckdb")
    ap.add_argument("--workers", type=int, default=2, help="processes generating the snapshot")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--memory-limit", default="8GB", help="DuckDB's memory_limit (it spills beyond)")
    ap.add_argument("--threads", type=int, default=None, help="DuckDB's threads (default: DuckDB's)")
    ap.add_argument("--spark-households", type=int, default=None,
                    help="run Spark (and the comparison) on a snapshot of this size instead (default: --households)")
    ap.add_argument("--spark-counties-per-province", type=int, default=None,
                    help="the Spark run's snapshot keeps only each province's first N counties (fewer files)")
    ap.add_argument("--spark-workers", type=int, default=2)
    ap.add_argument("--spark-memory", default="1g", help="memory of each Spark worker")
    ap.add_argument("--spark-executor-memory", default=None,
                    help="heap of each executor (default: the worker's memory less 512 MiB, at least 512m)")
    ap.add_argument("--keep-results", action="store_true",
                    help="leave the results' Parquet in place (a later --engine spark run compares with them)")
    args = ap.parse_args()
    base = Path(args.out)
    print(f"machine: nproc={os.cpu_count()}, load average {os.getloadavg()[0]:.1f} (other jobs share the cores)")

    def snap_for(n: int, counties: int | None = None) -> tuple[Path, dict]:
        root = base / ("snapshot" if n == args.households and counties is None else f"snapshot-{n}-{counties}")
        manifest, seconds = ensure(root, n, year=YEAR, seed=args.seed, workers=args.workers,
                                   counties_per_province=counties)
        t = manifest["tables"]
        gen = manifest.get("generator", {})
        how = "reused" if seconds is None else f"generated in {seconds:.1f} s ({args.workers} workers)"
        size = sum(f.stat().st_size for f in root.rglob("*.parquet")) / 2**30
        print(f"snapshot {root}: {how}; {t['households']['rows']:,} households, {t['members']['rows']:,} members, "
              f"{t['populations']['rows']:,} divisions, {gen.get('counties')} counties in {gen.get('provinces')} "
              f"provinces, {len(manifest['files']):,} files, {size:.2f} GiB")
        return root, manifest

    root, _manifest = snap_for(args.households)
    duck = None
    if args.engine in ("duckdb", "both"):
        out = base / "results-duckdb"
        print(f"duckdb: memory_limit {args.memory_limit}, spill to {out}-spill, in a fresh process ...", flush=True)
        duck = run_duckdb(root, out, memory_limit=args.memory_limit, threads=args.threads)
        c, tm = duck["counts"], duck["timings"]
        print(f"  {duck['wall']:.1f} s ({duck['cpu']:.1f} CPU s), peak memory {duck['peak_gib']:.2f} GiB (VmHWM); "
              f"read {c['households']:,} households / {c['members']:,} members, wrote {c['results']:,} household "
              f"results; steps: " + ", ".join(f"{k} {v:.1f}" for k, v in tm.items()))
        files = list((out / "households").rglob("*.parquet"))
        print(f"  household results: {len(files):,} files, {sum(f.stat().st_size for f in files) / 2**30:.2f} GiB; "
              "divisions: " + ", ".join(f"{k} {v:,}" for k, v in sorted(duck["levels"].items())))
    if args.engine in ("spark", "both"):
        n = args.spark_households or args.households
        counties = args.spark_counties_per_province
        sroot = root if n == args.households and counties is None else snap_for(n, counties)[0]
        kept = base / ("results-duckdb" if sroot == root else f"results-duckdb-{n}")
        if duck is None and args.keep_results and (kept / "divisions.parquet").exists():
            # an earlier `--keep-results` run's DuckDB output of this snapshot (at 29.5 M, minutes under load)
            print(f"duckdb: the results kept in {kept} are compared (not rerun)")
            duck_out = kept
        elif duck is None or sroot != root:
            print(f"duckdb on the Spark run's snapshot ({n:,} households) ...", flush=True)
            duck = run_duckdb(sroot, base / f"results-duckdb-{n}", memory_limit=args.memory_limit,
                              threads=args.threads)
            print(f"  {duck['wall']:.1f} s, peak memory {duck['peak_gib']:.2f} GiB")
            duck_out = base / f"results-duckdb-{n}"
        else:
            duck_out = base / "results-duckdb"
        print(f"spark: standalone cluster, a master and {args.spark_workers} workers "
              f"({args.spark_memory} each), {n:,} households ...", flush=True)
        executor = args.spark_executor_memory or f"{max(512, _mib(args.spark_memory) - 512)}m"
        spark = run_spark(sroot, base / "results-spark", workers=args.spark_workers, cores=1,
                          memory=args.spark_memory, executor_memory=executor)
        print(f"  {spark['wall']:.1f} s (cluster start {spark['cluster_start']:.1f} s not included; executors "
              f"{executor}); steps: " + ", ".join(f"{k} {v:.1f}" for k, v in spark["timings"].items()))
        print(f"  {spark['sampler']}")
        files = list(Path(spark["households"]).rglob("*.parquet"))
        print(f"  household results: {len(files):,} files, {sum(f.stat().st_size for f in files) / 2**30:.2f} GiB")
        import pyarrow.parquet as pq

        worst, column, only_duck, only_spark = compare_divisions(pq.read_table(duck_out / "divisions.parquet"),
                                                                 spark["divisions"])
        print(f"  divisions: largest difference {worst:.2e} ({column or '-'}); rows only in DuckDB's: {only_duck}, "
              f"only in Spark's: {only_spark}")
        a, b = household_checksums(duck_out / "households"), household_checksums(spark["households"])
        for status in sorted(set(a) | set(b)):
            same = "same" if a.get(status) == b.get(status) else "DIFFERENT"
            print(f"  households {status:<10} DuckDB {a.get(status)}  Spark {b.get(status)}  {same}")
    if not args.keep_results:
        for folder in base.glob("results-*"):
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
