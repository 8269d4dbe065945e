#!/usr/bin/env bash
# package_files: the desktop entry, AppStream metainfo, MIME type and fabulist-cli man page that
# installer/package.sh puts in the .deb pass the checks distributions run on them, and the man
# page lists every command fabulist-cli has.
#   package_files_test.sh SOURCE_DIR FABULIST_CLI
set -uo pipefail
src=$1
cli=$2
res=$src/resources
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
pass() { printf 'PASS: %s\n' "$*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in desktop-file-validate appstreamcli update-mime-database man; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (installer/install-deps.sh installs it)"; exit 1; }
done

desktop=$res/fabulist.desktop
if out=$(desktop-file-validate "$desktop" 2>&1) && [ -z "$out" ]; then pass "desktop-file-validate $desktop"
else fail "desktop-file-validate $desktop: $out"; fi
grep -qx 'MimeType=application/x-fabulist;' "$desktop" && pass "the desktop entry opens application/x-fabulist" ||
  fail "$desktop has no MimeType=application/x-fabulist;"

metainfo=$res/package/org.fabulist.Fabulist.metainfo.xml
if out=$(appstreamcli validate --no-net "$metainfo" 2>&1); then pass "appstreamcli validate --no-net $metainfo"
else fail "appstreamcli validate --no-net $metainfo: $out"; fi

# The MIME type as update-mime-database compiles it (what dpkg's trigger runs after install).
mkdir -p "$tmp/mime/packages"
cp "$res/package/fabulist-mime.xml" "$tmp/mime/packages/fabulist.xml"
if out=$(XDG_DATA_DIRS=$tmp update-mime-database "$tmp/mime" 2>&1) && [ -z "$out" ] &&
   grep -qx '[0-9]*:application/x-fabulist:\*\.fabulist' "$tmp/mime/globs2" &&
   grep -qx 'application/x-fabulist:application-x-fabulist' "$tmp/mime/icons"; then
  pass "update-mime-database: *.fabulist is application/x-fabulist, icon application-x-fabulist"
else
  fail "update-mime-database of fabulist-mime.xml: ${out:-no *.fabulist glob or icon in the result}"
fi

man_page=$res/package/fabulist-cli.1
warnings=$(MANWIDTH=80 man --warnings -l "$man_page" 2>&1 >/dev/null)
if [ $? -eq 0 ] && [ -z "$warnings" ]; then pass "man --warnings -l $man_page renders without warnings"
else fail "man --warnings -l $man_page: $warnings"; fi

# Every command in `fabulist-cli --help` and every `project` subcommand has its entry.
commands=$("$cli" --help | sed -n 's/^  \([a-z-]*\) .*/\1/p' | grep -vx project)
subcommands=$("$cli" project 2>&1 | sed -n 's/.*fabulist-cli project \([a-z-]*\) .*/project \1/p')
[ -n "$commands" ] && [ -n "$subcommands" ] || fail "could not read the commands from $cli"
missing=()
while read -r name; do
  troff_name=$(sed 's/-/\\\\-/g' <<< "$name") # troff writes a hyphen as \-
  grep -qE "^\.B[IR]? \"$troff_name[ \"]" "$man_page" || missing+=("$name")
done <<< "$commands"$'\n'"$subcommands"
if [ ${#missing[@]} -eq 0 ]; then pass "the man page lists all $(wc -w <<< "$commands") commands and the project subcommands"
else fail "the man page does not list: ${missing[*]}"; fi

[ $failures -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all package file checks passed"
