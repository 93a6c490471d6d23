# Sourced by the benchmarks (scale.sh, parquet.sh, partials.sh): the
# release build, and the generated data they share. Sets CONTACTS, DIR
# (default: a folder under /tmp named by the size) and bin.
CONTACTS="${CONTACTS:-100000}"
DIR="${DIR:-/tmp/detente-scale-$CONTACTS}"
mkdir -p "$DIR"
cargo build --release --quiet
bin=./target/release/detente
if [ ! -f "$DIR/events.csv" ]; then
  echo "== generate --contacts $CONTACTS into $DIR"
  $bin generate --contacts "$CONTACTS" --events-format csv --out "$DIR" --no-gzip
fi
