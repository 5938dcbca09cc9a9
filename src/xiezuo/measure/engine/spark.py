"""A small local Spark session for the engine's Spark backend (pyspark is the optional `spark` extra).

Set XIEZUO_SPARK_MASTER (e.g. `spark://host:7077`, `yarn`, `k8s://...`) to use a cluster;
the default is `local[1]` with few shuffle partitions, enough for tests and a county.
"""

from __future__ import annotations

import os


def available() -> bool:
    import shutil
    from importlib.util import find_spec

    return find_spec("pyspark") is not None and (shutil.which("java") is not None or "JAVA_HOME" in os.environ)


def session(app_name: str = "xiezuo-measure"):
    from pyspark.sql import SparkSession

    master = os.environ.get("XIEZUO_SPARK_MASTER", "local[1]")
    builder = (SparkSession.builder.appName(app_name).master(master)
               .config("spark.sql.shuffle.partitions", os.environ.get("XIEZUO_SPARK_PARTITIONS", "1"))
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.codegen.wholeStage", os.environ.get("XIEZUO_SPARK_CODEGEN", "false"))
               .config("spark.sql.session.timeZone", "Asia/Shanghai")
               .config("spark.sql.ansi.enabled", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.driver.memory", os.environ.get("XIEZUO_SPARK_DRIVER_MEMORY", "1g")))
    return builder.getOrCreate()
