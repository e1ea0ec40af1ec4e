# Makefile for pg_capacity (PGXS)
#
#   make && make install          build and install against pg_config
#   make installcheck             pg_regress suite on a temporary instance with
#                                 the library preloaded (test/sql, expected/),
#                                 then the TAP tests (test/t, PostgreSQL::Test::Cluster);
#                                 TAP_TESTS= or REGRESS= runs one of the two
#   make unittest                 pure-C unit tests of the formulas and parsers
#   make metacheck                META.json against the PGXN Meta Spec 1.0.0
#                                 (test/scripts/check-meta.pl)
#   make dist                     pg_capacity-$(EXTVERSION).zip of HEAD (git archive),
#                                 PGXN's release format
#
# Warnings-as-errors is CI's business: it passes PG_CFLAGS="-Wall -Wextra -Werror".

EXTENSION = pg_capacity
MODULE_big = pg_capacity
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

OBJS = \
	src/pg_capacity.o \
	src/settings.o \
	src/metrics.o \
	src/history.o \
	src/store.o \
	src/store_file.o \
	src/os_metrics.o \
	src/os_parse.o \
	src/sources.o \
	src/sampler.o \
	src/model.o \
	src/matrix.o \
	src/capacity.o \
	src/sql_common.o \
	src/history_sql.o \
	src/import_sql.o \
	src/report_sql.o \
	src/scaling_sql.o \
	src/sizing_sql.o \
	src/bloat_model.o \
	src/bloat_pages.o \
	src/bloat_scan.o \
	src/bloat_sql.o \
	src/index_sql.o \
	src/forecast_model.o \
	src/tps_model.o \
	src/student_t.o \
	src/forecast_sql.o \
	src/cluster_model.o \
	src/cluster.o \
	src/cluster_sql.o

# sql/pg_capacity.sql is the install script of the current version, the one
# source of truth; make copies it to sql/pg_capacity--$(EXTVERSION).sql
# (generated, in .gitignore), which PGXS installs as DATA_built.  DATA: the
# checked-in scripts, the install script of 0.1.0 and the update scripts, so
# that CREATE EXTENSION ... VERSION '0.3.0' and ALTER EXTENSION ... UPDATE from
# an older version keep working (docs/packaging.md).
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = sql/$(EXTENSION)--0.1.0.sql $(wildcard sql/$(EXTENSION)--*--*.sql)
PGFILEDESC = "pg_capacity - capacity planning from inside PostgreSQL"

# libpq, to reach the cluster's other members from a backend (cluster.c),
# linked the way contrib/dblink links it
PG_CPPFLAGS = -I$(libpq_srcdir)
SHLIB_LINK_INTERNAL = $(libpq)

TESTS = $(wildcard test/sql/*.sql)
REGRESS = $(patsubst test/sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --inputdir=test --temp-instance=tmp_check \
	--temp-config=test/pg_capacity.conf --load-extension=$(EXTENSION)

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

EXTRA_CLEAN = sql/$(EXTENSION)--$(EXTVERSION).sql \
	tmp_check results regression.diffs regression.out \
	test/unit/test_os_metrics test/unit/test_history \
	test/unit/test_model test/unit/test_bloat test/unit/test_forecast \
	test/unit/test_tps_model test/unit/test_cluster_model

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# After the include, so that PGXS's "all" stays the default goal.
sql/$(EXTENSION)--$(EXTVERSION).sql: sql/$(EXTENSION).sql
	cp $< $@

# META.json against the PGXN Meta Spec 1.0.0 and this tree (versions, files).
.PHONY: metacheck
metacheck:
	perl test/scripts/check-meta.pl --control $(EXTENSION).control META.json

# The release archive PGXN takes: HEAD (not the working tree) under
# pg_capacity-$(EXTVERSION)/; files marked export-ignore in .gitattributes are
# left out.  Building it runs make, which generates the versioned install script.
.PHONY: dist
dist: metacheck
	@git diff --quiet HEAD -- || echo "dist: warning: uncommitted changes are not in the archive (it is made from HEAD)" >&2
	git archive --format zip --prefix=$(EXTENSION)-$(EXTVERSION)/ -o $(EXTENSION)-$(EXTVERSION).zip HEAD

# Pure-C unit tests of the parsers and formulas, built without the server.
UNIT_TESTS = test/unit/test_os_metrics test/unit/test_history test/unit/test_model \
	test/unit/test_bloat test/unit/test_forecast test/unit/test_tps_model \
	test/unit/test_cluster_model

test/unit/test_os_metrics: test/unit/test_os_metrics.c test/unit/unit_test.h src/os_metrics.c src/os_parse.c src/os_metrics.h src/metrics.c
	$(CC) $(CFLAGS) $(PG_CFLAGS) -Isrc -o $@ $(filter %.c,$^) -lm

test/unit/test_history: test/unit/test_history.c test/unit/unit_test.h src/history.c src/metrics.c src/rates.h
	$(CC) $(CFLAGS) $(PG_CFLAGS) -Isrc -o $@ $(filter %.c,$^) -lm

test/unit/test_model: test/unit/test_model.c test/unit/unit_test.h src/model.c src/matrix.c src/matrix.h
	$(CC) $(CFLAGS) $(PG_CFLAGS) -Isrc -o $@ $(filter %.c,$^) -lm

test/unit/test_bloat: test/unit/test_bloat.c test/unit/unit_test.h src/bloat_model.c src/bloat_model.h src/prng.h
	$(CC) $(CFLAGS) $(PG_CFLAGS) -Isrc -o $@ $(filter %.c,$^) -lm

test/unit/test_tps_model: test/unit/test_tps_model.c test/unit/unit_test.h src/tps_model.c src/tps_model.h src/forecast_model.c src/forecast_model.h src/student_t.c src/student_t.h src/prng.h
	$(CC) $(CFLAGS) $(PG_CFLAGS) -Isrc -o $@ $(filter %.c,$^) -lm

test/unit/test_cluster_model: test/unit/test_cluster_model.c test/unit/unit_test.h src/cluster_model.c src/cluster_model.h
	$(CC) $(CFLAGS) $(PG_CFLAGS) -Isrc -o $@ $(filter %.c,$^) -lm

test/unit/test_forecast: test/unit/test_forecast.c test/unit/unit_test.h src/forecast_model.c src/forecast_model.h src/student_t.c src/student_t.h src/prng.h
	$(CC) $(CFLAGS) $(PG_CFLAGS) -Isrc -o $@ $(filter %.c,$^) -lm

.PHONY: unittest
unittest: $(UNIT_TESTS)
	@rc=0; for t in $(UNIT_TESTS); do echo "== $$t"; $$t || rc=1; done; exit $$rc
