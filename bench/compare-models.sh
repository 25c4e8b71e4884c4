#!/usr/bin/env bash
# bench/compare-models.sh REV [USERS] — do the models of this working tree hold the same rows as those of
# commit REV, on the same data? Builds two throwaway clusters, one from REV's migrations and one from the
# working tree's source tree (supabase/schemas), gives both the same PII salt and the same synthetic data
# (USERS users, default 10000, seed 42, as of yesterday), runs the pipeline on both, then applies the same
# deterministic day of change (bench/day_of_change_fixed.sql) and runs it again. After each run it prints
# an ordered checksum of every staging and mart table (sql/bench/model_checksums.sql) and says whether the
# two agree. Exit 0 when both runs agree; 1 otherwise. Stops and removes both clusters.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: bench/compare-models.sh REV [USERS]}
users=${2:-10000}
as_of=$(date -u -d yesterday +%F)
work=$(mktemp -d)
clusters=()
cleanup() {
    for dir in "${clusters[@]}"; do
        runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl stop -D "$dir" -m fast >/dev/null 2>&1 || true
        rm -rf "$dir"
    done
    rm -rf "$work"
}
trap cleanup EXIT

cluster() { # prints "url dir" of a fresh bootstrapped cluster without the warehouse
    npx tsx -e "import { startThrowaway } from './scripts/lib/throwaway.ts'; (async () => { const d = await startThrowaway('$1', { migrate: false }); console.log(d.url + ' ' + d.dir); })();"
}
read -r old_url old_dir < <(cluster compare-old); clusters+=("$old_dir")
read -r new_url new_dir < <(cluster compare-new); clusters+=("$new_dir")

git archive "$rev" supabase/migrations | tar -x -C "$work"
for f in "$work"/supabase/migrations/*.sql; do psql -X -q -v ON_ERROR_STOP=1 -d "$old_url" -f "$f" >/dev/null 2>&1 || { echo "applying $f of $rev failed"; exit 1; }; done
npx tsx -e "import { applyTree } from './scripts/lib/schema-tree.ts'; applyTree('$new_url');" >/dev/null

for url in "$old_url" "$new_url"; do
    psql -X -q -d "$url" -c "update cron.job set active = false" \
        -c "insert into warehouse.secrets (secret_name, secret_value) values ('warehouse_pii_salt', 'compare-models-fixed-salt')"
    DATABASE_URL="$url" npm run -s synth -- --users "$users" --seed 42 --as-of "$as_of" >/dev/null
done

status=0
for run in initial incremental; do
    for side in old new; do
        url=$old_url; [ "$side" = new ] && url=$new_url
        if [ "$run" = incremental ]; then psql -X -q -v ON_ERROR_STOP=1 -d "$url" -v as_of="$as_of" -f bench/day_of_change_fixed.sql >/dev/null; fi
        DATABASE_URL="$url" npm run -s pipeline | head -1 | sed "s/^/$side $run: /"
        psql -X -At -d "$url" -f sql/bench/model_checksums.sql > "$work/$run-$side.txt"
    done
    if diff "$work/$run-old.txt" "$work/$run-new.txt" > "$work/$run.diff"; then
        echo "$run run: all $(wc -l < "$work/$run-new.txt") staging and mart tables identical"
    else
        echo "$run run: DIFFERENT"; cat "$work/$run.diff"; status=1
    fi
done
cat "$work/initial-new.txt"
exit $status
