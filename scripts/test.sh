#!/usr/bin/env bash
# Install everything and run every check: ruff, mypy --strict, import-linter, mkdocs --strict, pytest
# (unit, property, storage on SQLite and PostgreSQL, conformance, robustness, CLI, doctests).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,docs,postgresql]'

# The pinned npm packages behind the generated data, so the tests can rebuild it byte for byte.
if command -v npm >/dev/null 2>&1; then
  npm ci --prefix tools --silent --no-audit --no-fund >/dev/null 2>&1 ||
    echo "npm ci --prefix tools failed: the rebuild checks of generated data will be skipped" >&2
fi

# PostgreSQL: start the local cluster and create our own role and database, unless a URL is given.
if [ -z "${GLOBALCRM_TEST_DATABASE_URL:-}" ]; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    cluster=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $1" "$2}')
    if [ -n "$cluster" ]; then
      pg_ctlcluster --skip-systemctl-redirect $cluster start 2>/dev/null || true
      port=$(pg_lsclusters -h | awk 'NR==1 {print $3}')
      for _ in $(seq 1 30); do
        su postgres -c "psql -p $port -tAc 'select 1'" >/dev/null 2>&1 && break
        sleep 1
      done
      su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -q" <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gcrm') THEN
    CREATE ROLE gcrm LOGIN PASSWORD 'gcrm' CREATEDB;
  END IF;
END \$\$;
SQL
      # A new database every run: one left by another version (its tables, its revision) is gone.
      su postgres -c "psql -p $port -q -c 'DROP DATABASE IF EXISTS gcrm_test WITH (FORCE)'"
      su postgres -c "createdb -p $port -O gcrm gcrm_test"
      export GLOBALCRM_TEST_DATABASE_URL="postgresql+psycopg://gcrm:gcrm@127.0.0.1:$port/gcrm_test"
    fi
  fi
fi
if [ -z "${GLOBALCRM_TEST_DATABASE_URL:-}" ] && [ "${CI:-}" = "true" ]; then
  echo "CI needs PostgreSQL: no cluster found and GLOBALCRM_TEST_DATABASE_URL is not set" >&2
  exit 1
fi
echo "PostgreSQL tests: ${GLOBALCRM_TEST_DATABASE_URL:-skipped (no URL)}"

echo "== ruff";          .venv/bin/ruff check .
echo "== mypy --strict"; .venv/bin/mypy
echo "== import-linter"; .venv/bin/lint-imports
echo "== mkdocs";        NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
echo "== pytest";        .venv/bin/pytest "$@"
