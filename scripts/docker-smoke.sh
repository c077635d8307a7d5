#!/usr/bin/env bash
# Smoke test of the Docker image and the compose files on a real engine (issues 14 and 16).
#   scripts/docker-smoke.sh          # from anywhere; needs docker, curl, node and `npm ci` done
# Builds the image and its test stage; runs the image (non-root, HEALTHCHECK on another PORT, the
# dashboard, a PNG chart with text, a sync from the simulator into SQLite in the container, into
# MariaDB/MySQL at TEST_MYSQL_URL and into PostgreSQL at TEST_POSTGRES_URL); then, when Compose is
# there (the v2 plugin, or Debian's docker-compose 1.29): `config` of both compose files, the test
# suite in containers, and `up` of the app with MySQL (no Metabase), with a sync through the stack.
# Needs the base images (node:24-bookworm-slim, mysql:8.4) present or pullable, and Docker's host
# network for `docker build`/`run` (ports 5390, 5391, 4390 on 127.0.0.1, or the next free ones). Where
# ../shared/docker/ is beside the project (this workplace: no Docker Hub), the Node base is built
# there as a stand-in before the image when it is missing.
# Prints one line per check ("ok", "FAIL" or "skip"); exits 1 when a check failed.
#   SMOKE_REQUIRE_COMPOSE=1   a missing Compose fails instead of skipping (CI)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

APP_PORT=${SMOKE_APP_PORT:-5390}
STACK_PORT=${SMOKE_STACK_PORT:-5391}
SIM_PORT=${SMOKE_SIM_PORT:-4390}
IMAGE=pd-analytics:local
TEST_IMAGE=pd-analytics-test:local
MYSQL_SERVER=${TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
POSTGRES_SERVER=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
# Project names of their own, so that a user's `-p pd-analytics` stack and its volumes are never touched.
STACK_PROJECT=pda-smoke
TEST_PROJECT=pda-smoke-test
SIM_TOKEN=smoke-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
ADMIN=admin-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
# Every character that breaks a password pasted into a URL (issue 16).
STACK_DB_PASSWORD='p@ss:w/rd#50%off'

work=$(mktemp -d /tmp/pda-smoke.XXXXXX)
# Every step's output, kept for reading after the run (test-results/ is ignored by git).
logs=test-results/docker-smoke
rm -rf "$logs" && mkdir -p "$logs"
started=$(date +%s)
failures=0
checks=0
ok() { checks=$((checks + 1)); printf 'ok    %s\n' "$*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); printf 'FAIL  %s\n' "$*"; }
skip() { printf 'skip  %s\n' "$*"; }
helper() { npx --no-install tsx scripts/docker-smoke-helper.ts "$@"; }
elapsed() { echo "$(($(date +%s) - $1))s"; }
last_line() { tail -n 1 "$1" | tr -d '\r' | cut -c1-200; }

compose=()
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
fi

databases=()
cleanup() {
  docker rm -f -v pda-smoke-app pda-smoke-sim pda-smoke-stack-sim >/dev/null 2>&1
  if [ ${#compose[@]} -gt 0 ]; then
    stack_env "${compose[@]}" -p "$STACK_PROJECT" -f docker/docker-compose.yml down -v >/dev/null 2>&1
    "${compose[@]}" -p "$TEST_PROJECT" -f docker/docker-compose.test.yml down -v >/dev/null 2>&1
  fi
  for url in "${databases[@]}"; do helper drop-db "$url" >/dev/null 2>&1; done
  # The bind-mounted folder belongs to uid 1000: empty it from a container, as root.
  docker run --rm --user 0 --entrypoint sh -v "$work/data:/data" "$IMAGE" -c 'rm -rf /data/*' >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# The environment of the compose stack: what a user puts in .env, and PORT other than 5000.
stack_env() {
  env MYSQL_DATABASE=pd_analytics MYSQL_USER=pd_analytics MYSQL_PASSWORD="$STACK_DB_PASSWORD" \
    MYSQL_ROOT_PASSWORD="root-$SIM_TOKEN" ADMIN_TOKEN="$ADMIN" PORT="$STACK_PORT" \
    PAGERDUTY_API_URL=http://pda-smoke-stack-sim:4010 PAGERDUTY_TOKEN="$SIM_TOKEN" \
    PAGERDUTY_TOKEN_TYPE=bearer PAGERDUTY_RATE_LIMIT=600 PAGERDUTY_CONCURRENCY=3 \
    PAGERDUTY_WEBHOOK_SECRET="webhook-$SIM_TOKEN" SYNC_SINCE=2020-01-01 \
    METABASE_URL=http://metabase:3000 METABASE_USER=admin@example.com LOG_LEVEL=info "$@"
}

# wait_for SECONDS COMMAND...: until the command succeeds; false when the time is up.
wait_for() {
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 1
  done
}
health_ok() { curl -fsS "http://127.0.0.1:$1/api/v1/health" | grep -q '"status":"ok"'; }
container_healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" = healthy ]; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# PNG_CHECK NAME PORT: the chart's PNG has its title drawn (dark pixels where the title is).
png_check() {
  local file="$work/chart-$2.png" type ink
  type=$(curl -fsS -o "$file" -w '%{content_type}' "http://127.0.0.1:$2/api/v1/services/chart?format=png")
  ink=$(helper png-title-ink "$file" 2>/dev/null)
  if [ "$type" = image/png ] && [ "${ink:-0}" -gt 1000 ]; then
    ok "$1: $(wc -c <"$file") bytes, $ink dark pixels in the title region"
  else
    fail "$1: content type '$type', ${ink:-no} dark pixels in the title region (text lost?)"
  fi
}

# DASHBOARD_CHECK NAME PORT: the page and the ECharts bundle it loads (kept by the image's pruning).
dashboard_check() {
  local page asset
  page=$(curl -fsS "http://127.0.0.1:$2/" 2>/dev/null)
  asset=$(curl -fsS -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$2/assets/echarts.min.js")
  if grep -q '<title>' <<<"$page" && [ "${asset%% *}" = 200 ]; then
    ok "$1: / serves $(grep -o '<title>[^<]*' <<<"$page" | sed 's/<title>//'), echarts.min.js $((${asset##* } / 1024)) KiB"
  else
    fail "$1: / or /assets/echarts.min.js did not answer ($asset)"
  fi
}

api_count() { curl -fsS "http://127.0.0.1:$1/api/v1/$2" | sed -n 's/.*"\(count\|total\)":\([0-9]*\).*/\2/p'; }

# A port given in SMOKE_*_PORT must be free; a default that is taken (another smoke run on this
# machine, a server left running) moves up in steps of 10 until a free one is found, so that CI on a
# shared machine does not fail for a port nobody asked for.
# PICK_PORT VAR DEFAULT EXPLICIT: sets VAR to a free port.
pick_port() {
  local var=$1 port=$2 explicit=$3 tries=0
  while ! port_free "$port"; do
    if [ -n "$explicit" ] || [ "$tries" -ge 50 ]; then
      fail "ports: 127.0.0.1:$port is taken; set SMOKE_APP_PORT, SMOKE_STACK_PORT, SMOKE_SIM_PORT"; exit 1
    fi
    port=$((port + 10)); tries=$((tries + 1))
  done
  [ "$port" = "$2" ] || echo "smoke: 127.0.0.1:$2 is taken; $var=$port"
  printf -v "$var" '%s' "$port"
}
pick_port APP_PORT "$APP_PORT" "${SMOKE_APP_PORT:-}"
pick_port STACK_PORT "$STACK_PORT" "${SMOKE_STACK_PORT:-}"
pick_port SIM_PORT "$SIM_PORT" "${SMOKE_SIM_PORT:-}"
volumes_before=$(docker volume ls -q | sort)
echo "smoke: docker $(docker version --format '{{.Server.Version}}' 2>/dev/null), compose: ${compose[*]:-none}"

# --- the Node base image the Dockerfile names: a stand-in from ../shared/docker where there is one
# (it returns at once when the image is there already), else whatever the engine has or pulls.
node_base=$(sed -nE 's/^FROM (node:[^ ]+) AS runtime$/\1/p' docker/Dockerfile)
if [ -x ../shared/docker/make-node-base.sh ]; then
  t=$(date +%s)
  if ../shared/docker/make-node-base.sh "$node_base" >"$logs/node-base.log" 2>&1; then
    ok "base: $node_base (stand-in), Node $(docker run --rm --network host "$node_base" node -v 2>/dev/null), in $(elapsed "$t")"
  else
    fail "base: $node_base stand-in: $(last_line "$logs/node-base.log")"
    exit 1
  fi
fi

# --- the image
t=$(date +%s)
if docker build --network host -f docker/Dockerfile -t "$IMAGE" . >"$logs/build.log" 2>&1; then
  ok "build: $IMAGE, $(($(docker image inspect -f '{{.Size}}' "$IMAGE") / 1000000)) MB, in $(elapsed "$t")"
else
  fail "build: $(last_line "$logs/build.log")"
  exit 1
fi
t=$(date +%s)
if docker build --network host -f docker/Dockerfile --target test -t "$TEST_IMAGE" . >"$logs/build-test.log" 2>&1; then
  ok "build test stage: $TEST_IMAGE in $(elapsed "$t")"
else
  fail "build test stage: $(last_line "$logs/build-test.log")"
fi

# What the runtime image must not carry (issue 14, 16), and what it must.
leftovers=$(docker run --rm --entrypoint sh "$IMAGE" -c '
  cd /app
  find node_modules -mindepth 1 -type d -empty | head -3
  for p in node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
    node_modules/better-sqlite3/prebuilds/darwin-arm64.node node_modules/echarts/dist/echarts.js \
    node_modules/echarts/types node_modules/zrender/dist; do [ -e "$p" ] && echo "$p"; done
  for p in "node_modules/better-sqlite3/prebuilds/linux-$(node -p process.arch).node" node_modules/echarts/lib \
    node_modules/echarts/dist/echarts.min.js fonts/DejaVuSans.ttf docker/healthcheck.js; do
    [ -e "$p" ] || echo "missing $p"; done
  find / -xdev \( -name .env -o -name "*.db" -o -path "*/bench/out" -o -name test-results \) -print 2>/dev/null | head -3' 2>/dev/null)
if [ -z "$leftovers" ]; then
  ok "image contents: no empty folders, no better-sqlite3 sources, no ECharts bundles but echarts.min.js, no .env or *.db; font and addon present"
else
  fail "image contents: $(tr '\n' ' ' <<<"$leftovers")"
fi
test_leftovers=$(docker run --rm --entrypoint sh "$TEST_IMAGE" -c \
  'cd /app && find . -path ./node_modules -prune -o \( -name .env -o -name "*.db*" -o -path "*/bench/out" -o -name test-results \) -print | head -3' 2>/dev/null)
if [ -z "$test_leftovers" ]; then
  ok "test image contents: .dockerignore kept out .env, *.db, bench/out and test-results"
else
  fail "test image contents: $(tr '\n' ' ' <<<"$test_leftovers")"
fi

# --- the image, run: SQLite in a bind-mounted /data owned by uid 1000, as the README says
mkdir -p "$work/data"
docker run --rm --user 0 --entrypoint chown -v "$work/data:/data" "$IMAGE" 1000:1000 /data 2>/dev/null
docker run -d --name pda-smoke-app --network host -e PORT="$APP_PORT" -v "$work/data:/data" \
  --health-interval=2s "$IMAGE" >/dev/null
user=$(docker exec pda-smoke-app id -un 2>&1)
uid=$(docker exec pda-smoke-app id -u 2>&1)
if [ "$user" = node ] && [ "$uid" = 1000 ]; then ok "non-root: runs as $user (uid $uid)"; else fail "non-root: runs as '$user' ($uid)"; fi
t=$(date +%s)
if wait_for 60 health_ok "$APP_PORT"; then
  ok "health: /api/v1/health answers ok on PORT=$APP_PORT after $(elapsed "$t")"
else
  fail "health: no answer on PORT=$APP_PORT: $(docker logs pda-smoke-app 2>&1 | tail -n 1)"
fi
if wait_for 90 container_healthy pda-smoke-app; then
  ok "HEALTHCHECK: healthy on PORT=$APP_PORT after $(elapsed "$t") (checks every 2 s here, 30 s by default)"
else
  fail "HEALTHCHECK: $(docker inspect -f '{{.State.Health.Status}} {{json .State.Health.Log}}' pda-smoke-app | cut -c1-200)"
fi
dashboard_check dashboard "$APP_PORT"

docker run -d --name pda-smoke-sim --network host "$IMAGE" simulate --port "$SIM_PORT" --token "$SIM_TOKEN" >/dev/null
wait_for 60 curl -fsS -o /dev/null -H "Authorization: Token token=$SIM_TOKEN" "http://127.0.0.1:$SIM_PORT/teams"
sim_env=(-e "PAGERDUTY_API_URL=http://127.0.0.1:$SIM_PORT" -e "PAGERDUTY_TOKEN=$SIM_TOKEN")
t=$(date +%s)
if docker exec "${sim_env[@]}" pda-smoke-app node bin/pd-analytics.js sync >"$logs/sync-sqlite.log" 2>&1; then
  services=$(api_count "$APP_PORT" services/count)
  incidents=$(api_count "$APP_PORT" incidents/by-status)
  if [ "${services:-0}" -gt 0 ] && [ "${incidents:-0}" -gt 0 ] && [ -s "$work/data/pd-analytics.db" ]; then
    ok "sync into SQLite (/data, a bind mount owned by uid 1000): $services services, $incidents incidents, in $(elapsed "$t")"
  else
    fail "sync into SQLite: services=${services:-?} incidents=${incidents:-?}, files: $(find "$work/data" -mindepth 1 -printf "%f %u " 2>/dev/null)"
  fi
else
  fail "sync into SQLite: $(last_line "$logs/sync-sqlite.log")"
fi
expected="services=${services:-?} incidents=${incidents:-?}"
png_check "PNG chart" "$APP_PORT"
health_lines=$(docker logs pda-smoke-app 2>&1 | grep -c '"url":"/api/v1/health')
checks_run=$(docker inspect -f '{{len .State.Health.Log}}' pda-smoke-app)
if [ "$health_lines" = 0 ]; then
  ok "health-check logging: $checks_run checks, 0 log lines at LOG_LEVEL=info"
else
  fail "health-check logging: $health_lines request lines for /api/v1/health at info"
fi

# --- syncs into the servers on the host, from the image
for server in "$MYSQL_SERVER" "$POSTGRES_SERVER"; do
  kind=${server%%:*}
  if ! url=$(helper create-db "$server" 2>"$logs/create-$kind.log"); then
    fail "sync into $kind: cannot create a database: $(last_line "$logs/create-$kind.log")"
    continue
  fi
  databases+=("$url")
  t=$(date +%s)
  if docker run --rm --network host -e "DATABASE_URL=$url" "${sim_env[@]}" "$IMAGE" sync >"$logs/sync-$kind.log" 2>&1; then
    got=$(helper counts "$url" 2>&1)
    if [ "$got" = "$expected" ]; then
      ok "sync into $kind on the host ($(sed -E 's#//[^@/]*@#//#' <<<"${url%/*}")): $got, as in SQLite, in $(elapsed "$t")"
    else
      fail "sync into $kind: $got, SQLite has $expected"
    fi
  else
    fail "sync into $kind: $(last_line "$logs/sync-$kind.log")"
  fi
done
docker rm -f -v pda-smoke-app pda-smoke-sim >/dev/null 2>&1

# A bind-mounted /data that uid 1000 cannot write: start-up must stop, saying why (README).
mkdir -p "$work/root-owned"
# The CLI's error goes to stderr; docker's own warning about IPv4 forwarding is left out.
refused=$(docker run --rm --network host -v "$work/root-owned:/data" "$IMAGE" migrate 2>&1)
refused_status=$?
refused=$(grep -v '^WARNING: IPv4 forwarding' <<<"$refused")
if [ "$refused_status" != 0 ] && grep -q 'unable to open database file' <<<"$refused"; then
  ok "/data not writable by uid 1000: start-up stops with '$(tail -n 1 <<<"$refused")'"
else
  fail "/data not writable by uid 1000: exit $refused_status, '$(tail -n 1 <<<"$refused")'"
fi

# --- the compose files
if [ ${#compose[@]} -eq 0 ]; then
  if [ "${SMOKE_REQUIRE_COMPOSE:-}" = 1 ]; then
    fail "compose: neither 'docker compose' nor 'docker-compose' is installed"
  else
    skip "compose: neither 'docker compose' nor 'docker-compose' is installed; compose checks skipped"
  fi
else
  compose_version=$("${compose[@]}" version --short 2>/dev/null || "${compose[@]}" version | head -n 1)
  for file in docker/docker-compose.yml docker/docker-compose.test.yml; do
    if stack_env "${compose[@]}" -p "$STACK_PROJECT" -f "$file" config >"$logs/config.log" 2>&1; then
      ok "compose config $file: valid for ${compose[*]} $compose_version"
    else
      fail "compose config $file: $(last_line "$logs/config.log")"
    fi
  done

  # The test suite in containers, against the mysql:8.4 image (a stand-in here).
  t=$(date +%s)
  "${compose[@]}" -p "$TEST_PROJECT" -f docker/docker-compose.test.yml run --rm -T test >"$logs/compose-test.log" 2>&1
  status=$?
  summary=$(sed 's/\x1b\[[0-9;]*m//g' "$logs/compose-test.log" | grep -E '^ +Tests +' | tail -n 1 | sed -E 's/^ +Tests +//')
  # The suites' own skip notices: which ran on MySQL, which could not run in the container.
  notices=$(grep -oE '(mysql|postgres|end-to-end) suite skipped' "$logs/compose-test.log" | sort | uniq -c |
    awk '{printf "%s%s suites skipped (%d files)", sep, $2, $1; sep = ", "}')
  mysql_ran=$(grep -c 'mysql suite skipped' "$logs/compose-test.log")
  if [ "$status" = 0 ] && [ -n "$summary" ] && [ "$mysql_ran" = 0 ]; then
    ok "compose test suite (docker-compose.test.yml, run --rm test, MySQL service): $summary; ${notices:-none skipped}, in $(elapsed "$t")"
  else
    fail "compose test suite: exit $status, ${summary:-$(last_line "$logs/compose-test.log")}; ${notices:-}"
  fi
  "${compose[@]}" -p "$TEST_PROJECT" -f docker/docker-compose.test.yml down -v >"$logs/compose-test-down.log" 2>&1
  left=$(docker ps -aq --filter "label=com.docker.compose.project=$TEST_PROJECT" | wc -l)
  if [ "$left" = 0 ]; then ok "compose test down -v: no container left"; else fail "compose test down -v: $left containers left"; fi

  # The app with MySQL, without Metabase (its image cannot be had everywhere).
  t=$(date +%s)
  if stack_env "${compose[@]}" -p "$STACK_PROJECT" -f docker/docker-compose.yml up -d app >"$logs/compose-up.log" 2>&1 &&
    wait_for 120 health_ok "$STACK_PORT"; then
    ok "compose up app mysql (no Metabase): health ok on 127.0.0.1:$STACK_PORT after $(elapsed "$t"), MySQL password with @ : / # %"
  else
    fail "compose up: $(last_line "$logs/compose-up.log") $(stack_env "${compose[@]}" -p "$STACK_PROJECT" -f docker/docker-compose.yml logs --tail 3 app 2>&1 | tail -n 1)"
  fi
  app_id=$(stack_env "${compose[@]}" -p "$STACK_PROJECT" -f docker/docker-compose.yml ps -q app 2>/dev/null)
  # The settings of .env reach the app: ask the app's own config parser inside the container.
  seen=$(docker exec "$app_id" node --input-type=module -e "
    import { parseConfig } from './dist/config.js';
    const c = parseConfig(process.env);
    console.log([c.pagerduty.tokenType, c.pagerduty.requestsPerMinute, c.pagerduty.concurrency,
      Boolean(c.pagerduty.webhookSecret), c.sync.since?.toISOString().slice(0, 10), c.metabase.url,
      c.metabase.user, c.port, c.database.dialect].join(' '))" 2>&1)
  if [ "$seen" = "bearer 600 3 true 2020-01-01 http://metabase:3000 admin@example.com $STACK_PORT mysql" ]; then
    ok "compose settings reach the app: PAGERDUTY_TOKEN_TYPE, _RATE_LIMIT, _CONCURRENCY, _WEBHOOK_SECRET, SYNC_SINCE, METABASE_*, PORT ($seen)"
  else
    fail "compose settings: the app sees '$seen'"
  fi
  network=$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$app_id" 2>/dev/null | awk '{print $1}')
  docker run -d --name pda-smoke-stack-sim --network "$network" "$IMAGE" simulate --host 0.0.0.0 --port 4010 \
    --token "$SIM_TOKEN" >/dev/null 2>&1
  # It prints its URL once it listens (its port is not published, so ask its log, not the port).
  sim_listens() { docker logs pda-smoke-stack-sim 2>/dev/null | grep -q 'URL:'; }
  wait_for 60 sim_listens
  t=$(date +%s)
  run_id=$(curl -fsS -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"mode":"full"}' "http://127.0.0.1:$STACK_PORT/api/v1/sync" 2>/dev/null | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  sync_done() { curl -fsS "http://127.0.0.1:$STACK_PORT/api/v1/sync/runs/$run_id" | grep -Eq '"status":"(succeeded|failed)"'; }
  [ -n "$run_id" ] && wait_for 300 sync_done
  run=$(curl -fsS "http://127.0.0.1:$STACK_PORT/api/v1/sync/runs/$run_id" 2>/dev/null)
  stack_services=$(api_count "$STACK_PORT" services/count)
  stack_incidents=$(api_count "$STACK_PORT" incidents/by-status)
  got="services=$stack_services incidents=$stack_incidents"
  if grep -q '"status":"succeeded"' <<<"$run" && [ "$stack_services" = "${services:-}" ] && [ "${stack_incidents:-0}" -gt 0 ]; then
    ok "compose sync through the stack (POST /api/v1/sync with ADMIN_TOKEN, simulator on the compose network, into MySQL): $got, in $(elapsed "$t")"
  else
    fail "compose sync: run '$(cut -c1-160 <<<"$run")', $got (SQLite had $expected)"
  fi
  dashboard_check "compose dashboard" "$STACK_PORT"
  png_check "compose PNG chart" "$STACK_PORT"
  if wait_for 90 container_healthy "$app_id"; then
    ok "compose HEALTHCHECK: app healthy with PORT=$STACK_PORT"
  else
    fail "compose HEALTHCHECK: $(docker inspect -f '{{.State.Health.Status}}' "$app_id" 2>&1)"
  fi
  docker rm -f -v pda-smoke-stack-sim >/dev/null 2>&1
  stack_env "${compose[@]}" -p "$STACK_PROJECT" -f docker/docker-compose.yml down -v >"$logs/compose-down.log" 2>&1
  left=$(docker ps -aq --filter "label=com.docker.compose.project=$STACK_PROJECT" | wc -l)
  volumes=$(docker volume ls -q --filter "label=com.docker.compose.project=$STACK_PROJECT" | wc -l)
  if [ "$left" = 0 ] && [ "$volumes" = 0 ]; then
    ok "compose down -v: no container or volume left"
  else
    fail "compose down -v: $left containers, $volumes volumes left"
  fi
fi

# The image declares VOLUME /data: a container removed without -v would leave one behind.
docker rm -f -v pda-smoke-app pda-smoke-sim pda-smoke-stack-sim >/dev/null 2>&1
left=$(comm -13 <(echo "$volumes_before") <(docker volume ls -q | sort) | wc -l)
if [ "$left" = 0 ]; then ok "cleanup: no volume of this run left behind"; else fail "cleanup: $left volumes left"; fi

if [ "$failures" -gt 0 ]; then
  echo "smoke: $failures of $checks checks FAILED in $(elapsed "$started")"
  exit 1
fi
echo "smoke: all $checks checks passed in $(elapsed "$started")"
